"""Provider-neutral conversation types that the offline engine decides from."""

from __future__ import annotations

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
