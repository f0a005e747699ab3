"""Errors a learner can act on: one sentence with the fix, shown without a long traceback."""

from __future__ import annotations

from openai import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
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
    """A real model provider failed: bad key, no access, quota, network, or unknown model."""


def explain_provider_error(
    error: Exception, *, service: str, model_id: str, key_names: str, offline_hint: str
) -> str | None:
    """The one sentence for a provider failure, or None if `error` is not one we explain.

    LiteLLM's exceptions subclass OpenAI's, so this covers both.
    """
    text = str(error)
    if isinstance(error, AuthenticationError) or (
        # Gemini answers a bad key with 400 API_KEY_INVALID, not 401.
        isinstance(error, BadRequestError) and ("API_KEY_INVALID" in text or "API key not valid" in text)
    ):
        return f"{service} rejected the API key: check {key_names}, or {offline_hint}."
    if isinstance(error, PermissionDeniedError):
        return (f"{service} refused access to {model_id!r} (403): use a key allowed to call it, "
                f"set COURSE_MODEL to a model you can use, or {offline_hint}.")
    if isinstance(error, RateLimitError):
        return (f"{service} is rate-limiting you or your quota is used up (429): wait a minute and "
                f"re-run, check your plan, or {offline_hint}.")
    if isinstance(error, NotFoundError):
        return (f"{service} does not know the model {model_id!r} (404): set COURSE_MODEL to a model "
                f"it offers, or {offline_hint}.")
    if isinstance(error, APITimeoutError):
        return f"{service} did not answer in time: re-run the cell, or {offline_hint}."
    if isinstance(error, APIConnectionError):
        return (f"Could not reach {service}: check your connection (or that the server is running), "
                f"or {offline_hint}.")
    if isinstance(error, APIStatusError) and error.status_code >= 500:
        return (f"{service} had a server error ({error.status_code}): re-run the cell in a minute, "
                f"or {offline_hint}.")
    return None
