"""The offline OpenAI-compatible server, spoken to by raw HTTP, openai, LiteLLM and the Agents SDK."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import signal
import socket
import subprocess
import sys
import time

# LiteLLM fetches its model cost map from the network on import unless told to use its local copy.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import httpx
import jsonschema
import litellm
import openai
import pytest
from agents import Agent, OpenAIChatCompletionsModel, Runner, function_tool, set_tracing_disabled
from agents.tracing import get_trace_provider

import course_helpers.server as server_module
from course_helpers.model_ids import OFFLINE_MODEL_ID
from course_helpers.offline import Message, OfflineModel, ToolCall, ToolSpec, count_tokens, decide
from course_helpers.server import OfflineServer, start_server

WEATHER_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the current weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string", "description": "The city name."}},
                "required": ["city"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "convert_currency",
            "description": "Convert an amount of money from one currency to another.",
            "parameters": {
                "type": "object",
                "properties": {
                    "amount": {"type": "number"},
                    "from_currency": {"type": "string"},
                    "to_currency": {"type": "string"},
                },
                "required": ["amount", "from_currency", "to_currency"],
            },
        },
    },
]
WEATHER_QUESTION = [{"role": "user", "content": "What is the weather in Paris right now?"}]


@pytest.fixture(scope="module")
def server():
    with start_server() as running:
        yield running


@pytest.fixture
def client(server):
    with openai.OpenAI(base_url=server.base_url, api_key="not-needed", max_retries=0) as c:
        yield c


@pytest.fixture
def tracing_off(monkeypatch):
    """Tracing off for one test, so nothing tries the network; monkeypatch puts the switch back afterwards."""
    provider = get_trace_provider()
    monkeypatch.setattr(provider, "_manual_disabled", provider._manual_disabled)
    monkeypatch.setattr(provider, "_disabled", provider._disabled)
    set_tracing_disabled(True)


def _weather_call(client):
    response = client.chat.completions.create(model=OFFLINE_MODEL_ID, messages=WEATHER_QUESTION, tools=WEATHER_TOOLS)
    return response.choices[0]


def _stream(client, **request):
    """Reassemble a streamed completion into (content, [(id, name, arguments)], finish_reason, usage)."""
    content, calls, finish_reason, usage = "", {}, None, None
    for chunk in client.chat.completions.create(model=OFFLINE_MODEL_ID, stream=True, **request):
        assert chunk.object == "chat.completion.chunk"
        usage = chunk.usage or usage
        for choice in chunk.choices:
            content += choice.delta.content or ""
            finish_reason = choice.finish_reason or finish_reason
            for delta in choice.delta.tool_calls or []:
                call = calls.setdefault(delta.index, {"id": None, "name": None, "arguments": ""})
                call["id"] = delta.id or call["id"]
                call["name"] = (delta.function and delta.function.name) or call["name"]
                call["arguments"] += (delta.function and delta.function.arguments) or ""
    return content, [(c["id"], c["name"], c["arguments"]) for c in calls.values()], finish_reason, usage


# ---------------------------------------------------------------- raw HTTP


def test_raw_httpx_lists_the_model_and_answers_with_a_chat_completion():
    with start_server() as fresh, httpx.Client(base_url=fresh.base_url) as http:
        request = {"model": "any-name", "messages": [{"role": "user", "content": "Hi"}]}
        models = http.get("/models")
        first = http.post("/chat/completions", json=request)
        second = http.post("/chat/completions", json=request)

    assert models.status_code == 200
    assert [m["id"] for m in models.json()["data"]] == [OFFLINE_MODEL_ID]
    assert first.status_code == 200 and first.headers["content-type"] == "application/json"
    body = first.json()
    assert body["object"] == "chat.completion" and body["model"] == "any-name" and body["created"] == 0
    assert [body["id"], second.json()["id"]] == ["chatcmpl-offline-1", "chatcmpl-offline-2"]
    message = body["choices"][0]["message"]
    assert message["role"] == "assistant" and isinstance(message["content"], str) and message["content"]
    assert body["choices"][0]["finish_reason"] == "stop"
    assert second.json()["choices"] == body["choices"]  # same request, same answer


def test_the_request_reaches_the_engine_as_conversation_types(server, monkeypatch):
    seen = []

    def spy(*args, **kwargs):
        seen.append((args, kwargs))
        return decide(*args, **kwargs)

    monkeypatch.setattr("course_helpers.variants.decide", spy)  # the offline variant passes requests straight on
    request = {
        "model": "m",
        "messages": [
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Weather in"}, {"type": "text", "text": "Oslo?"}]},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "Snow"},
        ],
        "tools": [WEATHER_TOOLS[0], {"type": "function", "function": {"name": "transfer_to_billing_agent"}}],
        "tool_choice": "required",
        "response_format": {"type": "json_object"},
        "temperature": 0, "max_tokens": 50, "parallel_tool_calls": False, "user": "ada",  # valid, and ignored
    }  # fmt: skip
    assert httpx.post(f"{server.base_url}/chat/completions", json=request).status_code == 200

    [((messages, tools, output_schema), kwargs)] = seen
    assert messages == [
        Message("system", "Be brief."),
        Message("user", "Weather in\nOslo?"),
        Message("assistant", "", tool_calls=(ToolCall("call_1", "get_weather", {"city": "Oslo"}),)),
        Message("tool", "Snow", tool_call_id="call_1"),
    ]
    assert tools == [
        ToolSpec("get_weather", "Get the current weather for a city.", WEATHER_TOOLS[0]["function"]["parameters"]),
        ToolSpec("transfer_to_billing_agent", is_handoff=True),
    ]
    assert output_schema == {"type": "object"} and kwargs == {"tool_choice": "required"}


# ---------------------------------------------------------------- the openai client


def test_openai_client_gets_a_plain_answer_with_usage(client):
    messages = [
        {"role": "system", "content": "You are a friendly assistant."},
        {"role": "user", "content": [{"type": "text", "text": "Say hello to Ada Lovelace."}]},
    ]
    response = client.chat.completions.create(model=OFFLINE_MODEL_ID, messages=messages, temperature=0.2, top_p=1)

    choice = response.choices[0]
    assert choice.finish_reason == "stop" and choice.message.tool_calls is None
    assert choice.message.content
    assert response.usage.prompt_tokens == count_tokens("You are a friendly assistant.") + count_tokens(
        "Say hello to Ada Lovelace."
    )
    assert response.usage.completion_tokens == count_tokens(choice.message.content)
    assert response.usage.total_tokens == response.usage.prompt_tokens + response.usage.completion_tokens


def test_openai_client_gets_a_tool_call_and_then_an_answer_from_its_result(client):
    choice = _weather_call(client)
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    [call] = choice.message.tool_calls
    assert call.type == "function" and call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}

    follow_up = WEATHER_QUESTION + [
        choice.message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "Sunny and 22 degrees"},
    ]
    answer = client.chat.completions.create(model=OFFLINE_MODEL_ID, messages=follow_up, tools=WEATHER_TOOLS)
    assert answer.choices[0].finish_reason == "stop"
    assert "22" in answer.choices[0].message.content


def test_tool_choice_none_and_a_named_tool_are_honoured(client):
    none = client.chat.completions.create(
        model=OFFLINE_MODEL_ID, messages=WEATHER_QUESTION, tools=WEATHER_TOOLS, tool_choice="none"
    )
    assert none.choices[0].message.tool_calls is None and none.choices[0].message.content

    named = client.chat.completions.create(
        model=OFFLINE_MODEL_ID,
        messages=[{"role": "user", "content": "Convert 100 USD to EUR please."}],
        tools=WEATHER_TOOLS,
        tool_choice={"type": "function", "function": {"name": "convert_currency"}},
    )
    [call] = named.choices[0].message.tool_calls
    assert call.function.name == "convert_currency"


def test_response_format_json_schema_returns_json_that_validates(client):
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "temperature_c": {"type": "number"}},
        "required": ["city", "temperature_c"],
        "additionalProperties": False,
    }
    response = client.chat.completions.create(
        model=OFFLINE_MODEL_ID,
        messages=[{"role": "user", "content": "Paris is 22 degrees today. Report the city and temperature."}],
        response_format={"type": "json_schema", "json_schema": {"name": "report", "schema": schema, "strict": True}},
    )
    jsonschema.validate(json.loads(response.choices[0].message.content), schema)

    as_object = client.chat.completions.create(
        model=OFFLINE_MODEL_ID, messages=WEATHER_QUESTION, response_format={"type": "json_object"}
    )
    assert isinstance(json.loads(as_object.choices[0].message.content), dict)


def test_streamed_text_reassembles_to_the_plain_answer(client):
    request = {"messages": [{"role": "user", "content": "Tell me something about the sea and ships."}]}
    plain = client.chat.completions.create(model=OFFLINE_MODEL_ID, **request)

    content, calls, finish_reason, usage = _stream(client, **request, stream_options={"include_usage": True})

    assert content == plain.choices[0].message.content and calls == [] and finish_reason == "stop"
    assert usage.model_dump() == plain.usage.model_dump()
    assert _stream(client, **request)[3] is None  # usage only when asked for


def test_streamed_tool_calls_reassemble_to_the_plain_tool_calls(client):
    question = {"role": "user", "content": "What is the weather in Paris and in Oslo?"}
    request = {"messages": [question], "tools": WEATHER_TOOLS}
    plain = client.chat.completions.create(model=OFFLINE_MODEL_ID, **request).choices[0]
    content, calls, finish_reason, _ = _stream(client, **request)

    expected = [(c.id, c.function.name, c.function.arguments) for c in plain.message.tool_calls]
    assert [json.loads(arguments)["city"] for _, _, arguments in expected] == ["Paris", "Oslo"]  # two parallel calls
    assert (content, calls, finish_reason) == ("", expected, "tool_calls")


def test_stream_is_server_sent_events_ending_in_done(server):
    request = {"model": OFFLINE_MODEL_ID, "messages": [{"role": "user", "content": "Hi"}], "stream": True}
    response = httpx.post(f"{server.base_url}/chat/completions", json=request)

    assert response.headers["content-type"] == "text/event-stream"
    events = response.text.split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""]
    chunks = [json.loads(event.removeprefix("data: ")) for event in events[:-2]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert len(chunks) >= 3  # role, at least one word, finish


# ---------------------------------------------------------------- LiteLLM


def test_litellm_talks_to_the_server(server):
    common = {"model": f"openai/{OFFLINE_MODEL_ID}", "api_base": server.base_url, "api_key": "x"}
    answer = litellm.completion(messages=[{"role": "user", "content": "Hello there"}], **common)
    assert answer.choices[0].message.content and answer.usage.total_tokens > 0

    call = litellm.completion(messages=WEATHER_QUESTION, tools=WEATHER_TOOLS, **common).choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "Paris"}

    streamed = litellm.completion(messages=[{"role": "user", "content": "Hello there"}], stream=True, **common)
    assert "".join(chunk.choices[0].delta.content or "" for chunk in streamed) == answer.choices[0].message.content


# ---------------------------------------------------------------- the Agents SDK


def _weather_agent(server, calls: list[str]) -> Agent:
    @function_tool
    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        calls.append(city)
        return f"Sunny and 22 degrees in {city}"

    client = openai.AsyncOpenAI(base_url=server.base_url, api_key="not-needed", max_retries=0)
    model = OpenAIChatCompletionsModel(model=OFFLINE_MODEL_ID, openai_client=client)
    return Agent(name="Weather agent", instructions="Answer weather questions.", tools=[get_weather], model=model)


def test_agents_sdk_runs_a_tool_through_the_server(server, tracing_off):
    calls: list[str] = []
    result = asyncio.run(Runner.run(_weather_agent(server, calls), "What is the weather in Paris?"))

    assert calls == ["Paris"]
    assert "22" in result.final_output
    kinds = [item.type for item in result.new_items]
    assert kinds == ["tool_call_item", "tool_call_output_item", "message_output_item"]


def test_agents_sdk_streams_through_the_server(server, tracing_off):
    calls: list[str] = []

    async def run() -> tuple[object, list[str]]:
        result = Runner.run_streamed(_weather_agent(server, calls), "What is the weather in Paris?")
        kinds = [event.type async for event in result.stream_events()]
        return result, kinds

    result, kinds = asyncio.run(run())

    assert calls == ["Paris"]
    assert "22" in result.final_output
    assert "raw_response_event" in kinds and "run_item_stream_event" in kinds


def test_agents_sdk_through_the_server_matches_offline_model_directly(server, tracing_off):
    through_server = asyncio.run(Runner.run(_weather_agent(server, []), "What is the weather in Paris?"))
    direct_agent = _weather_agent(server, []).clone(model=OfflineModel())
    direct = asyncio.run(Runner.run(direct_agent, "What is the weather in Paris?"))

    assert through_server.final_output == direct.final_output
    assert through_server.context_wrapper.usage.input_tokens == direct.context_wrapper.usage.input_tokens
    assert through_server.context_wrapper.usage.output_tokens == direct.context_wrapper.usage.output_tokens


# ---------------------------------------------------------------- bad requests

_USER = {"role": "user", "content": "Hi"}
_CALL = {"id": "call_9", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
BAD_REQUESTS = [
    # (method, path, JSON body or raw bytes, status, param)
    ("POST", "/chat/completions", b"{not json", 400, None),
    ("POST", "/chat/completions", [_USER], 400, None),
    ("POST", "/chat/completions", {"model": OFFLINE_MODEL_ID}, 400, "messages"),
    ("POST", "/chat/completions", {"model": OFFLINE_MODEL_ID, "messages": "Hi"}, 400, "messages"),
    ("POST", "/chat/completions", {"model": OFFLINE_MODEL_ID, "messages": []}, 400, "messages"),
    ("POST", "/chat/completions", {"messages": [_USER]}, 400, "model"),
    ("POST", "/chat/completions", {"model": OFFLINE_MODEL_ID, "messages": ["Hi"]}, 400, "messages[0].role"),
    ("POST", "/chat/completions", {"model": "m", "messages": [{"role": "wizard", "content": "Hi"}]}, 400,
     "messages[0].role"),
    ("POST", "/chat/completions", {"model": "m", "messages": [{"role": "user", "content": 42}]}, 400,
     "messages[0].content"),
    ("POST", "/chat/completions",
     {"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]},
     400, "messages[0].content[0]"),
    ("POST", "/chat/completions",
     {"model": "m", "messages": [_USER, {"role": "tool", "tool_call_id": "call_404", "content": "x"}]}, 400,
     "messages[1].tool_call_id"),
    ("POST", "/chat/completions",
     {"model": "m", "messages": [_USER, {"role": "assistant", "tool_calls": [
         {**_CALL, "function": {"name": "get_weather", "arguments": "{city"}}]}]}, 400,
     "messages[1].tool_calls[0]"),
    ("POST", "/chat/completions", {"model": "m", "messages": [_USER], "tools": {"type": "function"}}, 400, "tools"),
    ("POST", "/chat/completions", {"model": "m", "messages": [_USER], "tools": [{"type": "web_search"}]}, 400,
     "tools[0]"),
    ("POST", "/chat/completions",
     {"model": "m", "messages": [_USER], "tools": WEATHER_TOOLS,
      "tool_choice": {"type": "function", "function": {"name": "launch_rocket"}}}, 400, "tool_choice"),
    ("POST", "/chat/completions", {"model": "m", "messages": [_USER], "tool_choice": "required"}, 400, "tool_choice"),
    ("POST", "/chat/completions", {"model": "m", "messages": [_USER], "tool_choice": "sometimes"}, 400, "tool_choice"),
    ("POST", "/chat/completions",
     {"model": "m", "messages": [_USER], "response_format": {"type": "json_schema", "json_schema": {"name": "x"}}},
     400, "response_format"),
    ("POST", "/chat/completions", {"model": "m", "messages": [_USER], "stream": "yes"}, 400, "stream"),
    ("POST", "/chat/completions", {"model": "m", "messages": [_USER], "stream": True, "stream_options": "usage"}, 400,
     "stream_options"),
    ("POST", "/chat/completions", {"model": "m", "messages": [_USER], "n": 2}, 400, "n"),
    ("POST", "/completions", {"model": "m", "prompt": "Hi"}, 404, None),
    ("GET", "/chat/completions", None, 405, None),
    ("DELETE", "/models", None, 405, None),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body", "status", "param"), BAD_REQUESTS)
def test_bad_requests_get_openai_style_errors_and_the_server_keeps_serving(server, method, path, body, status, param):
    with httpx.Client(base_url=server.base_url) as http:
        content = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
        response = http.request(method, path, content=content, headers={"Content-Type": "application/json"})
        after = http.post("/chat/completions", json={"model": "m", "messages": [_USER]})

    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error" and error["param"] == param
    assert error["message"].endswith(".") and len(error["message"]) < 200
    assert after.status_code == 200


def test_openai_client_raises_its_own_error_types(client):
    with pytest.raises(openai.BadRequestError, match="wizard"):
        client.chat.completions.create(model=OFFLINE_MODEL_ID, messages=[{"role": "wizard", "content": "Hi"}])


def test_a_bad_content_length_is_a_400_not_a_crash(server):
    with socket.create_connection(("127.0.0.1", server.port)) as raw:
        raw.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n{}")
        reply = raw.makefile("rb").read().decode()
    assert reply.startswith("HTTP/1.0 400") and '"invalid_request_error"' in reply


def test_an_internal_failure_is_a_500_and_the_server_keeps_serving(server, monkeypatch, capfd):
    def broken_decide(*args, **kwargs):
        raise RuntimeError("engine exploded")

    with httpx.Client(base_url=server.base_url) as http:
        monkeypatch.setattr("course_helpers.variants.decide", broken_decide)
        failed = http.post("/chat/completions", json={"model": "m", "messages": [_USER]})
        monkeypatch.undo()
        after = http.post("/chat/completions", json={"model": "m", "messages": [_USER]})

    assert failed.status_code == 500
    assert failed.json()["error"]["type"] == "server_error" and "engine exploded" in failed.json()["error"]["message"]
    assert after.status_code == 200
    assert capfd.readouterr() == ("", "")  # quiet: no traceback, no request log


# ---------------------------------------------------------------- lifecycle and safety


def test_server_is_local_only_quiet_and_never_echoes_the_api_key(capfd):
    secret = "sk-do-not-echo-1234"
    with start_server() as running:
        assert running.base_url.startswith("http://127.0.0.1:") and running.base_url.endswith("/v1")
        assert running._httpd.socket.getsockname()[0] == "127.0.0.1"
        response = httpx.post(
            f"{running.base_url}/chat/completions",
            json={"model": "m", "messages": [{"role": "wizard", "content": "Hi"}]},
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert response.status_code == 400 and secret not in response.text
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_close_is_idempotent_and_the_context_manager_closes():
    running = OfflineServer()
    running.close()
    running.close()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{running.base_url}/models")

    with start_server() as running:
        assert httpx.get(f"{running.base_url}/models").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{running.base_url}/models")


def _default_ctrl_c() -> None:
    """In the child, before it runs: Ctrl-C interrupts, even when this run ignores it (`nohup ... &`)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_command_line_serves_in_the_foreground_and_stops_on_ctrl_c():
    process = subprocess.Popen(
        [sys.executable, "-m", "course_helpers.server", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_ctrl_c,  # an ignored SIGINT is inherited, and Python then never raises KeyboardInterrupt
    )
    try:
        banner = process.stdout.readline()
        base_url = banner.split(" at ")[1].split(" ")[0]
        assert base_url.startswith("http://127.0.0.1:") and "Ctrl+C" in banner
        assert httpx.get(f"{base_url}/models").json()["data"][0]["id"] == OFFLINE_MODEL_ID
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        process.kill()
        process.wait()  # reaped, so no zombie is left for later tests on this worker to find
    assert process.returncode == 0
    assert out.strip() == "Stopped."
    assert '"GET /v1/models HTTP/1.1" 200' in err and "Traceback" not in err


# ---------------------------------------------------------------- client mistakes, on both endpoints (issue 13)


def _deep(levels: int) -> dict:
    schema: dict = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"a": schema}}
    return schema


