"""The offline OpenAI-compatible server, spoken to by raw HTTP, openai, LiteLLM and the Agents SDK."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys

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


def test_command_line_serves_in_the_foreground_and_stops_on_ctrl_c():
    process = subprocess.Popen(
        [sys.executable, "-m", "course_helpers.server", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
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
    assert process.returncode == 0
    assert out.strip() == "Stopped."
    assert '"GET /v1/models HTTP/1.1" 200' in err and "Traceback" not in err
