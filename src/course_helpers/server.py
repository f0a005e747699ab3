"""A local OpenAI-compatible server (Chat Completions and Responses) in front of the offline course model."""

from __future__ import annotations

import argparse
import io
import itertools
import json
import math
import re
import select
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from course_helpers.failures import KINDS, Answer, FailureSpec, FailureSwitch, parse_fail
from course_helpers.model_ids import OFFLINE_MODEL_ID
from course_helpers.offline.conversation import Decision, Message, ToolCall, ToolSpec
from course_helpers.offline.engine import token_usage
from course_helpers.request_checks import BadRequest as _BadRequest
from course_helpers.request_checks import (MAX_NESTING, check_body, check_ignored, check_sampling,
                                          check_schema, json_arguments)
from course_helpers.variants import VARIANTS, Variant, variant_named
from course_helpers.watchdog import Closed, TimedOut, Watchdog

_HOST = "127.0.0.1"  # local only: nothing outside this machine can reach the server
_CREATED = 0  # a fixed "created" time keeps responses, and the notebooks that print them, identical on every run
_QUEUE = 1024  # connections waiting to be accepted: a classroom's burst, where the default of 5 drops some
_READ_SECONDS = 10.0  # a request must arrive whole within this; slow or half-sent ones are cut off
_WRITE_SECONDS = 30.0  # a client that stops reading a reply is cut off after this
_DECISION_SECONDS = 30.0  # a decision still running after this is a runaway (a 1 MiB body takes a few seconds)
_MAX_BODY = 1 << 20  # bytes: about 250,000 tokens, far more than any lesson sends
_CONTENT_LENGTH = re.compile(r"[0-9]{1,19}")  # ASCII digits only: str.isdigit() also accepts "²" and "٣"
# The standard library's own refusals, said in OpenAI's error shape instead of an HTML page.
# Chat Completions parameters that cannot change an offline answer: accepted and ignored, once their type is right.
_IGNORED: dict[str, tuple[type | tuple[type, ...], str]] = {
    "parallel_tool_calls": (bool, "true or false"),
    "store": (bool, "true or false"),
    "logprobs": (bool, "true or false"),
    "stop": ((str, list), "a string or a list of up to 4 strings"),
    "user": (str, "a string"),
    "metadata": (dict, "an object of string values"),
    "logit_bias": (dict, "an object of token ids and numbers"),
    "reasoning_effort": (str, "a string such as 'low'"),
    "service_tier": (str, "a string such as 'auto'"),
}
_SAMPLED = ("temperature", "top_p", "frequency_penalty", "presence_penalty", "top_logprobs", "max_tokens",
            "max_completion_tokens", "seed")  # in Chat Completions
_PROTOCOL_ERRORS = {
    400: "The request line or headers are malformed; send a request such as 'POST /v1/chat/completions HTTP/1.1'.",
    414: "The request line is longer than 64 KiB; send the request's data in its body.",
    431: "The request headers are too large (over 64 KiB in one line, or over 100 headers); send fewer and smaller "
         "headers.",
    505: "The HTTP version is not supported; send an HTTP/1.0 or HTTP/1.1 request.",
}


# ---------------------------------------------------------------- OpenAI JSON -> conversation types


def _text(content: Any, param: str) -> str:
    """Text of a message's content: a string, null, or a list of text parts."""
    if content is None or isinstance(content, str):
        return content or ""
    if not isinstance(content, list):
        raise _BadRequest(f"{param} must be a string or a list of text parts.", param)
    texts = []
    for i, part in enumerate(content):
        if not isinstance(part, dict) or part.get("type") not in ("text", "refusal"):
            raise _BadRequest(f"{param}[{i}] must be a text part; the offline model reads text only.", f"{param}[{i}]")
        text = part.get(part["type"])
        if not isinstance(text, str):
            raise _BadRequest(f"{param}[{i}].{part['type']} must be a string.", f"{param}[{i}]")
        texts.append(text)
    return "\n".join(texts)


