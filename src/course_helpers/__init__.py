"""Helpers for Agents from First Principles: provider setup, the offline course model, exercise checkers."""

from importlib import import_module
from typing import Any

__all__ = ["CourseModel", "CourseProviderError", "CourseSetupError", "OfflineModel", "setup"]

# Imported on first use, so a subprocess such as the MCP server does not pay for importing the whole SDK.
_HOMES = {"CourseModel": ".providers", "setup": ".providers", "CourseProviderError": ".errors",
          "CourseSetupError": ".errors", "OfflineModel": ".offline"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOMES[name], __name__), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
