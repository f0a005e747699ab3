"""The OpenAI Responses API format: requests to conversation types, decisions to `response` objects and events."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

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
    ResponseOutputItem,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputRefusal,
    ResponseOutputText,
    ResponseReasoningItem,
    ResponseReasoningSummaryPartAddedEvent,
    ResponseReasoningSummaryPartDoneEvent,
    ResponseReasoningSummaryTextDeltaEvent,
    ResponseReasoningSummaryTextDoneEvent,
    ResponseRefusalDeltaEvent,
    ResponseRefusalDoneEvent,
    ResponseStreamEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    ResponseUsage,
)
from openai.types.responses.response_reasoning_item import Summary
from openai.types.responses.response_usage import InputTokensDetails, OutputTokensDetails
from pydantic import BaseModel

from course_helpers.offline.conversation import Decision, Message, ToolCall, ToolSpec
from course_helpers.request_checks import BadRequest as _BadRequest
from course_helpers.request_checks import check_ignored, check_sampling, check_schema, json_arguments
from course_helpers.server import _CREATED
from course_helpers.server import _tool_choice as _chat_tool_choice

# Server-side state and background work, which a server that remembers nothing cannot honour.
_REFUSED = {
    "previous_response_id": "The offline server keeps no state, so it has no earlier response for "
                            "'previous_response_id'; send the whole conversation as 'input'.",
    "conversation": "The offline server keeps no state, so it has no stored 'conversation'; "
                    "send the whole conversation as 'input'.",
    "prompt": "The offline server keeps no stored prompts, so it cannot use 'prompt'; "
              "send the prompt's text as 'instructions'.",
    "background": "The offline server keeps no responses to fetch later, so 'background' must be false.",
}
# Parameters that cannot change an offline answer: accepted and ignored, once their type is right.
_IGNORED: dict[str, tuple[type | tuple[type, ...], str]] = {
    "store": (bool, "true or false"),
    "parallel_tool_calls": (bool, "true or false"),
    "include": (list, "a list of strings such as ['reasoning.encrypted_content']"),
    "context_management": (list, "a list of objects"),
    "reasoning": (dict, "an object such as {'effort': 'low'}"),
    "metadata": (dict, "an object of string values"),
    "stream_options": (dict, "an object such as {'include_obfuscation': false}"),
    "truncation": (str, "'auto' or 'disabled'"),
    "user": (str, "a string"),
    "safety_identifier": (str, "a string"),
    "prompt_cache_key": (str, "a string"),
    "prompt_cache_retention": (str, "a string such as '24h'"),
    "service_tier": (str, "a string such as 'auto'"),
}
_SAMPLED = ("temperature", "top_p", "top_logprobs", "max_output_tokens", "max_tool_calls")  # in the Responses API
_ROLES = {"user": "user", "system": "system", "developer": "system", "assistant": "assistant"}
_TEXT_PARTS = {"input_text": "text", "output_text": "text", "refusal": "refusal"}  # part type -> its text field


# ---------------------------------------------------------------- Responses request JSON -> conversation types


def read_request(request: dict[str, Any]) -> tuple[list[Message], list[ToolSpec], dict[str, Any] | None, str]:
    """A Responses request as (messages, tools, output schema, tool choice); the server checks 'model' and 'stream'."""
    for name, message in _REFUSED.items():
        if request.get(name) not in (None, False):
            raise _BadRequest(message, name)
    check_ignored(request, _IGNORED)
    check_sampling(request, _SAMPLED)
    tools = _tools(request.get("tools"))
    messages = _messages(request.get("instructions"), request.get("input"))
    return messages, tools, _output_schema(request.get("text")), _tool_choice(request.get("tool_choice"), tools)


def _messages(instructions: Any, raw: Any) -> list[Message]:
    """`instructions` and `input` as `Message`s: a function call joins the assistant message before it."""
    if instructions is not None and not isinstance(instructions, str):
        raise _BadRequest("'instructions' must be a string.", "instructions")
    messages = [Message("system", instructions)] if instructions else []
    if isinstance(raw, str):
        return [*messages, Message("user", raw)]
    if not isinstance(raw, list) or not raw:
        raise _BadRequest("'input' must be a string or a non-empty list of input items.", "input")
    call_ids: set[str] = set()
    for i, item in enumerate(raw):
        param = f"input[{i}]"
        if not isinstance(item, dict):
            raise _BadRequest(f"{param} must be an object such as {{'role': 'user', 'content': 'Hi'}}.", param)
        kind = item.get("type", "message")
        if kind == "message":
            role = item.get("role")
            if not isinstance(role, str) or role not in _ROLES:
                raise _BadRequest(f"{param}.role must be one of user, system, developer, assistant (got {role!r}).",
                                  f"{param}.role")
            messages.append(Message(_ROLES[role], _text(item.get("content"), f"{param}.content")))
        elif kind == "function_call":
            call = _function_call_item(item, param)
            call_ids.add(call.call_id)
            if messages and messages[-1].role == "assistant":  # the text a model wrote beside its calls
                messages[-1] = replace(messages[-1], tool_calls=messages[-1].tool_calls + (call,))
            else:
                messages.append(Message("assistant", "", (call,)))
        elif kind == "function_call_output":
            call_id = item.get("call_id")
            if not isinstance(call_id, str):
                raise _BadRequest(f"{param}.call_id must be the string call_id of an earlier function_call item, "
                                  f"not {type(call_id).__name__}.", f"{param}.call_id")
            if call_id not in call_ids:
                raise _BadRequest(f"{param} answers call_id {call_id!r}, but no earlier function_call item made "
                                  "that call.", f"{param}.call_id")
            messages.append(Message("tool", _text(item.get("output"), f"{param}.output"), tool_call_id=call_id))
        elif kind != "reasoning":  # a reasoning item is the model's earlier thinking: nothing to decide from
            raise _BadRequest(f"{param}.type {kind!r} is not served; send message, function_call, "
                              "function_call_output or reasoning items.", f"{param}.type")
    return messages


def _text(content: Any, param: str) -> str:
    """Text of a message's content or a function call's output: a string or a list of text parts."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise _BadRequest(f"{param} must be a string or a list of text parts.", param)
    texts = []
    for i, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if not isinstance(kind, str) or kind not in _TEXT_PARTS:
            raise _BadRequest(f"{param}[{i}] must be an input_text, output_text or refusal part; the offline model "
                              "reads text only.", f"{param}[{i}]")
        text = part.get(_TEXT_PARTS[kind])
        if not isinstance(text, str):
            raise _BadRequest(f"{param}[{i}].{_TEXT_PARTS[kind]} must be a string.", f"{param}[{i}]")
        texts.append(text)
    return "\n".join(texts)