def _tool_call(raw: Any, param: str) -> ToolCall:
    """One assistant tool call; its `function.arguments` is a JSON string."""
    function = raw.get("function") if isinstance(raw, dict) else None
    if not (isinstance(function, dict) and isinstance(raw.get("id"), str) and isinstance(function.get("name"), str)):
        raise _BadRequest(f"{param} must have a string id and a function with a string name.", param)
    arguments = json_arguments(function.get("arguments"), f"{param}.function.arguments", param)
    return ToolCall(call_id=raw["id"], name=function["name"], arguments=arguments)


def _messages(raw: Any) -> list[Message]:
    """Convert OpenAI chat messages into `Message`s, checking each tool result answers an earlier call."""
    if not isinstance(raw, list) or not raw:
        raise _BadRequest("'messages' must be a non-empty list of message objects.", "messages")
    messages: list[Message] = []
    call_ids: set[str] = set()
    for i, item in enumerate(raw):
        param = f"messages[{i}]"
        role = item.get("role") if isinstance(item, dict) else None
        if role in ("system", "developer", "user"):
            text = _text(item.get("content"), f"{param}.content")
            messages.append(Message("user" if role == "user" else "system", text))
        elif role == "assistant":
            raw_calls = item.get("tool_calls") or []
            if not isinstance(raw_calls, list):
                raise _BadRequest(f"{param}.tool_calls must be a list.", f"{param}.tool_calls")
            calls = tuple(_tool_call(c, f"{param}.tool_calls[{j}]") for j, c in enumerate(raw_calls))
            call_ids.update(call.call_id for call in calls)
            messages.append(Message("assistant", _text(item.get("content"), f"{param}.content"), tool_calls=calls))
        elif role == "tool":
            call_id = item.get("tool_call_id")
            if not isinstance(call_id, str):
                raise _BadRequest(f"{param}.tool_call_id must be the string id of an earlier tool call, not "
                                  f"{type(call_id).__name__}.", f"{param}.tool_call_id")
            if call_id not in call_ids:
                raise _BadRequest(
                    f"{param} answers tool_call_id {call_id!r}, but no earlier assistant message made that call.",
                    f"{param}.tool_call_id",
                )
            messages.append(Message("tool", _text(item.get("content"), f"{param}.content"), tool_call_id=call_id))
        else:
            raise _BadRequest(
                f"{param}.role must be one of system, developer, user, assistant, tool (got {role!r}).", f"{param}.role"
            )
    return messages


def _tools(raw: Any) -> list[ToolSpec]:
    """Convert `tools` (function tools) into `ToolSpec`s; `transfer_to_*` functions are handoffs."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _BadRequest("'tools' must be a list of function tools.", "tools")
    tools = []
    for i, tool in enumerate(raw):
        function = tool.get("function") if isinstance(tool, dict) and tool.get("type") == "function" else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise _BadRequest(f"tools[{i}] must be {{'type': 'function', 'function': {{'name': ...}}}}.", f"tools[{i}]")
        if not isinstance(function.get("description") or "", str):
            raise _BadRequest(f"tools[{i}].function.description must be a string.", f"tools[{i}].function.description")
        parameters = function.get("parameters")
        if parameters is not None:
            check_schema(parameters, f"tools[{i}].function.parameters")
        name = function["name"]
        tools.append(ToolSpec(name, function.get("description") or "", parameters or {},
                              is_handoff=name.startswith("transfer_to_")))
    return tools


def _tool_choice(raw: Any, tools: list[ToolSpec]) -> str:
    """Convert `tool_choice` into "auto", "none", "required" or a tool's name."""
    if raw is None:
        return "auto"
    if isinstance(raw, dict) and raw.get("type") == "function" and isinstance(raw.get("function"), dict):
        choice = raw["function"].get("name")
    elif raw in ("auto", "none", "required"):
        choice = raw
    else:
        raise _BadRequest(
            "'tool_choice' must be 'auto', 'none', 'required' or {'type': 'function', 'function': {'name': ...}}.",
            "tool_choice",
        )
    if not isinstance(choice, str):
        raise _BadRequest("'tool_choice' must name a function with a string.", "tool_choice")
    if choice not in ("auto", "none", "required") and choice not in {t.name for t in tools}:
        raise _BadRequest(f"'tool_choice' names {choice!r}, which is not in 'tools'.", "tool_choice")
    if choice == "required" and not tools:
        raise _BadRequest("'tool_choice' is 'required' but no 'tools' were given.", "tool_choice")
    return choice


