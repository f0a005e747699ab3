"""Base URLs a learner sets: checked once in `setup()`, and shown or logged without the secrets they may hold."""

from __future__ import annotations

import logging
import os
from urllib.parse import urlsplit

from .errors import CourseSetupError

__all__ = ["RedactURLs", "base_url_from", "redact_logged_urls", "safe_url"]

_URL_EXAMPLES = {"OPENAI_BASE_URL": "https://api.openai.com/v1", "COURSE_BASE_URL": "http://localhost:11434/v1"}


def base_url_from(setting: str, offline_hint: str) -> str | None:
    """The base URL in the variable `setting`, or None if unset; a malformed one is one `CourseSetupError`."""
    url = os.environ.get(setting, "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    example = _URL_EXAMPLES[setting]
    if "://" not in url:
        problem, example = "has no http:// or https:// in front", f"http://{safe_url(url)}"
    elif parts.scheme not in ("http", "https"):
        problem = "does not start with http:// or https://"
    elif not parts.hostname:
        problem = "has no host name"
    elif not _port_is_a_number(url):
        problem = "has a port that is not a number"
    else:
        return url
    raise CourseSetupError(f"{setting} {problem} ({safe_url(url)!r}): set it to the server's API address, "
                           f"for example {example}, or {offline_hint}.")


def _port_is_a_number(url: str) -> bool:
    try:
        urlsplit(url).port
    except ValueError:  # "Port could not be cast to integer value as 'abc'", or out of range
        return False
    return True


def safe_url(url: str) -> str:
    """The URL as written, without user info, query or fragment, which could hold a secret."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        scheme, rest = "", url
    netloc, slash, path = rest.split("?", 1)[0].split("#", 1)[0].partition("/")
    return f"{scheme}{separator}{netloc.rpartition('@')[2]}{slash}{path}"


class RedactURLs(logging.Filter):
    """Shows URLs in log records (httpx's "HTTP Request: POST <url>") as `safe_url` does."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(safe_url(str(arg)) if str(arg).startswith(("http://", "https://")) else arg
                                for arg in record.args)
        return True


def redact_logged_urls() -> None:
    """Install `RedactURLs` on the HTTP clients' loggers: httpx (the notebooks, LiteLLM) and httpx2 (openai)."""
    for name in ("httpx", "httpx2"):
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactURLs) for existing in logger.filters):
            logger.addFilter(RedactURLs())