def _function_call_item(item: dict[str, Any], param: str) -> ToolCall:
    """One earlier `function_call` item; its `arguments` is a JSON string."""
    if not (isinstance(item.get("call_id"), str) and isinstance(item.get("name"), str)):
        raise _BadRequest(f"{param} must have a string call_id and a string name.", param)
    arguments = json_arguments(item.get("arguments"), f"{param}.arguments", f"{param}.arguments")
    return ToolCall(call_id=item["call_id"], name=item["name"], arguments=arguments)


def _tools(raw: Any) -> list[ToolSpec]:
    """Convert `tools` (function tools only) into `ToolSpec`s; `transfer_to_*` functions are handoffs."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _BadRequest("'tools' must be a list of function tools.", "tools")
    specs = []
    for i, tool in enumerate(raw):
        kind = tool.get("type") if isinstance(tool, dict) else None
        if kind is not None and kind != "function":
            raise _BadRequest(f"tools[{i}] is a {kind!r} tool, but the offline server serves function tools only; "
                              "remove it or write it as a function tool.", f"tools[{i}]")
        if isinstance(tool, dict) and tool.get("parameters") is not None:
            check_schema(tool["parameters"], f"tools[{i}].parameters")
        shaped = {"name": str, "description": (str, type(None)), "parameters": (dict, type(None))}
        if kind is None or not all(isinstance(tool.get(key), types) for key, types in shaped.items()):
            raise _BadRequest(f"tools[{i}] must be {{'type': 'function', 'name': ..., 'description': ..., "
                              "'parameters': {...}}.", f"tools[{i}]")
        name = tool["name"]
        specs.append(ToolSpec(name, tool.get("description") or "", tool.get("parameters") or {},
                              is_handoff=name.startswith("transfer_to_")))
    return specs


def _tool_choice(raw: Any, tools: list[ToolSpec]) -> str:
    """Convert `tool_choice` into "auto", "none", "required" or a tool's name."""
    if isinstance(raw, dict) and raw.get("type") == "function" and isinstance(raw.get("name"), str):
        raw = {"type": "function", "function": {"name": raw["name"]}}  # the Chat Completions shape, checked there
    elif raw is not None and raw not in ("auto", "none", "required"):
        raise _BadRequest("'tool_choice' must be 'auto', 'none', 'required' or {'type': 'function', 'name': ...}; "
                          "the offline server serves function tools only.", "tool_choice")
    return _chat_tool_choice(raw, tools)