def _output_schema(raw: Any) -> dict[str, Any] | None:
    """Convert `response_format` into a JSON schema for the answer, or None for plain text."""
    kind = raw.get("type") if isinstance(raw, dict) else None
    if raw is None or kind == "text":
        return None
    if kind == "json_object":
        return {"type": "object"}
    json_schema = raw.get("json_schema") if kind == "json_schema" else None
    schema = json_schema.get("schema") if isinstance(json_schema, dict) else None
    if not isinstance(schema, dict):
        raise _BadRequest(
            "'response_format' must be {'type': 'text'}, {'type': 'json_object'} or "
            "{'type': 'json_schema', 'json_schema': {'name': ..., 'schema': {...}}}.",
            "response_format",
        )
    check_schema(schema, "response_format.json_schema.schema")
    return schema


# ---------------------------------------------------------------- Decision -> OpenAI JSON


def _usage(messages: list[Message], tools: list[ToolSpec], decision: Decision) -> dict[str, int]:
    """Token counts exactly as `OfflineModel` reports them."""
    prompt, completion = token_usage(messages, tools, decision)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _completion(completion_id: str, model: str, decision: Decision, usage: dict[str, int]) -> dict[str, Any]:
    """A `chat.completion` object for one decision."""
    content = decision.preamble if decision.tool_calls else decision.text
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if decision.reasoning:  # the field DeepSeek, vLLM and LiteLLM use for a reasoning model's thoughts
        message["reasoning_content"] = decision.reasoning
    if decision.refusal:  # in content too: LiteLLM drops `refusal`, and a reply with nothing in it would loop
        message["refusal"] = message["content"] = decision.refusal
    if decision.tool_calls:
        message["tool_calls"] = [
            {"id": c.call_id, "type": "function", "function": {"name": c.name, "arguments": c.arguments_json()}}
            for c in decision.tool_calls
        ]
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": _CREATED,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if decision.tool_calls else "stop",
                "logprobs": None,
            }
        ],
        "usage": usage,
    }


def _pieces(text: str) -> list[str]:
    """Split text into words, each keeping its trailing whitespace, so the pieces join back to the text."""
    return [piece for piece in re.split(r"(?<=\s)(?=\S)", text) if piece]


def _chunks(
    completion_id: str, model: str, decision: Decision, usage: dict[str, int] | None
) -> Iterator[dict[str, Any]]:
    """The `chat.completion.chunk`s that stream one decision: role, word-by-word deltas, finish, usage."""
    head = {"id": completion_id, "object": "chat.completion.chunk", "created": _CREATED, "model": model}

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        return {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}]}

    yield chunk({"role": "assistant", "content": ""})
    if decision.reasoning:
        yield chunk({"reasoning_content": decision.reasoning})
    text = decision.preamble if decision.tool_calls else decision.text
    for piece in _pieces(text or ""):
        yield chunk({"content": piece})
    for piece in _pieces(decision.refusal or ""):
        yield chunk({"content": piece, "refusal": piece})
    for index, call in enumerate(decision.tool_calls):
        opening = {"index": index, "id": call.call_id, "type": "function", "function": {"name": call.name}}
        yield chunk({"tool_calls": [opening]})
        for piece in _pieces(call.arguments_json()):
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    yield chunk({}, "tool_calls" if decision.tool_calls else "stop")
    if usage is not None:
        yield {**head, "choices": [], "usage": usage}


# ---------------------------------------------------------------- HTTP


def _not_json(constant: str) -> None:
    raise _BadRequest(f"The request body holds {constant}, which is not a JSON number; send finite numbers only.")


def _json_request(body: bytes) -> dict[str, Any]:
    """The request body as a JSON object with a 'model' and, if given, a boolean 'stream'."""
    try:
        request = json.loads(body, parse_constant=_not_json)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _BadRequest("The request body is not valid JSON; send a JSON object.") from None
    except RecursionError:
        raise _BadRequest(f"The request body nests more than {MAX_NESTING} levels deep; send a flatter value.") \
            from None
    if not isinstance(request, dict):
        raise _BadRequest("The request body must be a JSON object.")
    check_body(request)
    model = request.get("model")
    if not isinstance(model, str) or not model:
        raise _BadRequest("'model' must be a non-empty string, for example 'course-offline'.", "model")
    if not isinstance(request.get("stream") or False, bool):
        raise _BadRequest("'stream' must be true or false.", "stream")
    return request


