"""The offline course model: a deterministic, network-free, very literal LLM."""

from importlib import import_module
from typing import Any

from .conversation import Decision, Message, ToolCall, ToolSpec
from .engine import count_tokens, decide, token_usage

__all__ = ["Decision", "Message", "OfflineModel", "OfflineModelResponse", "ToolCall", "ToolSpec", "count_tokens",
           "decide", "token_usage"]


def __getattr__(name: str) -> Any:
    # The SDK adapter imports the whole Agents SDK: only load it when it is asked for.
    if name in ("OfflineModel", "OfflineModelResponse"):
        return getattr(import_module(".model", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
