"""The offline course model: a deterministic, network-free, very literal LLM."""

from .conversation import Decision, Message, ToolCall, ToolSpec
from .engine import count_tokens, decide, token_usage
from .model import OfflineModel, OfflineModelResponse

__all__ = ["Decision", "Message", "OfflineModel", "OfflineModelResponse", "ToolCall", "ToolSpec", "count_tokens",
           "decide", "token_usage"]