class _HTTPServer(ThreadingHTTPServer):
    """The standard threading HTTP server plus a classroom-sized queue, response-id counters and a watchdog."""

    daemon_threads = True
    request_queue_size = _QUEUE

    def __init__(self, port: int, log_requests: bool, variant: Variant, failures: FailureSwitch):
        super().__init__((_HOST, port), _Handler)
        self.log_requests = log_requests
        self.variant = variant
        self.failures = failures
        self.closing = threading.Event()  # set by close(): a stalled request stops waiting
        self.watchdog = Watchdog(_DECISION_SECONDS)
        self._ids = {prefix: itertools.count(1) for prefix in ("chatcmpl-offline-", "resp_offline_")}
        self._ids_lock = threading.Lock()

    def next_id(self, prefix: str) -> str:
        """The next id for this kind of response: chatcmpl-offline-1, chatcmpl-offline-2, ... or resp_offline_1, ..."""
        with self._ids_lock:
            return f"{prefix}{next(self._ids[prefix])}"

    def decide(self, messages: list[Message], tools: list[ToolSpec], output_schema: dict[str, Any] | None,
               tool_choice: str) -> Decision:
        """The variant's decision, stopped if it runs past its time or the server closes."""
        with self.watchdog.watching():
            return self.variant.decide(messages, tools, output_schema, tool_choice=tool_choice)

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that hangs up mid-stream is not a bug
            super().handle_error(request, client_address)


class _DeadlineReader(io.RawIOBase):
    """A socket's incoming bytes, each read given only the time left before one deadline for the whole request."""

    def __init__(self, connection: socket.socket, deadline: float):
        self._connection, self._deadline = connection, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request did not arrive in time")
        self._connection.settimeout(left)
        return self._connection.recv_into(buffer)


def _bug(error: BaseException) -> str:
    return f"The offline server failed with {error!r}; this is a bug in course_helpers, please report it."