def _output_schema(text: Any) -> dict[str, Any] | None:
    """Convert `text.format` into a JSON schema for the answer, or None for plain text."""
    if text is None:
        return None
    if not isinstance(text, dict):
        raise _BadRequest("'text' must be an object such as {'format': {'type': 'text'}}.", "text")
    if text.get("verbosity") not in (None, "low", "medium", "high"):
        raise _BadRequest("'text.verbosity' must be 'low', 'medium' or 'high'.", "text.verbosity")
    format = text.get("format")
    kind = format.get("type") if isinstance(format, dict) else None
    if format is None or kind == "text":
        return None
    if kind == "json_object":
        return {"type": "object"}
    if kind == "json_schema" and isinstance(format.get("schema"), dict):
        check_schema(format["schema"], "text.format.schema")
        return format["schema"]
    raise _BadRequest("'text.format' must be {'type': 'text'}, {'type': 'json_object'} or "
                      "{'type': 'json_schema', 'name': ..., 'schema': {...}}.", "text.format")


# ---------------------------------------------------------------- Decision -> response and events


def output_items(decision: Decision, response_id: str) -> list[ResponseOutputItem]:
    """A decision's output: its reasoning summary, then a preamble and function calls, or one message with its text."""
    suffix = response_id.removeprefix("resp_")
    items: list[ResponseOutputItem] = []
    if decision.reasoning:
        items.append(ResponseReasoningItem(id=f"rs_{suffix}", type="reasoning",
                                           summary=[Summary(type="summary_text", text=decision.reasoning)]))
    if decision.refusal:
        return [*items, ResponseOutputMessage(id=f"msg_{suffix}", type="message", role="assistant", status="completed",
                                              content=[ResponseOutputRefusal(type="refusal", refusal=decision.refusal)])]
    if not decision.tool_calls:
        return [*items, _message(decision.text or "", f"msg_{suffix}")]
    if decision.preamble:
        items.append(_message(decision.preamble, f"msg_{suffix}"))
    return items + [_function_call(call) for call in decision.tool_calls]


def _function_call(call: ToolCall) -> ResponseFunctionToolCall:
    return ResponseFunctionToolCall(id=f"fc_{call.call_id}", call_id=call.call_id, type="function_call",
                                    name=call.name, arguments=call.arguments_json(), status="completed")


def _message(text: str, item_id: str) -> ResponseOutputMessage:
    return ResponseOutputMessage(id=item_id, type="message", role="assistant", status="completed",
                                 content=[ResponseOutputText(type="output_text", text=text, annotations=[],
                                                             logprobs=[])])


def response(response_id: str, model: str, output: list[ResponseOutputItem], tokens: tuple[int, int],
             **fields: Any) -> Response:
    """A completed `response` object; `tokens` is (input, output) as `token_usage` counts them."""
    input_tokens, output_tokens = tokens
    usage = ResponseUsage(input_tokens=input_tokens, output_tokens=output_tokens,
                          total_tokens=input_tokens + output_tokens,
                          input_tokens_details=InputTokensDetails(cached_tokens=0, cache_write_tokens=0),
                          output_tokens_details=OutputTokensDetails(reasoning_tokens=0))
    return Response(id=response_id, created_at=_CREATED, model=model, object="response", output=output,
                    status="completed", usage=usage, **fields)


