"""Where the raw-HTTP notebooks send Chat Completions requests: the local offline server, or the real provider."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from .errors import CourseSetupError
from .model_ids import OFFLINE_MODEL_ID
from .gemini import GEMINI_BASE_URL
from .providers import CourseModel, find_key, key_names
from .server import OfflineServer
from .urls import base_url_from, safe_url

__all__ = ["ChatEndpoint", "chat_endpoint"]

OPENAI_BASE_URL = "https://api.openai.com/v1"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_LITELLM_NOTE = "the local offline server: LiteLLM has no single HTTP endpoint for raw requests"
_OFFLINE_HINT = "set COURSE_PROVIDER=offline"


@dataclass(frozen=True)
class ChatEndpoint:
    """An OpenAI-compatible Chat Completions API: its base URL, a model id, and an API key that is never shown.

    Requests go to `f"{base_url}/chat/completions"` with the header `Authorization: Bearer <api_key>`. The base
    URL holds no secret: a key written into the configured URL (`http://user:key@host/v1`) becomes `api_key`.
    `note` says why the requests go where they go, when that is not the chosen provider.
    """

    base_url: str
    model: str
    api_key: str = field(repr=False)
    note: str = ""

    def __str__(self) -> str:
        """The model and URL, with a local server's port (different on every run) shown as <port>."""
        parts = urlsplit(self.base_url)
        where = safe_url(self.base_url)
        if parts.hostname in _LOOPBACK:
            where = f"{parts.scheme}://{parts.hostname}:<port>{parts.path}"
        return f"{self.model} at {where}" + (f" ({self.note})" if self.note else "")


def chat_endpoint(course: CourseModel, server: OfflineServer) -> ChatEndpoint:
    """The Chat Completions endpoint for the provider `setup()` chose: `server` when offline.

    OpenAI (or OPENAI_BASE_URL), Gemini and openai-compatible (COURSE_BASE_URL) use the URL and key `setup()`
    used, a key typed at its prompt included. The litellm provider has no single HTTP endpoint, so its raw
    requests go to `server` too, and the endpoint says so.
    """
    if course.provider in ("offline", "litellm"):
        note = _LITELLM_NOTE if course.provider == "litellm" else ""
        return ChatEndpoint(server.base_url.rstrip("/"), OFFLINE_MODEL_ID, "not-needed", note)
    base_url = course.connection.base_url or _configured_url(course.provider)
    key = course.connection.api_key or find_key(course.provider) or unquote(urlsplit(base_url).password or "")
    if not key and course.provider != "openai-compatible":
        raise CourseSetupError(
            f"The raw HTTP cells need {key_names(course.provider)} in the environment or Colab secrets; "
            "set it and re-run the notebook, or set COURSE_PROVIDER=offline."
        )
    return ChatEndpoint(safe_url(base_url).rstrip("/"), course.model_id, key or "not-needed")


def _configured_url(provider: str) -> str:
    """The provider's base URL from the environment, for a course made without `setup()`."""
    if provider == "gemini":
        return GEMINI_BASE_URL
    if provider == "openai":
        return base_url_from("OPENAI_BASE_URL", _OFFLINE_HINT) or OPENAI_BASE_URL
    return base_url_from("COURSE_BASE_URL", _OFFLINE_HINT) or ""
