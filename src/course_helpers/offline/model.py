"""`OfflineModel`: the offline engine as a real Agents SDK `Model`, for `get_response` and streaming."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from agents import FunctionTool, Handoff, ModelResponse, ModelSettings, Usage
from agents.agent_output import AgentOutputSchemaBase
from agents.items import TResponseInputItem, TResponseOutputItem, TResponseStreamEvent
from agents.models.interface import Model, ModelTracing
from agents.tool import Tool
from agents.tracing import generation_span
from ..model_ids import OFFLINE_MODEL_ID
from ..responses_api import output_items, response, stream_events
from .conversation import Decision, Message, ToolCall, ToolSpec
from .engine import decide, token_usage


@dataclass
class OfflineModelResponse(ModelResponse):
    """A `ModelResponse` that also says why the offline model decided what it did."""

    why: str = ""


class OfflineModel(Model):
    """A deterministic, network-free model that decides from the tools, handoffs and schema it is given."""

    def __init__(self, model_id: str = OFFLINE_MODEL_ID) -> None:
        self.model_id = model_id

    def __repr__(self) -> str:
        return f"OfflineModel({self.model_id!r})"

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None = None,
        conversation_id: str | None = None,
        prompt: Any = None,
    ) -> OfflineModelResponse:
        turn = self._decide(system_instructions, input, model_settings, tools, output_schema, handoffs, tracing)
        return OfflineModelResponse(output=turn.output, usage=turn.usage(), response_id=turn.response_id,
                                    why=turn.decision.why)

    async def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None = None,
        conversation_id: str | None = None,
        prompt: Any = None,
    ) -> AsyncIterator[TResponseStreamEvent]:
        turn = self._decide(system_instructions, input, model_settings, tools, output_schema, handoffs, tracing)
        final = response(turn.response_id, self.model_id, turn.output, (turn.input_tokens, turn.output_tokens),
                         tool_choice="auto", tools=[], top_p=None, parallel_tool_calls=True,
                         metadata={"why": turn.decision.why[:512]})
        for event in stream_events(final):
            yield event

    def _decide(self, system_instructions, input, model_settings, tools, output_schema, handoffs,
                tracing) -> _Turn:
        messages = to_messages(system_instructions, input)
        specs = [_tool_spec(t) for t in tools if isinstance(t, FunctionTool)]
        specs += [ToolSpec(h.tool_name, h.tool_description, h.input_json_schema, is_handoff=True) for h in handoffs]
        schema = None if output_schema is None or output_schema.is_plain_text() else output_schema.json_schema()
        choice = model_settings.tool_choice if isinstance(model_settings.tool_choice, str) else "auto"
        with generation_span(model=self.model_id, model_config={"tool_choice": choice},
                             disabled=tracing.is_disabled()) as span:
            decision = _fresh_ids(decide(messages, specs, schema, tool_choice=choice))
            turn = _Turn(decision, messages, specs, len(messages))
            if tracing.include_data():
                span.span_data.input = [_message_dict(m) for m in messages]
                span.span_data.output = [item.model_dump(exclude_none=True) for item in turn.output]
            span.span_data.usage = {"input_tokens": turn.input_tokens, "output_tokens": turn.output_tokens}
        return turn


@dataclass
class _Turn:
    """One decided model turn, rendered as Responses output items."""

    decision: Decision
    messages: list[Message]
    tools: list[ToolSpec]
    number: int

    @property
    def response_id(self) -> str:
        return f"resp_offline_{self.number}"

    @cached_property
    def output(self) -> list[TResponseOutputItem]:
        return output_items(self.decision, self.response_id)

    @cached_property
    def _tokens(self) -> tuple[int, int]:
        """(input, output) tokens, counted once per turn: the response, its span and its stream all report them."""
        return token_usage(self.messages, self.tools, self.decision)

    @property
    def input_tokens(self) -> int:
        return self._tokens[0]

    @property
    def output_tokens(self) -> int:
        return self._tokens[1]

    def usage(self) -> Usage:
        return Usage(requests=1, input_tokens=self.input_tokens, output_tokens=self.output_tokens,
                     total_tokens=self.input_tokens + self.output_tokens)


_ISSUED: set[str] = set()  # call ids this process has sent, so a repeated conversation never repeats one


def _fresh_ids(decision: Decision) -> Decision:
    """The decision with call ids never issued before in this process.

    A handoff filter such as `remove_all_tools` can show the model the same conversation twice in one run
    (two agents handing back and forth); the SDK rejects a call id it has already executed.
    """
    calls = []
    for call in decision.tool_calls:
        call_id, repeat = call.call_id, 0
        while call_id in _ISSUED:
            repeat += 1
            call_id = "call_" + hashlib.sha256(f"{call.call_id}|{repeat}".encode()).hexdigest()[:12]
        _ISSUED.add(call_id)
        calls.append(replace(call, call_id=call_id))
    return replace(decision, tool_calls=tuple(calls)) if calls else decision


def to_messages(system_instructions: str | None, input: str | list[TResponseInputItem]) -> list[Message]:
    """Responses-format input items as provider-neutral messages."""
    messages = [Message("system", system_instructions)] if system_instructions else []
    items = [{"role": "user", "content": input}] if isinstance(input, str) else input
    for raw in items:
        item = raw if isinstance(raw, dict) else raw.model_dump(exclude_none=True)
        kind = item.get("type", "message")
        if kind == "function_call":
            call = ToolCall(item["call_id"], item["name"], _arguments(item.get("arguments")))
            if messages and messages[-1].role == "assistant" and not messages[-1].content:
                messages[-1] = Message("assistant", "", messages[-1].tool_calls + (call,))
            else:
                messages.append(Message("assistant", "", (call,)))
        elif kind == "function_call_output":
            messages.append(Message("tool", _text(item.get("output")), tool_call_id=item["call_id"]))
        elif kind == "message":
            role = "system" if item.get("role") == "developer" else item.get("role", "user")
            messages.append(Message(role, _text(item.get("content"))))
    return messages


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(part.get("text") or part.get("refusal") or "" for part in content if isinstance(part, dict))
    return "" if content is None else json.dumps(content)


def _arguments(raw: str | None) -> dict[str, Any]:
    try:
        parsed = json.loads(raw or "{}")
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _tool_spec(tool: FunctionTool) -> ToolSpec:
    return ToolSpec(tool.name, tool.description or "", tool.params_json_schema)


def _message_dict(message: Message) -> dict[str, Any]:
    data: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        data["tool_calls"] = [{"id": c.call_id, "name": c.name, "arguments": c.arguments} for c in message.tool_calls]
    if message.tool_call_id:
        data["tool_call_id"] = message.tool_call_id
    return data