def _exponential(levels: int) -> dict:
    """Each definition uses the next one twice: tiny to send, 2**levels subschemas to fill."""
    defs = {f"L{i}": {"type": "object", "properties": {"x": {"$ref": f"#/$defs/L{i + 1}"},
                                                       "y": {"$ref": f"#/$defs/L{i + 1}"}}} for i in range(levels)}
    return {"$defs": {**defs, f"L{levels}": {"type": "string"}}, "$ref": "#/$defs/L0"}


_NODE = {"type": "object", "properties": {"name": {"type": "string"}, "child": {"$ref": "#/$defs/Node"}}}
# (schema, where the error is below the schema's own param, part of the sentence)
BAD_SCHEMAS = [
    ({"type": "object", "properties": {"a": True}}, ".properties.a", "must be a schema object"),
    ({"type": "object", "properties": {"a": 5}}, ".properties.a", "not 5"),
    ({"type": "object", "properties": ["a"]}, ".properties", "an object of schemas by name"),
    ({"type": "object", "required": 5}, ".required", "a list of property names"),
    ({"type": "object", "properties": {"a": {"enum": []}}}, ".properties.a.enum", "a non-empty list of values"),
    ({"anyOf": [1, 2]}, ".anyOf[0]", "must be a schema object"),
    ({"type": "object", "properties": {"a": {"type": "array", "items": "x"}}}, ".properties.a.items",
     "must be a schema object"),
    ({"type": "object", "properties": {"a": {"type": "array", "items": [{"type": "string"}]}}},
     ".properties.a.items", "use 'prefixItems' for a tuple"),
    ({"type": "thing"}, ".type", "must be one of string"),
    ({"type": "object", "properties": {"a": {"type": "number", "minimum": "0"}}}, ".properties.a.minimum",
     "must be a number"),
    ({"$ref": "#/$defs/Missing"}, ".$ref", "which this schema does not define"),
    ({"$ref": "https://example.com/schema.json"}, ".$ref", "follows only local references"),
    ({"$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}}, "$ref": "#/$defs/A"}, ".$ref.$ref.$ref",
     "refers back to '#/$defs/A', a cycle of references with nothing in between"),
    (_exponential(14), "", "expands to more than"),
    (_deep(45), ".properties.a" * 41, "nested more than 40 schemas deep"),
]  # fmt: skip
_SCHEMA_PARAMS = {"tools": ("tools[0].function.parameters", "tools[0].parameters"),
                  "output": ("response_format.json_schema.schema", "text.format.schema")}


def _with_schema(wire: str, where: str, schema) -> tuple[str, dict]:
    """A request carrying `schema` as a tool's parameters or as the output schema, for the chat or responses wire."""
    if wire == "chat":
        body = {"model": "m", "messages": [_USER]}
        if where == "tools":
            body["tools"] = [{"type": "function", "function": {"name": "f", "parameters": schema}}]
        else:
            body["response_format"] = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
        return "/chat/completions", body
    body = {"model": "m", "input": "Hi"}
    if where == "tools":
        body["tools"] = [{"type": "function", "name": "f", "parameters": schema}]
    else:
        body["text"] = {"format": {"type": "json_schema", "name": "x", "schema": schema}}
    return "/responses", body


def _refused(response: httpx.Response, status: int = 400) -> dict:
    """The error of a refusal in OpenAI's shape, one sentence short enough to read."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["type"] == "invalid_request_error"
    message = error["message"]
    assert message.endswith(".") and ". " not in message.rstrip(".") and len(message) < 240, message
    return error


@pytest.mark.parametrize("where", ["tools", "output"])
@pytest.mark.parametrize("wire", ["chat", "responses"])
@pytest.mark.parametrize(("schema", "below", "words"), BAD_SCHEMAS)
def test_a_bad_schema_is_a_400_naming_where_it_is_wrong(server, wire, where, schema, below, words):
    path, body = _with_schema(wire, where, schema)
    error = _refused(httpx.post(f"{server.base_url}{path}", json=body, timeout=10))
    root = _SCHEMA_PARAMS[where][wire == "responses"]
    assert error["param"] == root + below and words in error["message"]


@pytest.mark.parametrize("schema", ["x", ["a"], 5])
@pytest.mark.parametrize("wire", ["chat", "responses"])
def test_tool_parameters_that_are_not_an_object_are_a_400(server, wire, schema):
    path, body = _with_schema(wire, "tools", schema)
    error = _refused(httpx.post(f"{server.base_url}{path}", json=body))
    assert error["param"] == _SCHEMA_PARAMS["tools"][wire == "responses"]


@pytest.mark.parametrize("wire", ["chat", "responses"])
def test_a_400_deep_schema_is_refused_before_anything_recurses_on_it(server, wire):
    path, body = _with_schema(wire, "tools", _deep(400))
    error = _refused(httpx.post(f"{server.base_url}{path}", json=body))
    assert error["param"].startswith("tools[0].") and "nests more than 100 levels deep" in error["message"]
    json_bomb = b'{"model": "m", "messages": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert "nests more than" in _refused(httpx.post(f"{server.base_url}{path}", content=json_bomb))["message"]


@pytest.mark.parametrize("wire", ["chat", "responses"])
def test_schemas_that_refer_within_themselves_without_a_cycle_are_served(server, wire):
    schema = {"type": "object", "$defs": {"City": {"type": "string"}},
              "properties": {"home": {"$ref": "#/$defs/City"}, "away": {"$ref": "#/$defs/City"}},
              "required": ["home", "away"], "additionalProperties": False}
    for where in ("tools", "output"):
        path, body = _with_schema(wire, where, schema)
        assert httpx.post(f"{server.base_url}{path}", json=body).status_code == 200


@pytest.mark.parametrize("wire", ["chat", "responses"])
def test_a_recursive_schema_is_served_and_gets_valid_output(server, wire):
    tree = {"$defs": {"Node": _NODE}, "$ref": "#/$defs/Node"}
    for where in ("tools", "output"):
        path, body = _with_schema(wire, where, tree)
        assert httpx.post(f"{server.base_url}{path}", json=body).status_code == 200
    path, body = _with_schema(wire, "output", tree)
    reply = httpx.post(f"{server.base_url}{path}", json=body).json()
    text = reply["choices"][0]["message"]["content"] if wire == "chat" else reply["output"][-1]["content"][0]["text"]
    jsonschema.validate(json.loads(text), tree)  # an independent check of the engine's own validation


_OTHER_MISTAKES = [
    # (chat body changes, responses body changes, param, part of the sentence)
    ({"model": "caf\ud800"}, {"model": "caf\ud800"}, "model", "lone UTF-16 surrogate"),
    ({"temperature": "hot"}, {"temperature": "hot"}, "temperature", "'temperature' must be a number from 0 to 2"),
    ({"temperature": 2.5}, {"temperature": 2.5}, "temperature", "from 0 to 2, not 2.5"),
    ({"top_p": 1.5}, {"top_p": -0.1}, "top_p", "'top_p' must be a number from 0 to 1"),
    ({"max_tokens": -5}, {"max_output_tokens": 8}, None, "must be a whole number of at least"),
    ({"max_completion_tokens": 1.5}, {"max_tool_calls": 0}, None, "must be a whole number"),
    ({"presence_penalty": 3}, {"top_logprobs": 21}, None, "must be a"),
    ({"seed": "42"}, {"temperature": True}, None, "must be a"),
    ({"messages": [_USER, {"role": "tool", "tool_call_id": ["call_1"], "content": "x"}]},
     {"input": [{"type": "function_call_output", "call_id": ["call_1"], "output": "x"}]}, None,
     "must be the string"),
    ({"messages": [{"role": ["user"], "content": "Hi"}]}, {"input": [{"role": ["user"], "content": "Hi"}]}, None,
     "role must be one of"),
    ({"messages": [_USER, {"role": "assistant", "tool_calls": [
        {**_CALL, "function": {"name": "f", "arguments": "[" * 5000 + "]" * 5000}}]}]},
     {"input": [{"type": "function_call", "call_id": "c", "name": "f", "arguments": '{"a": NaN}'}]}, None,
     "a JSON object encoded as a string"),
    ({"tools": WEATHER_TOOLS, "tool_choice": {"type": "function", "function": {"name": ["get_weather"]}}},
     {"tools": [{"type": "function", "name": "f", "parameters": {}}], "tool_choice": {"type": "function",
                                                                                     "name": ["f"]}},
     "tool_choice", "tool_choice"),
]  # fmt: skip


@pytest.mark.parametrize(("chat", "responses", "param", "words"), _OTHER_MISTAKES)
def test_other_client_mistakes_are_a_400_naming_the_field_on_both_endpoints(server, chat, responses, param, words):
    for path, body in (("/chat/completions", {"model": "m", "messages": [_USER], **chat}),
                       ("/responses", {"model": "m", "input": "Hi", **responses})):
        content = json.dumps(body).encode()  # json.dumps escapes a lone surrogate as \ud800, as a client would
        error = _refused(httpx.post(f"{server.base_url}{path}", content=content))
        assert error["param"] and (param is None or error["param"] == param) and words in error["message"]


def test_nan_and_infinity_are_not_json(server):
    for constant in (b"NaN", b"Infinity", b"-Infinity"):
        body = b'{"model": "m", "messages": [{"role": "user", "content": "Hi"}], "temperature": ' + constant + b"}"
        error = _refused(httpx.post(f"{server.base_url}/chat/completions", content=body))
        assert constant.lstrip(b"-").decode() in error["message"]


def _raw(server, request: bytes, *, timeout: float = 10) -> tuple[int, dict]:
    """Send raw bytes; return the status and the JSON body of the reply."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as raw:
        raw.sendall(request)
        reply = raw.makefile("rb").read()
    head, _, body = reply.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower(), reply[:300]
    return int(head.split()[1]), json.loads(body)


@pytest.mark.parametrize(("length", "status"), [("١٢", 400), ("²", 400), ("-1", 400), ("1e3", 400),
                                                (str(10**12), 413), (str(10**30), 400)])
def test_a_content_length_that_is_not_ascii_digits_or_is_huge_is_refused_at_once(server, length, status):
    request = f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n{{}}".encode()
    got, body = _raw(server, request)
    assert got == status and body["error"]["message"].endswith(".")


def test_a_body_over_the_cap_is_a_413_and_a_chunked_body_a_411(server):
    big = {"model": "m", "messages": [{"role": "user", "content": "word " * 300_000}]}
    response = httpx.post(f"{server.base_url}/chat/completions", json=big)
    assert "1 MiB" in _refused(response, 413)["message"] and response.json()["error"]["code"] == "request_too_large"

    def chunks():
        yield b'{"model": "m", '
        yield b'"messages": [{"role": "user", "content": "Hi"}]}'

    chunked = httpx.post(f"{server.base_url}/chat/completions", content=chunks())
    assert "Content-Length" in _refused(chunked, 411)["message"]


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "TRACE", "BREW"])
def test_every_method_is_answered_in_json(server, method):
    response = httpx.request(method, f"{server.base_url}/models")
    if method == "HEAD":  # HEAD is GET without the body
        assert response.status_code == 200 and response.content == b""
        assert response.headers["content-type"] == "application/json"
    else:
        assert _refused(response, 405)["code"] == "method_not_allowed" and response.headers["allow"] == "GET"