class _Handler(BaseHTTPRequestHandler):
    """Routes requests; every response, error or not, is JSON the `openai` client understands."""

    # Speaking HTTP/1.0 (the default), each response closes its connection: a stream ends when the server is done.
    server: _HTTPServer
    _routes = {"/v1/chat/completions": "POST", "/v1/responses": "POST", "/v1/models": "GET"}
    _number: int | None = None  # a model request's number, until its answer is recorded
    _drop = False  # cut this reply off midway

    def setup(self):
        super().setup()
        self.rfile.close()
        self.rfile = io.BufferedReader(_DeadlineReader(self.connection, time.monotonic() + _READ_SECONDS))

    def __getattr__(self, name: str):
        if name.startswith("do_"):  # every method, GET, POST, HEAD, OPTIONS or made up, is answered in JSON
            return lambda: self._dispatch(name[3:])
        raise AttributeError(name)

    def log_message(self, format, *args):
        if self.server.log_requests:  # the request line only: headers, and so API keys, are never logged
            super().log_message(format, *args)

    def send_error(self, code, message=None, explain=None):
        """The standard library's refusals of unreadable requests, in OpenAI's error shape."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # not yet parsed, or garbled: answer with a status line and headers
            self.request_version = "HTTP/1.0"
        text = _PROTOCOL_ERRORS.get(code, f"The request could not be read (HTTP {code}); send a plain HTTP request.")
        self._send_error(code, text, "invalid_request_error")

    def _dispatch(self, method: str) -> None:
        path = urlsplit(self.path).path.rstrip("/")
        self._streaming: Callable[[str, int], str] | None = None  # while streaming: an error as the next event
        self._sent = 0  # events streamed so far
        self._unread = False  # the body was refused unread
        self._number, self._drop = None, False
        try:
            body = self._read_body()
            self.connection.settimeout(_WRITE_SECONDS)
            if path not in self._routes:
                message = (f"Invalid URL ({method} {self.path[:100]}); use POST /v1/chat/completions, "
                           "POST /v1/responses or GET /v1/models.")
                raise _BadRequest(message, status=404, code="unknown_url")
            if method != self._routes[path] and (method, self._routes[path]) != ("HEAD", "GET"):
                message = f"{path} accepts {self._routes[path]} only, not {method[:20]}."
                raise _BadRequest(message, status=405, code="method_not_allowed")
            if path == "/v1/models":
                model = {"id": OFFLINE_MODEL_ID, "object": "model", "created": _CREATED, "owned_by": "course"}
                self._send_json(200, {"object": "list", "data": [model]})
            else:
                request = _json_request(body)
                if not self._fails(path, request):
                    (self._responses if path == "/v1/responses" else self._chat_completions)(request)
        except _BadRequest as error:
            self._send_error(error.status, str(error), "invalid_request_error", error.param, error.code)
        except ConnectionError:
            raise  # the client hung up: there is no one to answer
        except TimedOut:
            self._fail(f"The offline model was stopped after deciding for {_DECISION_SECONDS:.0f} s; this is a bug "
                       "in course_helpers, please report it.")
        except Closed:
            self._fail("The offline server was closed while it was deciding; start it again and resend the request.",
                       status=503)
        except Exception as error:  # a bug in the server or the engine: report it, keep serving
            self._fail(_bug(error))

    def _fails(self, path: str, request: dict[str, Any]) -> bool:
        """Number this model request and, if a failure is planned for it, fail it (True; a drop fails later)."""
        self._number, failure = self.server.failures.arrive()
        self._path, self._streamed = path, bool(request.get("stream"))
        if failure is None or failure.kind == "drop":
            self._drop = failure is not None
            return False
        injected = f"(a {failure.kind} injected by the course's local server, as asked for request {self._number})"
        self._record(str(failure))
        if failure.kind == "stall":
            self._stall()
        elif failure.kind == "429":
            error = {"message": f"Rate limit reached; retry after {failure.retry_after:g} s {injected}.",
                     "type": "requests", "param": None, "code": "rate_limit_exceeded"}
            self._send_json(429, {"error": error}, {"Retry-After": str(math.ceil(failure.retry_after)),
                                                    "retry-after-ms": f"{failure.retry_after * 1000:.0f}"})
        else:
            self._send_error(500, f"The server had an error while processing your request {injected}.",
                             "server_error")
        return True

    def _record(self, outcome: str) -> None:
        """Keep what this model request was answered with (once); failures are also logged when logging."""
        if self._number is None:
            return
        answer = Answer(self._number, self._path, self._streamed, outcome)
        self._number = None
        self.server.failures.record(answer)
        if self.server.log_requests and not outcome.isdigit():
            sys.stderr.write(f"{answer}\n")

    def _stall(self) -> None:
        """Answer nothing until the client hangs up or the server closes."""
        while not self.server.closing.wait(0.05):
            if select.select([self.connection], [], [], 0)[0]:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return
                except OSError:
                    return

    def _cut(self, data: bytes) -> None:
        """Send `data`, then reset the connection, as a network failure midway through a reply does."""
        self._record("drop")
        self.wfile.write(data)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _fail(self, message: str, status: int = 500) -> None:
        """Report a failure: as an error event if the stream has begun, else as an error response."""
        if self._streaming is None:
            self._send_error(status, message, "server_error")
        else:
            self.wfile.write(f"{self._streaming(message, self._sent)}\n\n".encode())

    def _read_body(self) -> bytes:
        """The whole request body, read before replying so the client sees a clean response."""
        length = self.headers.get("Content-Length")
        if length is None and self.headers.get("Transfer-Encoding"):
            raise _BadRequest("The offline server reads bodies by Content-Length; send the body with a "
                              "Content-Length header, not chunked.", status=411, code="length_required")
        if not _CONTENT_LENGTH.fullmatch(length or "0"):
            raise _BadRequest("The Content-Length header must be a whole number of bytes, in ASCII digits.")
        if int(length or 0) > _MAX_BODY:
            self._unread = True
            raise _BadRequest(f"The request body is {int(length)} bytes, over the offline server's limit of "
                              f"{_MAX_BODY} (1 MiB); send a shorter conversation.", status=413,
                              code="request_too_large")
        try:
            body = self.rfile.read(int(length or 0))
        except TimeoutError:
            raise _BadRequest(f"The request did not arrive whole within {_READ_SECONDS:.0f} s; send the headers and "
                              "the body at once.", status=408, code="request_timeout") from None
        if len(body) < int(length or 0):
            raise _BadRequest("The request body is shorter than its Content-Length; send the whole body.")
        return body

    def _chat_completions(self, request: dict[str, Any]) -> None:
        n = request.get("n", 1)
        if isinstance(n, bool) or n != 1:
            raise _BadRequest("The offline model makes one choice per request; leave 'n' at 1.", "n")
        stream_options = request.get("stream_options") or {}
        if not isinstance(stream_options, dict):
            raise _BadRequest("'stream_options' must be an object such as {'include_usage': true}.", "stream_options")
        check_ignored(request, _IGNORED)
        check_sampling(request, _SAMPLED)

        messages = _messages(request.get("messages"))
        tools = _tools(request.get("tools"))
        tool_choice = _tool_choice(request.get("tool_choice"), tools)
        output_schema = _output_schema(request.get("response_format"))
        decision = self.server.decide(messages, tools, output_schema, tool_choice)

        completion_id, model = self.server.next_id("chatcmpl-offline-"), request["model"]
        usage = _usage(messages, tools, decision)
        if not request.get("stream"):
            self._send_json(200, _completion(completion_id, model, decision, usage))
            return
        chunks = _chunks(completion_id, model, decision, usage if stream_options.get("include_usage") else None)
        events = (f"data: {json.dumps(chunk, ensure_ascii=False)}" for chunk in chunks)

        def error_event(message: str, _sent: int) -> str:  # what OpenAI sends when a stream fails: no [DONE]
            return "data: " + json.dumps({"error": {"message": message, "type": "server_error", "param": None,
                                                    "code": None}})

        self._send_events(itertools.chain(events, ["data: [DONE]"]), error_event)

    def _responses(self, request: dict[str, Any]) -> None:
        from course_helpers import responses_api  # the openai types it builds on take most of a second to import

        messages, tools, output_schema, tool_choice = responses_api.read_request(request)
        decision = self.server.decide(messages, tools, output_schema, tool_choice)
        response_id = self.server.next_id("resp_offline_")
        response = responses_api.served_response(request, response_id, decision, token_usage(messages, tools, decision))
        if not request.get("stream"):
            self._send_json(200, responses_api.as_json(response))
            return
        stream = responses_api.stream_events(response)  # built before the 200, so a failure here is a plain 500
        events = (f"event: {event.type}\ndata: {json.dumps(responses_api.as_json(event), ensure_ascii=False)}"
                  for event in stream)
        self._send_events(events, responses_api.error_event)

    def _send_events(self, events: Iterable[str], error_event: Callable[[str, int], str]) -> None:
        """A 200 stream of server-sent events, each formatted without its blank-line terminator.

        A failure after the 200 ends the stream with `error_event(message, events sent)`, never a second response.
        """
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self._streaming = error_event
        if self._drop:
            events = list(events)
            self._cut("".join(f"{event}\n\n" for event in events[:len(events) // 2]).encode())
            return
        self._record("200")
        for event in events:
            self.wfile.write(f"{event}\n\n".encode())
            self._sent += 1

    def _send_json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status == 405:
            self.send_header("Allow", self._routes.get(urlsplit(self.path).path.rstrip("/"), ""))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self._drop and status == 200:
            self._cut(data[:len(data) // 2])
            return
        self._record(str(status))
        if self.command != "HEAD":  # a HEAD answer has the headers of the answer to GET and no body
            self.wfile.write(data)
        if getattr(self, "_unread", False):
            self._linger()

    def _linger(self) -> None:
        """Read and drop what the client still sends for a moment, so closing does not reset the reply away."""
        try:
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(0.5)
            while self.connection.recv(65536):
                pass
        except OSError:
            pass

    def _send_error(self, status: int, message: str, type: str, param: str | None = None, code: str | None = None):
        self._send_json(status, {"error": {"message": message, "type": type, "param": param, "code": code}})


def _port(port: Any) -> int:
    """`port` as a TCP port number, or a one-sentence error."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"The port must be a whole number from 0 to 65535 (0 picks a free one), not {port!r}.")
    return port