def served_response(request: dict[str, Any], response_id: str, decision: Decision,
                    tokens: tuple[int, int]) -> Response:
    """The server's `response` to a request: the decision's output and usage, the request's tool settings echoed."""
    return response(response_id, request["model"], output_items(decision, response_id), tokens,
                    tools=request.get("tools") or [], tool_choice=request.get("tool_choice") or "auto",
                    parallel_tool_calls=request.get("parallel_tool_calls") is not False)


def as_json(value: BaseModel) -> dict[str, Any]:
    """A response or event as wire JSON: the fields that were set, as the client's own types read them."""
    return value.model_dump(mode="json", exclude_unset=True)


def error_event(message: str, sequence_number: int) -> str:
    """The `error` event that ends a stream which failed after it began, as the Responses API sends it."""
    event = {"type": "error", "code": "server_error", "message": message, "param": None,
             "sequence_number": sequence_number}
    return f"event: error\ndata: {json.dumps(event)}"


def _chunks(text: str) -> list[str]:
    """Word-by-word pieces that join back to exactly `text`."""
    pieces, start = [], 0
    for index, char in enumerate(text):
        if char == " " and index > start:
            pieces.append(text[start:index])
            start = index
    pieces.append(text[start:])
    return [p for p in pieces if p]


def stream_events(response: Response) -> list[ResponseStreamEvent]:
    """The events that stream `response`, in the order the Responses API sends them, with word-by-word deltas."""
    pending = response.model_copy(update={"output": [], "status": "in_progress", "usage": None})
    events: list[Any] = [ResponseCreatedEvent(type="response.created", response=pending, sequence_number=0),
                         ResponseInProgressEvent(type="response.in_progress", response=pending, sequence_number=1)]

    def add(event_type: type, **fields: Any) -> None:
        events.append(event_type(sequence_number=len(events), **fields))

    for index, item in enumerate(response.output):
        if isinstance(item, ResponseFunctionToolCall):
            add(ResponseOutputItemAddedEvent, type="response.output_item.added", output_index=index,
                item=item.model_copy(update={"arguments": "", "status": "in_progress"}))
            for piece in _chunks(item.arguments):
                add(ResponseFunctionCallArgumentsDeltaEvent, type="response.function_call_arguments.delta",
                    item_id=item.id, output_index=index, delta=piece)
            events.append(ResponseFunctionCallArgumentsDoneEvent.model_validate(
                {"type": "response.function_call_arguments.done", "item_id": item.id, "output_index": index,
                 "arguments": item.arguments, "name": item.name, "sequence_number": len(events)}))
        elif isinstance(item, ResponseReasoningItem):
            add(ResponseOutputItemAddedEvent, type="response.output_item.added", output_index=index,
                item=item.model_copy(update={"summary": []}))
            for summary_index, summary in enumerate(item.summary):
                where = {"item_id": item.id, "output_index": index, "summary_index": summary_index}
                add(ResponseReasoningSummaryPartAddedEvent, type="response.reasoning_summary_part.added", **where,
                    part={"type": "summary_text", "text": ""})
                for piece in _chunks(summary.text):
                    add(ResponseReasoningSummaryTextDeltaEvent, type="response.reasoning_summary_text.delta",
                        **where, delta=piece)
                add(ResponseReasoningSummaryTextDoneEvent, type="response.reasoning_summary_text.done", **where,
                    text=summary.text)
                add(ResponseReasoningSummaryPartDoneEvent, type="response.reasoning_summary_part.done", **where,
                    part={"type": "summary_text", "text": summary.text})
        elif isinstance(item.content[0], ResponseOutputRefusal):
            refusal = item.content[0].refusal
            where = {"item_id": item.id, "output_index": index, "content_index": 0}
            add(ResponseOutputItemAddedEvent, type="response.output_item.added", output_index=index,
                item=item.model_copy(update={"content": [], "status": "in_progress"}))
            add(ResponseContentPartAddedEvent, type="response.content_part.added", **where,
                part=ResponseOutputRefusal(type="refusal", refusal=""))
            for piece in _chunks(refusal):
                add(ResponseRefusalDeltaEvent, type="response.refusal.delta", **where, delta=piece)
            add(ResponseRefusalDoneEvent, type="response.refusal.done", **where, refusal=refusal)
            add(ResponseContentPartDoneEvent, type="response.content_part.done", **where, part=item.content[0])
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