def test_oversized_headers_and_a_garbled_request_line_are_answered_in_json(server):
    status, body = _raw(server, b"GET /v1/models HTTP/1.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n")
    assert status == 431 and "headers are too large" in body["error"]["message"]
    status, body = _raw(server, b"GET /v1/models HTTP/9.9\r\n\r\n")
    assert status == 505 and body["error"]["type"] == "invalid_request_error"
    status, body = _raw(server, b"GET /v1/models HTTP/1.1\r\n" + b"X: y\r\n" * 150 + b"\r\n")
    assert status == 431


def test_slow_and_half_sent_requests_are_cut_off_at_the_read_deadline(monkeypatch):
    monkeypatch.setattr(server_module, "_READ_SECONDS", 0.5)
    with start_server() as fresh:
        half_sent = [socket.create_connection(("127.0.0.1", fresh.port)) for _ in range(30)]
        for index, raw in enumerate(half_sent):
            raw.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n" if index % 2 else
                        b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
        started = time.monotonic()
        for raw in half_sent:
            raw.settimeout(5)
            assert raw.makefile("rb").read().count(b"HTTP/1.0 ") <= 1  # closed: at most a 408, no hang
            raw.close()
        assert time.monotonic() - started < 3
        assert httpx.post(f"{fresh.base_url}/chat/completions", json={"model": "m", "messages": [_USER]}).is_success
    status, body = _raw_after_deadline(monkeypatch)
    assert status == 408 and body["error"]["code"] == "request_timeout"