class OfflineServer:
    """The offline model behind an OpenAI-compatible API on 127.0.0.1, served from a background thread."""

    def __init__(self, port: int = 0, *, log_requests: bool = False, variant: str | Variant = "offline",
                 failures: dict[int | str, FailureSpec] | None = None):
        """`failures` fails chosen model requests, counted from 1: `{1: "429", 2: "stall"}`, `{"every": "500"}`;
        a kind ("429", "500", "stall", "drop") or a `Failure`. `.answers` says what each request was answered."""
        self.variant = variant_named(variant) if isinstance(variant, str) else variant
        switch = FailureSwitch(failures)
        self._httpd = _HTTPServer(_port(port), log_requests, self.variant, switch)
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"http://{_HOST}:{self.port}/v1"
        # A short poll interval lets close() return at once instead of after the default half second.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="course-offline-server", daemon=True
        )
        self._thread.start()
        self._closed = False

    def close(self) -> None:
        """Stop serving, stop any decision still running and release the port; calling it again does nothing."""
        if self._closed:
            return
        self._closed = True
        self._httpd.closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.watchdog.close()
        self._thread.join()

    def __enter__(self) -> OfflineServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def answers(self) -> list[Answer]:
        """What each model request was answered with, by number: `request 1: POST /v1/chat/completions -> 429 ...`."""
        return self._httpd.failures.answers

    def __repr__(self) -> str:
        variant = "" if self.variant.name == "offline" else f", variant={self.variant.name!r}"
        return f"OfflineServer(base_url={self.base_url!r}{variant})"


