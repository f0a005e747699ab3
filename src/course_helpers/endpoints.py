"""Where the raw-HTTP notebooks send Chat Completions requests: the local offline server, or the real provider."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .errors import CourseSetupError
from .model_ids import OFFLINE_MODEL_ID
from .providers import GEMINI_BASE_URL, CourseModel, find_key, key_names, safe_url
from .server import OfflineServer

__all__ = ["ChatEndpoint", "chat_endpoint"]

OPENAI_BASE_URL = "https://api.openai.com/v1"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class ChatEndpoint:
    """An OpenAI-compatible Chat Completions API: its base URL, a model id, and an API key that is never shown.

    Requests go to `f"{base_url}/chat/completions"` with the header `Authorization: Bearer <api_key>`.
    """

    base_url: str
    model: str
    api_key: str = field(repr=False)

    def __str__(self) -> str:
        """The model and URL, with a local server's port (different on every run) shown as <port>."""
        parts = urlsplit(self.base_url)
        if parts.hostname in _LOOPBACK:
            return f"{self.model} at {parts.scheme}://{parts.hostname}:<port>{parts.path}"
        return f"{self.model} at {safe_url(self.base_url)}"


def chat_endpoint(course: CourseModel, server: OfflineServer) -> ChatEndpoint:
    """The Chat Completions endpoint for the provider `setup()` chose: `server` when offline.

    OpenAI and Gemini use their OpenAI-compatible URLs with the key `setup()` found; openai-compatible uses
    COURSE_BASE_URL. The litellm provider has no single HTTP endpoint, so its raw requests go to `server` too.
    """
    if course.provider in ("offline", "litellm"):
        return ChatEndpoint(server.base_url.rstrip("/"), OFFLINE_MODEL_ID, "not-needed")
    if course.provider == "openai-compatible":
        base_url = os.environ.get("COURSE_BASE_URL", "").strip()
        key = find_key("openai-compatible")
        return ChatEndpoint(base_url.rstrip("/"), course.model_id, key or "not-needed")
    base_url = GEMINI_BASE_URL if course.provider == "gemini" else OPENAI_BASE_URL
    key = find_key(course.provider)
    if not key:
        raise CourseSetupError(
            f"The raw HTTP cells need {key_names(course.provider)} in the environment or Colab secrets (a key typed at the prompt "
            "is not kept); set it and re-run the notebook, or set COURSE_PROVIDER=offline."
        )
    return ChatEndpoint(base_url.rstrip("/"), course.model_id, key)