def _raw_after_deadline(monkeypatch) -> tuple[int, dict]:
    """A request whose body stops halfway: the 408 that answers it."""
    monkeypatch.setattr(server_module, "_READ_SECONDS", 0.3)
    with start_server() as fresh:
        return _raw(fresh, b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")


def test_a_bad_port_is_one_sentence(tmp_path):
    for port, shown in (("99999", "99999"), ("-1", "-1"), ("eighty", "'eighty'")):
        done = subprocess.run([sys.executable, "-m", "course_helpers.server", "--port", port],
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert done.stderr.strip() == (f"--port must be a whole number from 0 to 65535 (0 picks a free one), "
                                       f"not {shown}.")
    with pytest.raises(ValueError, match="from 0 to 65535"):
        start_server(port=99999)


# ---------------------------------------------------------------- failures while streaming, runaway decisions


def test_a_chat_stream_that_fails_midway_ends_with_an_error_chunk_not_a_second_response(server, monkeypatch):
    def failing_chunks(*args):
        yield {"id": "chatcmpl-x", "object": "chat.completion.chunk", "created": 0, "model": "m",
               "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}
        raise RuntimeError("chunk exploded")

    monkeypatch.setattr(server_module, "_chunks", failing_chunks)
    request = {"model": "m", "messages": [_USER], "stream": True}
    response = httpx.post(f"{server.base_url}/chat/completions", json=request)

    assert response.status_code == 200 and "HTTP/1." not in response.text
    first, last, end = response.text.split("\n\n")
    assert json.loads(first.removeprefix("data: "))["object"] == "chat.completion.chunk" and end == ""
    error = json.loads(last.removeprefix("data: "))["error"]
    assert error["type"] == "server_error" and "chunk exploded" in error["message"]
    with openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0) as client:
        with pytest.raises(openai.APIError, match="chunk exploded"):
            list(client.chat.completions.create(model="m", messages=[_USER], stream=True))


def test_a_responses_stream_that_fails_midway_ends_with_an_error_event(server, monkeypatch):
    from course_helpers import responses_api

    as_json, calls = responses_api.as_json, []

    def failing_as_json(value):
        calls.append(value)
        if len(calls) == 3:
            raise RuntimeError("event exploded")
        return as_json(value)

    monkeypatch.setattr(responses_api, "as_json", failing_as_json)
    response = httpx.post(f"{server.base_url}/responses", json={"model": "m", "input": "Hi", "stream": True})

    assert response.status_code == 200 and "HTTP/1." not in response.text
    *events, end = response.text.split("\n\n")
    assert end == "" and [e.split("\n")[0] for e in events] == [
        "event: response.created", "event: response.in_progress", "event: error"]
    error = json.loads(events[-1].split("\n")[1].removeprefix("data: "))
    assert error["type"] == "error" and error["sequence_number"] == 2 and "event exploded" in error["message"]


def _spinning(flags: dict):
    """A decide() that never returns, and notes in `flags` that it began and that it was stopped."""

    def decide(*args, **kwargs):
        flags["started"] = True
        try:
            while True:
                pass
        finally:
            flags["stopped"] = True

    return decide


def test_a_runaway_decision_is_stopped_and_answered(monkeypatch):
    flags: dict = {}
    monkeypatch.setattr(server_module, "_DECISION_SECONDS", 0.3)
    monkeypatch.setattr("course_helpers.variants.decide", _spinning(flags))
    with start_server() as fresh:
        started = time.monotonic()
        response = httpx.post(f"{fresh.base_url}/chat/completions", json={"model": "m", "messages": [_USER]})
        assert time.monotonic() - started < 3 and flags.get("stopped")
        assert response.status_code == 500 and "stopped after deciding" in response.json()["error"]["message"]
        monkeypatch.undo()
        assert httpx.post(f"{fresh.base_url}/chat/completions", json={"model": "m", "messages": [_USER]}).is_success


def test_close_stops_a_decision_that_is_still_running(monkeypatch):
    flags: dict = {}
    monkeypatch.setattr("course_helpers.variants.decide", _spinning(flags))
    fresh = start_server()
    with httpx.Client(base_url=fresh.base_url, timeout=10) as http:
        pending = concurrent.futures.ThreadPoolExecutor(1).submit(
            http.post, "/chat/completions", json={"model": "m", "messages": [_USER]})
        while not flags.get("started"):
            time.sleep(0.01)
        fresh.close()
        response = pending.result(timeout=5)
    assert flags.get("stopped") and response.status_code == 503
    assert "closed while it was deciding" in response.json()["error"]["message"]


@pytest.mark.parametrize(("field", "value", "words"), [
    ("parallel_tool_calls", "yes", "true or false"), ("stop", 5, "a string or a list"), ("user", 7, "a string"),
    ("metadata", ["lesson"], "an object"), ("logprobs", 1, "true or false"), ("n", True, "leave 'n' at 1"),
])  # fmt: skip
def test_ignored_chat_parameters_must_still_have_their_type(server, field, value, words):
    body = {"model": "m", "messages": [_USER], field: value}
    error = _refused(httpx.post(f"{server.base_url}/chat/completions", json=body))
    assert error["param"] == field and words in error["message"]