def start_server(port: int = 0, *, variant: str | Variant = "offline",
                 failures: dict[int | str, FailureSpec] | None = None) -> OfflineServer:
    """Start the offline server on 127.0.0.1 (port 0: any free port); use `.base_url`, then `.close()`.

    `variant` names a style from `course_helpers.variants.VARIANTS`, to try code against a chattier model;
    `failures` fails chosen requests (see `OfflineServer`).
    """
    return OfflineServer(port, variant=variant, failures=failures)


def _seconds(text: str) -> float:
    """A --retry-after value as seconds; `Failure` checks its range."""
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"--retry-after is a number of seconds, such as 0.5, not {text!r}.") from None


def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m course_helpers.server", description=__doc__)
    parser.add_argument("--port", default="8000", help="port on 127.0.0.1 (0 picks a free one; default 8000)")
    parser.add_argument("--variant", choices=list(VARIANTS), default="offline",
                        help="how the model words its answers (see course_helpers.variants; default offline)")
    parser.add_argument("--fail", action="append", default=[], metavar="REQUEST:KIND",
                        help=f"fail a model request, counted from 1, or every one: 1:429, 2:stall, every:500 "
                             f"(KIND: {', '.join(KINDS)}; repeatable)")
    parser.add_argument("--retry-after", default="1", metavar="SECONDS",
                        help="the Retry-After the 429s send (default 1)")
    args = parser.parse_args(argv)
    try:
        port = _port(int(args.port) if re.fullmatch(r"-?[0-9]+", args.port) else args.port)
        retry_after = _seconds(args.retry_after)
        failures = dict(parse_fail(text, retry_after) for text in args.fail)
        if len(failures) < len(args.fail):
            raise ValueError("--fail names the same request twice; give each request (or every) one KIND.")
        server = OfflineServer(port, log_requests=True, variant=args.variant, failures=failures)
    except ValueError as error:
        sys.exit(str(error).replace("The port", "--port", 1).replace("retry_after", "--retry-after", 1))
    except OSError as error:
        sys.exit(f"Could not listen on {_HOST}:{args.port} ({error.strerror}); choose another port with --port.")
    from course_helpers import responses_api  # noqa: F401  (its types load now, not under a class's first burst)

    with server:
        print(f"Offline model {OFFLINE_MODEL_ID!r} at {server.base_url} (any API key); Ctrl+C stops it.", flush=True)
        for number, failure in failures.items():
            print(f"Request {number} fails: {failure}." if number != "every" else f"Every request fails: {failure}.",
                  flush=True)
        try:
            server._thread.join()
        except KeyboardInterrupt:
            print("Stopped.")


if __name__ == "__main__":
    _main()
