"""`OfflineModel`: the offline engine as a real Agents SDK `Model`, for `get_response` and streaming."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from agents import FunctionTool, Handoff, ModelResponse, ModelSettings, Usage
from agents.agent_output import AgentOutputSchemaBase
from agents.items import TResponseInputItem, TResponseOutputItem, TResponseStreamEvent
from agents.models.interface import Model, ModelTracing
from agents.tool import Tool
from agents.tracing import generation_span
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseFunctionToolCall,
    ResponseInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    ResponseUsage,
)
from openai.types.responses.response_usage import InputTokensDetails, OutputTokensDetails

from ..model_ids import OFFLINE_MODEL_ID
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
        for event in _stream_events(turn, self.model_id):
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
            decision = decide(messages, specs, schema, tool_choice=choice)
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
        if self.decision.tool_calls:
            return [_function_call(call) for call in self.decision.tool_calls]
        return [_message(self.decision.text or "", f"msg_offline_{self.number}")]

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


def _function_call(call: ToolCall) -> ResponseFunctionToolCall:
    return ResponseFunctionToolCall(id=f"fc_{call.call_id}", call_id=call.call_id, type="function_call",
                                    name=call.name, arguments=json.dumps(call.arguments, ensure_ascii=False),
                                    status="completed")


def _message(text: str, item_id: str) -> ResponseOutputMessage:
    return ResponseOutputMessage(id=item_id, type="message", role="assistant", status="completed",
                                 content=[ResponseOutputText(type="output_text", text=text, annotations=[],
                                                             logprobs=[])])


def _chunks(text: str) -> list[str]:
    """Word-by-word pieces that join back to exactly `text`."""
    pieces, start = [], 0
    for index, char in enumerate(text):
        if char == " " and index > start:
            pieces.append(text[start:index])
            start = index
    pieces.append(text[start:])
    return [p for p in pieces if p]


def _stream_events(turn: _Turn, model_id: str) -> list[TResponseStreamEvent]:
    """The event sequence `agents.testing.ScriptedModel` emits, with word-by-word deltas."""
    usage = ResponseUsage(input_tokens=turn.input_tokens, output_tokens=turn.output_tokens,
                          total_tokens=turn.input_tokens + turn.output_tokens,
                          input_tokens_details=InputTokensDetails(cached_tokens=0, cache_write_tokens=0),
                          output_tokens_details=OutputTokensDetails(reasoning_tokens=0))
    output = turn.output
    response = Response(id=turn.response_id, created_at=0, model=model_id, object="response", output=output,
                        tool_choice="auto", tools=[], top_p=None, parallel_tool_calls=True, status="completed",
                        usage=usage, metadata={"why": turn.decision.why[:512]})
    pending = response.model_copy(update={"output": [], "status": "in_progress", "usage": None})
    events: list[Any] = [ResponseCreatedEvent(type="response.created", response=pending, sequence_number=0),
                         ResponseInProgressEvent(type="response.in_progress", response=pending, sequence_number=1)]

    def add(event_type: type, **fields: Any) -> None:
        events.append(event_type(sequence_number=len(events), **fields))

    for index, item in enumerate(output):
        if isinstance(item, ResponseFunctionToolCall):
            add(ResponseOutputItemAddedEvent, type="response.output_item.added", output_index=index,
                item=item.model_copy(update={"arguments": "", "status": "in_progress"}))
            for piece in _chunks(item.arguments):
                add(ResponseFunctionCallArgumentsDeltaEvent, type="response.function_call_arguments.delta",
                    item_id=item.id, output_index=index, delta=piece)
            events.append(ResponseFunctionCallArgumentsDoneEvent.model_validate(
                {"type": "response.function_call_arguments.done", "item_id": item.id, "output_index": index,
                 "arguments": item.arguments, "name": item.name, "sequence_number": len(events)}))
        else:
            text = item.content[0].text
            add(ResponseOutputItemAddedEvent, type="response.output_item.added", output_index=index,
                item=item.model_copy(update={"content": [], "status": "in_progress"}))
            add(ResponseContentPartAddedEvent, type="response.content_part.added", item_id=item.id,
                output_index=index, content_index=0,
                part=ResponseOutputText(type="output_text", text="", annotations=[], logprobs=[]))
            for piece in _chunks(text):
                add(ResponseTextDeltaEvent, type="response.output_text.delta", item_id=item.id,
                    output_index=index, content_index=0, delta=piece, logprobs=[])
            add(ResponseTextDoneEvent, type="response.output_text.done", item_id=item.id, output_index=index,
                content_index=0, text=text, logprobs=[])
            add(ResponseContentPartDoneEvent, type="response.content_part.done", item_id=item.id,
                output_index=index, content_index=0, part=item.content[0])
        add(ResponseOutputItemDoneEvent, type="response.output_item.done", output_index=index, item=item)
    add(ResponseCompletedEvent, type="response.completed", response=response)
    return events
