"""Errors a learner can act on: one sentence with the fix, shown without a long traceback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from openai import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    OpenAIError,
    PermissionDeniedError,
    RateLimitError,
)


class CourseError(Exception):
    """A one-sentence error; in a notebook it shows as that sentence and a hint, no traceback."""

    def __init__(self, message: str, hint: str = "See 00_start_here for how to choose a model.") -> None:
        super().__init__(message)
        self.hint = hint

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing the traceback.
        return [f"{type(self).__name__}: {self}", self.hint]


class CourseSetupError(CourseError):
    """`setup()` could not choose or configure a model."""


class CourseProviderError(CourseError):
    """A real model provider failed: bad key, no access, quota, network, unknown model, or a reply that is no API's."""


class NotAnAPIReply(OpenAIError):
    """A successful HTTP reply whose body is not the API's (an HTML page, plain text, broken JSON)."""

    def __init__(self, content_type: str, streamed: bool) -> None:
        super().__init__(f"The reply is {content_type or 'untyped'}, not an API reply.")
        if "html" in content_type:
            self.what = "an HTML page"
        else:
            self.what = "a reply that is not a stream of events" if streamed else "a reply that is not JSON"


@dataclass(frozen=True)
class Provider:
    """What an error sentence names: the service, model, key and URL settings, and how to get back offline."""

    service: str
    model_id: str
    key_names: str
    offline_hint: str
    url_setting: str | None = None  # the variable that set the base URL; None for the provider's own URL
    base_url: str = ""
    timeout: float = 0.0
    api_key: str | None = field(default=None, repr=False)  # only to scrub it from the provider's own messages


_MODEL_NOT_FOUND_CODES = ("model_not_found", "NOT_FOUND")
_MESSAGE_LIMIT = 300  # characters of the provider's own message kept in a sentence


def explain_provider_error(error: Exception, provider: Provider) -> str | None:
    """The one sentence for a provider failure, or None if `error` is not one we explain.

    LiteLLM's exceptions subclass OpenAI's and keep the original on their chain, so this covers both.
    """
    service, offline_hint = provider.service, provider.offline_hint
    chain = list(_chain(error))
    text = str(error)
    if reply := next((e for e in chain if isinstance(e, NotAnAPIReply)), None):
        return _not_an_api(provider, reply.what)
    if "Empty or invalid response from LLM endpoint" in text:  # LiteLLM's words for the same
        return _not_an_api(provider, "an HTML page" if "<html" in text.lower() else "a reply that is not JSON")
    if isinstance(error, AuthenticationError) or (
        # Gemini answers a bad key with 400 API_KEY_INVALID, not 401.
        isinstance(error, BadRequestError) and ("API_KEY_INVALID" in text or "API key not valid" in text)
    ):
        return f"{service} rejected the API key: check {provider.key_names}, or {offline_hint}."
    if "LLM Provider NOT provided" in text:
        return (f"LiteLLM cannot tell which provider the model {provider.model_id!r} belongs to: set COURSE_MODEL "
                f"to a LiteLLM model string such as anthropic/claude-sonnet-4-5 or ollama/llama3.2, "
                f"or {offline_hint}.")
    if isinstance(error, PermissionDeniedError):
        return (f"{service} refused access to {provider.model_id!r} (403): use a key allowed to call it, "
                f"set COURSE_MODEL to a model you can use, or {offline_hint}.")
    if isinstance(error, RateLimitError):
        return (f"{service} is rate-limiting you or your quota is used up (429): wait a minute and "
                f"re-run, check your plan, or {offline_hint}.")
    if isinstance(error, NotFoundError):
        if provider.url_setting and not _names_a_model(error, provider.model_id):
            return _no_api_there(provider)
        return (f"{service} does not know the model {provider.model_id!r} (404): set COURSE_MODEL to a model "
                f"it offers, or {offline_hint}.")
    if any(isinstance(e, APITimeoutError) for e in chain):
        return (f"{service} did not answer within {provider.timeout:g} s: re-run the cell, set COURSE_TIMEOUT to more "
                f"seconds for a slow model, or {offline_hint}.")
    if any(isinstance(e, APIConnectionError) for e in chain):
        return (f"Could not reach {service}: check your connection (or that the server is running), "
                f"or {offline_hint}.")
    if isinstance(error, APIStatusError) and 400 <= error.status_code < 500:
        message = _scrub(provider_message(error), provider.api_key)
        return (f"{service} refused the request ({error.status_code}: {message}): change what it names, "
                f"or {offline_hint}.")
    if isinstance(error, APIStatusError) and error.status_code >= 500:
        return (f"{service} had a server error ({error.status_code}): re-run the cell in a minute, "
                f"or {offline_hint}.")
    return None


def provider_message(error: APIStatusError) -> str:
    """The provider's own words for a failed request, on one line and without a final period."""
    body: Any = error.body
    if isinstance(body, list) and body:  # Gemini wraps its error object in a list
        body = body[0]
    message: Any = None
    if isinstance(body, dict):
        inner = body.get("error")
        message = inner.get("message") if isinstance(inner, dict) else inner
        detail = body.get("detail")  # FastAPI and other Python servers, often with a 422
        if message is None and isinstance(detail, list):
            message = "; ".join(_validation_issue(item) for item in detail)
        message = message or detail or body.get("message")
    if not isinstance(message, str) or not message.strip():
        message = f"HTTP {error.status_code}"
    line = " ".join(message.split())
    if len(line) > _MESSAGE_LIMIT:
        line = line[:_MESSAGE_LIMIT].rstrip() + "…"
    return line.rstrip(".")


def _validation_issue(item: Any) -> str:
    """One FastAPI/pydantic validation issue, e.g. "body.messages: Field required"."""
    if not isinstance(item, dict):
        return str(item)
    where = ".".join(str(part) for part in item.get("loc", ()))
    return f"{where}: {item.get('msg', '')}" if where else str(item.get("msg", ""))


def _not_an_api(provider: Provider, what: str) -> str:
    if provider.url_setting:
        fix = f"check that {provider.url_setting} is the server's API address (it usually ends in /v1)"
    else:
        fix = "re-run the cell in a minute"
    return f"{provider.service} sent back {what} instead of an API reply: {fix}, or {provider.offline_hint}."


def _no_api_there(provider: Provider) -> str:
    path = urlsplit(provider.base_url).path.rstrip("/")
    if path.endswith("/v1"):
        fix = f"check {provider.url_setting} against the server's documentation"
    else:
        fix = f"add /v1 to the end of {provider.url_setting}, as in http://localhost:11434/v1"
    return (f"{provider.service} has no such API route (404, so the model was never looked up): {fix}, "
            f"or {provider.offline_hint}.")


def _names_a_model(error: NotFoundError, model_id: str) -> bool:
    """True when a 404 is about the model (OpenAI's model_not_found, a message naming it), not about the route."""
    text = provider_message(error)
    return getattr(error, "code", None) in _MODEL_NOT_FOUND_CODES or "model" in text.lower() or model_id in text


def _scrub(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


def _chain(error: BaseException) -> Iterator[BaseException]:
    """`error`, then what caused it, and so on (LiteLLM keeps the original error there)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__
