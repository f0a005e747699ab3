"""Provider-neutral conversation types that the offline engine decides from."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call: a function tool, or a handoff to another agent."""

    name: str
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    is_handoff: bool = False


@dataclass(frozen=True)
class ToolCall:
    """One tool call the model makes; `arguments` is already-parsed JSON."""

    call_id: str
    name: str
    arguments: dict[str, Any]
    arguments_text: str | None = None  # the arguments as the model wrote them; None: compact JSON

    def arguments_json(self) -> str:
        """The arguments as the JSON string a provider sends."""
        if self.arguments_text is not None:
            return self.arguments_text
        return json.dumps(self.arguments, ensure_ascii=False)


@dataclass(frozen=True)
class Message:
    """One conversation message. Tool results have role "tool" and the call's id."""

    role: Role
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None


@dataclass(frozen=True)
class Decision:
    """What the offline model decided: tool calls, or a final text, and why."""

    text: str | None
    tool_calls: tuple[ToolCall, ...]
    why: str
    preamble: str | None = None  # text some models write beside their tool calls ("Let me look that up.")
    reasoning: str | None = None  # a reasoning summary, sent before the output by models that reason
    refusal: str | None = None  # a refusal in place of an answer: why the model will not, or cannot, give one
