"""The offline server's Responses API, spoken to by raw HTTP, the openai client and the SDK's OpenAIResponsesModel."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import httpx
import openai
import pytest
from agents import Agent, OpenAIResponsesModel, RunConfig, Runner, function_tool
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import BaseModel, TypeAdapter

from conftest import SECRET

from course_helpers.model_ids import OFFLINE_MODEL_ID
from course_helpers.offline import Message, OfflineModel, ToolCall, ToolSpec, decide, token_usage
from course_helpers.providers import setup
from course_helpers.server import start_server
from course_helpers.variants import VARIANTS

WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "The city name."}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}
TWO_CITIES = "What is the weather in Paris and in Oslo?"
_EVENT = TypeAdapter(ResponseStreamEvent)


@pytest.fixture(scope="module")
def servers():
    """One running server per model variant, by name."""
    running = {name: start_server(variant=name) for name in VARIANTS}
    yield running
    for server in running.values():
        server.close()


@pytest.fixture
def server(servers):
    return servers["offline"]


def _post(server, body: dict, path: str = "/responses") -> httpx.Response:
    return httpx.post(f"{server.base_url}{path}", json=body)


def _response(server, **request) -> Response:
    """A non-streamed response, validated against the openai package's own `Response` type."""
    reply = _post(server, {"model": OFFLINE_MODEL_ID, **request})
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/json"
    return Response.model_validate(reply.json())


def _events(server, **request) -> list:
    """A streamed response as validated events, after checking the server-sent event framing and numbering."""
    reply = _post(server, {"model": OFFLINE_MODEL_ID, "stream": True, **request})
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "text/event-stream"
    *blocks, end = reply.text.split("\n\n")
    assert end == ""
    events = []
    for block in blocks:
        name, data = block.split("\n")
        event = _EVENT.validate_python(json.loads(data.removeprefix("data: ")))
        assert name == f"event: {event.type}"
        events.append(event)
    assert [event.sequence_number for event in events] == list(range(len(events)))
    return events


def _folded(events) -> list[str]:
    """Event types with runs of the same delta folded into one."""
    types = [event.type for event in events]
    return [t for i, t in enumerate(types) if not (t.endswith(".delta") and i and types[i - 1] == t)]


def _numbered_ids_hidden(response: Response) -> dict:
    """The response as JSON, with the ids numbered by the server's counter (response, message, reasoning) as N."""
    text, number = response.model_dump_json(), response.id.removeprefix("resp_")
    for prefix in ("resp_", "msg_", "rs_"):
        text = text.replace(f'"{prefix}{number}"', f'"{prefix}N"')
    return json.loads(text)


def _chat_tool(tool: dict) -> dict:
    return {"type": "function", "function": {k: tool[k] for k in ("name", "description", "parameters")}}


# ---------------------------------------------------------------- raw HTTP


def test_a_plain_answer_is_a_response_object_with_fixed_ids_and_usage():
    with start_server() as fresh:
        first = _response(fresh, input="Tell me something about the sea and ships.")
        second = _response(fresh, input="Tell me something about the sea and ships.")

    assert (first.id, second.id) == ("resp_offline_1", "resp_offline_2")
    assert first.object == "response" and first.created_at == 0 and first.model == OFFLINE_MODEL_ID
    assert first.status == "completed" and first.tool_choice == "auto" and first.tools == []
    [message] = first.output
    assert (message.type, message.id, message.role, message.status) == ("message", "msg_offline_1", "assistant",
                                                                        "completed")
    assert [part.type for part in message.content] == ["output_text"] and first.output_text
    assert second.output_text == first.output_text  # same request, same answer

    decision = decide([Message("user", "Tell me something about the sea and ships.")])
    input_tokens, output_tokens = token_usage([Message("user", "Tell me something about the sea and ships.")], [],
                                              decision)
    assert first.output_text == decision.text
    usage = first.usage
    assert (usage.input_tokens, usage.output_tokens) == (input_tokens, output_tokens)
    assert usage.total_tokens == input_tokens + output_tokens
    assert usage.input_tokens_details.cached_tokens == 0 and usage.output_tokens_details.reasoning_tokens == 0


def test_the_request_reaches_the_engine_as_conversation_types(server, monkeypatch):
    seen = []

    def spy(*args, **kwargs):
        seen.append((args, kwargs))
        return decide(*args, **kwargs)

    monkeypatch.setattr("course_helpers.variants.decide", spy)  # the offline variant passes requests straight on
    handoff = {"type": "function", "name": "transfer_to_billing_agent", "parameters": {}, "strict": True}
    _response(
        server,
        instructions="Answer weather questions.",
        input=[
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "input_text", "text": "Weather in"},
                                         {"type": "input_text", "text": "Oslo?"}]},
            {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Call the tool."}]},
            {"type": "message", "role": "assistant", "id": "msg_1", "status": "completed",
             "content": [{"type": "output_text", "text": "Let me look.", "annotations": []}]},
            {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather",
             "arguments": '{"city": "Oslo"}', "status": "completed"},
            {"type": "function_call_output", "call_id": "call_1", "output": "Snow"},
            {"role": "system", "content": [{"type": "refusal", "refusal": "No."}]},
        ],
        tools=[WEATHER_TOOL, handoff],
        tool_choice={"type": "function", "name": "get_weather"},
        text={"format": {"type": "json_object"}, "verbosity": "low"},
        # accepted, type-checked and ignored
        store=False, include=["reasoning.encrypted_content"], reasoning={"effort": "low", "summary": "auto"},
        truncation="auto", parallel_tool_calls=False, max_output_tokens=50, temperature=0, top_p=1.0,
        metadata={"lesson": "13"}, user="ada", prompt_cache_key="k", service_tier="auto", top_logprobs=0,
        safety_identifier="s", stream_options=None, previous_response_id=None, background=False,
    )  # fmt: skip

    [((messages, tools, output_schema), kwargs)] = seen
    assert messages == [
        Message("system", "Answer weather questions."),
        Message("system", "Be brief."),
        Message("user", "Weather in\nOslo?"),
        Message("assistant", "Let me look.", tool_calls=(ToolCall("call_1", "get_weather", {"city": "Oslo"}),)),
        Message("tool", "Snow", tool_call_id="call_1"),
        Message("system", "No."),
    ]
    assert tools == [
        ToolSpec("get_weather", "Get the current weather for a city.", WEATHER_TOOL["parameters"]),
        ToolSpec("transfer_to_billing_agent", is_handoff=True),
    ]
    assert output_schema == {"type": "object"} and kwargs == {"tool_choice": "get_weather"}


def test_importing_the_server_does_not_import_the_openai_types():
    code = "import sys, course_helpers.server; print('openai' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout == "False\n"


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_turn_decides_and_counts_as_the_chat_endpoint_does(servers, variant):
    """Both wires carry the same conversation to the engine, turn by turn, and get the same calls, text and usage."""
    server = servers[variant]
    chat = [{"role": "user", "content": TWO_CITIES}]
    items: list[dict] = [{"role": "user", "content": TWO_CITIES}]
    for _ in range(4):
        choice = _post(server, {"model": "m", "messages": chat, "tools": [_chat_tool(WEATHER_TOOL)]},
                       "/chat/completions").json()
        response = _response(server, input=items, tools=[WEATHER_TOOL])
        message, usage = choice["choices"][0]["message"], choice["usage"]
        calls = [item for item in response.output if item.type == "function_call"]
        texts = [item.content[0].text for item in response.output if item.type == "message"]
        reasonings = [item.summary[0].text for item in response.output if item.type == "reasoning"]

        assert [(c.call_id, c.name, c.arguments) for c in calls] == [
            (c["id"], c["function"]["name"], c["function"]["arguments"]) for c in message.get("tool_calls") or []]
        assert texts == ([message["content"]] if message["content"] else [])
        assert reasonings == ([message["reasoning_content"]] if "reasoning_content" in message else [])
        assert (response.usage.input_tokens, response.usage.output_tokens) == (usage["prompt_tokens"],
                                                                               usage["completion_tokens"])
        assert [item.id for item in calls] == [f"fc_{c.call_id}" for c in calls]
        if not calls:
            break
        chat.append(message)
        items += [item.model_dump(mode="json", exclude_unset=True) for item in response.output]
        for call in calls:
            city = json.loads(call.arguments)["city"]
            chat.append({"role": "tool", "tool_call_id": call.call_id, "content": f"Sunny in {city}"})
            items.append({"type": "function_call_output", "call_id": call.call_id, "output": f"Sunny in {city}"})
    assert not calls and "Paris" in texts[-1] and "Oslo" in texts[-1]


def test_reasoning_and_a_preamble_come_before_the_function_calls(servers):
    response = _response(servers["reasoning"], input=TWO_CITIES, tools=[WEATHER_TOOL])
    assert [item.type for item in response.output] == ["reasoning", "message", "function_call", "function_call"]
    reasoning, preamble, *calls = response.output
    assert reasoning.id == "rs_" + response.id.removeprefix("resp_") and reasoning.summary[0].type == "summary_text"
    assert preamble.content[0].text == "Let me use get_weather for that."
    assert all(call.call_id.startswith("call_") and call.id == f"fc_{call.call_id}" for call in calls)


def test_spaced_json_arguments_arrive_exactly_as_the_model_wrote_them(servers):
    [call] = _response(servers["chatty"], input="What is the weather in Paris?", tools=[WEATHER_TOOL]).output[1:]
    assert call.arguments == '{\n "city": "Paris"\n}' and call.call_id.startswith("toolu_01")


def test_text_format_json_schema_returns_json_that_matches():
    class Report(BaseModel):
        city: str
        temperature_c: float

    schema = {**Report.model_json_schema(), "additionalProperties": False}
    with start_server() as fresh:
        response = _response(fresh, input="Paris is 22 degrees today. Report the city and temperature.",
                             text={"format": {"type": "json_schema", "name": "report", "schema": schema,
                                              "strict": True}})
        as_object = _response(fresh, input="Hi", text={"format": {"type": "json_object"}})
    assert Report.model_validate_json(response.output_text) == Report(city="Paris", temperature_c=22)
    assert isinstance(json.loads(as_object.output_text), dict)


def test_tool_choice_none_and_required_are_honoured(server):
    none = _response(server, input="What is the weather in Paris?", tools=[WEATHER_TOOL], tool_choice="none")
    assert [item.type for item in none.output] == ["message"] and none.tool_choice == "none"
    required = _response(server, input="Hello there", tools=[WEATHER_TOOL], tool_choice="required")
    assert [item.type for item in required.output] == ["function_call"]


# ---------------------------------------------------------------- streaming


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_stream_rebuilds_the_plain_response(servers, variant):
    request = {"input": TWO_CITIES, "tools": [WEATHER_TOOL], "stream_options": {"include_obfuscation": False}}
    plain = _response(servers[variant], **request)
    events = _events(servers[variant], **request)

    completed = events[-1]
    assert completed.type == "response.completed"
    assert _numbered_ids_hidden(completed.response) == _numbered_ids_hidden(plain)
    assert [e.type for e in events[:2]] == ["response.created", "response.in_progress"]
    assert all(e.response.status == "in_progress" and e.response.output == [] for e in events[:2])
    added = [e.item for e in events if e.type == "response.output_item.added"]
    done = [e.item for e in events if e.type == "response.output_item.done"]
    output = completed.response.output
    assert [item.id for item in added] == [item.id for item in done] == [item.id for item in output] and done == output
    for call in (item for item in output if item.type == "function_call"):
        about_call = [e for e in events if getattr(e, "item_id", None) == call.id]
        deltas = [e.delta for e in about_call if e.type == "response.function_call_arguments.delta"]
        [finished] = [e for e in about_call if e.type == "response.function_call_arguments.done"]
        assert "".join(deltas) == finished.arguments == call.arguments


def test_the_stream_sends_every_event_in_the_order_the_api_does(servers):
    events = _events(servers["reasoning"], input="What is the weather in Paris?", tools=[WEATHER_TOOL])
    assert _folded(events) == [
        "response.created", "response.in_progress",
        "response.output_item.added", "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done", "response.output_item.done",
        "response.output_item.added", "response.content_part.added", "response.output_text.delta",
        "response.output_text.done", "response.content_part.done", "response.output_item.done",
        "response.output_item.added", "response.function_call_arguments.delta",
        "response.function_call_arguments.done", "response.output_item.done",
        "response.completed",
    ]  # fmt: skip
    reasoning = events[-1].response.output[0].summary[0].text
    assert "".join(e.delta for e in events if e.type == "response.reasoning_summary_text.delta") == reasoning
    assert [e.text for e in events if e.type == "response.reasoning_summary_text.done"] == [reasoning]


# ---------------------------------------------------------------- the openai client


def _client(server) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0)


def test_openai_client_gets_a_function_call_and_then_an_answer_from_its_output(server):
    async def talk():
        async with _client(server) as client:
            first = await client.responses.create(model=OFFLINE_MODEL_ID, input="What is the weather in Paris?",
                                                  instructions="Answer weather questions.", tools=[WEATHER_TOOL])
            [call] = first.output
            follow_up = [{"role": "user", "content": "What is the weather in Paris?"}, call.model_dump(),
                         {"type": "function_call_output", "call_id": call.call_id, "output": "Sunny and 22 degrees"}]
            second = await client.responses.create(model=OFFLINE_MODEL_ID, input=follow_up, tools=[WEATHER_TOOL])
            return call, second

    call, second = asyncio.run(talk())
    assert call.type == "function_call" and call.name == "get_weather" and json.loads(call.arguments) == {
        "city": "Paris"}
    assert "22" in second.output_text and second.usage.total_tokens > 0


def test_openai_client_streams_and_its_stream_helper_accumulates_the_events(servers):
    async def talk():
        async with _client(servers["reasoning"]) as client:
            request = {"model": OFFLINE_MODEL_ID, "input": "Tell me something about the sea and ships."}
            stream = await client.responses.create(stream=True, **request)
            events = [event async for event in stream]
            async with client.responses.stream(**request) as helper:
                helped = await helper.get_final_response()
            plain = await client.responses.create(**request)
            return events, helped, plain

    events, helped, plain = asyncio.run(talk())
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == plain.output_text == helped.output_text and plain.output[0].type == "reasoning"
    assert events[-1].response.usage == plain.usage


def test_openai_client_parses_structured_output():
    class Weather(BaseModel):
        city: str
        sunny: bool

    async def talk(server):
        async with _client(server) as client:
            return await client.responses.parse(model=OFFLINE_MODEL_ID, input="It is sunny in Rome today",
                                                text_format=Weather)

    with start_server(variant="chatty") as fresh:
        parsed = asyncio.run(talk(fresh))
    assert parsed.output_parsed == Weather(city="Rome", sunny=True)


def test_openai_client_raises_its_own_error_with_the_servers_sentence(server):
    async def talk():
        async with _client(server) as client:
            await client.responses.create(model=OFFLINE_MODEL_ID, input="Hi", previous_response_id="resp_offline_1")

    with pytest.raises(openai.BadRequestError, match="send the whole conversation as 'input'") as raised:
        asyncio.run(talk())
    assert raised.value.param == "previous_response_id"


# ---------------------------------------------------------------- the Agents SDK's OpenAIResponsesModel


@function_tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny and 22 degrees in {city}"


class Weather(BaseModel):
    city: str
    sunny: bool
    temperature_c: float | None


def _run(server, agent: Agent, message: str, streamed: bool):
    """Run `agent` with every model call going to `server` through the SDK's OpenAIResponsesModel."""

    async def go():
        async with _client(server) as client:
            config = RunConfig(model=OpenAIResponsesModel(OFFLINE_MODEL_ID, client), tracing_disabled=True)
            if not streamed:
                return await Runner.run(agent, message, run_config=config)
            result = Runner.run_streamed(agent, message, run_config=config)
            kinds = {event.type async for event in result.stream_events()}
            assert {"raw_response_event", "run_item_stream_event"} <= kinds
            return result

    return asyncio.run(go())


@pytest.mark.parametrize("streamed", [False, True], ids=["run", "run_streamed"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_sdk_runs_a_function_tool(servers, variant, streamed):
    agent = Agent(name="Weather agent", instructions="Answer weather questions.", tools=[get_weather])
    result = _run(servers[variant], agent, "What is the weather in Paris?", streamed)
    [call] = [item.raw_item for item in result.new_items if item.type == "tool_call_item"]
    assert call.name == "get_weather" and json.loads(call.arguments) == {"city": "Paris"}
    assert "22" in result.final_output
    assert all(r.response_id.startswith("resp_offline_") for r in result.raw_responses)


@pytest.mark.parametrize("streamed", [False, True], ids=["run", "run_streamed"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_sdk_hands_off(servers, variant, streamed):
    billing = Agent(name="Billing agent", handoff_description="Handles invoices, charges and refunds.")
    support = Agent(name="Support agent", handoff_description="Fixes login problems and crashes.")
    triage = Agent(name="Triage agent", handoffs=[billing, support])
    result = _run(servers[variant], triage, "I was charged twice for one invoice", streamed)
    assert result.last_agent is billing and result.final_output
    assert "handoff_call_item" in [item.type for item in result.new_items]


@pytest.mark.parametrize("streamed", [False, True], ids=["run", "run_streamed"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_sdk_parses_the_output_type(servers, variant, streamed):
    agent = Agent(name="Reporter", output_type=Weather)
    result = _run(servers[variant], agent, "It is sunny in Rome today, 24 degrees", streamed)
    assert result.final_output == Weather(city="Rome", sunny=True, temperature_c=24)


def test_sdk_through_the_server_matches_the_offline_model_directly(server):
    agent = Agent(name="Weather agent", instructions="Answer weather questions.", tools=[get_weather])
    through_server = _run(server, agent, "What is the weather in Paris?", streamed=False)
    direct = asyncio.run(Runner.run(agent.clone(model=OfflineModel()), "What is the weather in Paris?",
                                    run_config=RunConfig(tracing_disabled=True)))

    assert through_server.final_output == direct.final_output
    assert [item.type for item in through_server.new_items] == [item.type for item in direct.new_items]
    assert through_server.context_wrapper.usage.input_tokens == direct.context_wrapper.usage.input_tokens
    assert through_server.context_wrapper.usage.output_tokens == direct.context_wrapper.usage.output_tokens


@pytest.mark.usefixtures("fresh_course_state")
def test_setup_openai_with_a_base_url_sends_every_turn_to_the_responses_endpoint(capsys):
    async def learner():
        agent = Agent(name="Weather agent", instructions="Answer weather questions.", tools=[get_weather])
        result = await Runner.run(agent, "What is the weather in Paris?")
        streamed = Runner.run_streamed(agent, "What is the weather in Oslo?")
        async for _ in streamed.stream_events():
            pass
        return result, streamed

    with start_server(variant="reasoning") as fresh:
        os.environ.update(OPENAI_API_KEY=SECRET, OPENAI_BASE_URL=fresh.base_url)
        course = setup("openai")
        result, streamed = asyncio.run(learner())

    assert course.provider == "openai" and SECRET not in capsys.readouterr().out
    assert "22 degrees in Paris" in result.final_output and "22 degrees in Oslo" in streamed.final_output
    assert [r.response_id for r in result.raw_responses + streamed.raw_responses] == [
        f"resp_offline_{n}" for n in range(1, 5)]
    assert "reasoning_item" in [item.type for item in result.new_items]
    # Each model call was traced as a Responses call; the fixture stands in for the exporter to OpenAI.
    per_run = [[span.span_data.type for span in course.traces.spans(trace.trace_id)]
               for trace in course.traces.traces()[-2:]]
    assert [kinds.count("response") for kinds in per_run] == [2, 2]


# ---------------------------------------------------------------- bad requests

_CALL = {"type": "function_call", "call_id": "call_9", "name": "get_weather", "arguments": "{}"}
BAD_REQUESTS = [
    # (body, param, part of the message)
    (b"{not json", None, "not valid JSON"),
    ({"input": "Hi"}, "model", "'model' must be a non-empty string"),
    ({"model": "m"}, "input", "'input' must be a string or a non-empty list"),
    ({"model": "m", "input": []}, "input", "'input' must be a string or a non-empty list"),
    ({"model": "m", "input": ["Hi"]}, "input[0]", "input[0] must be an object"),
    ({"model": "m", "input": [{"role": "wizard", "content": "Hi"}]}, "input[0].role",
     "must be one of user, system, developer, assistant"),
    ({"model": "m", "input": [{"role": "user", "content": 42}]}, "input[0].content", "a string or a list of text"),
    ({"model": "m", "input": [{"role": "user", "content": [{"type": "input_image", "image_url": "x"}]}]},
     "input[0].content[0]", "reads text only"),
    ({"model": "m", "input": [{"role": "user", "content": [{"type": "input_text"}]}]}, "input[0].content[0]",
     "text must be a string"),
    ({"model": "m", "input": [{"type": "item_reference", "id": "msg_1"}]}, "input[0].type",
     "'item_reference' is not served"),
    ({"model": "m", "input": [{"type": "function_call_output", "call_id": "call_404", "output": "x"}]},
     "input[0].call_id", "no earlier function_call item made that call"),
    ({"model": "m", "input": [{**_CALL, "arguments": "{city"}]}, "input[0].arguments", "a JSON object encoded"),
    ({"model": "m", "input": [{**_CALL, "name": None}]}, "input[0]", "a string call_id and a string name"),
    ({"model": "m", "input": [_CALL, {"type": "function_call_output", "call_id": "call_9", "output": 7}]},
     "input[1].output", "a string or a list of text parts"),
    ({"model": "m", "input": "Hi", "instructions": ["Be brief."]}, "instructions", "must be a string"),
    ({"model": "m", "input": "Hi", "previous_response_id": "resp_offline_1"}, "previous_response_id",
     "keeps no state"),
    ({"model": "m", "input": "Hi", "conversation": "conv_1"}, "conversation", "keeps no state"),
    ({"model": "m", "input": "Hi", "prompt": {"id": "pmpt_1"}}, "prompt", "keeps no stored prompts"),
    ({"model": "m", "input": "Hi", "background": True}, "background", "keeps no responses to fetch later"),
    ({"model": "m", "input": "Hi", "tools": WEATHER_TOOL}, "tools", "'tools' must be a list"),
    ({"model": "m", "input": "Hi", "tools": [{"type": "web_search"}]}, "tools[0]", "serves function tools only"),
    ({"model": "m", "input": "Hi", "tools": [{"type": "file_search", "vector_store_ids": ["vs_1"]}]}, "tools[0]",
     "serves function tools only"),
    ({"model": "m", "input": "Hi", "tools": [_chat_tool(WEATHER_TOOL)]}, "tools[0]",
     "must be {'type': 'function', 'name': ..."),
    ({"model": "m", "input": "Hi", "tools": [{**WEATHER_TOOL, "description": 5}]}, "tools[0]",
     "must be {'type': 'function', 'name': ..."),
    ({"model": "m", "input": "Hi", "tools": [WEATHER_TOOL], "tool_choice": {"type": "function", "name": "launch"}},
     "tool_choice", "which is not in 'tools'"),
    ({"model": "m", "input": "Hi", "tool_choice": "required"}, "tool_choice", "no 'tools' were given"),
    ({"model": "m", "input": "Hi", "tools": [WEATHER_TOOL], "tool_choice": {"type": "web_search_preview"}},
     "tool_choice", "serves function tools only"),
    ({"model": "m", "input": "Hi", "tools": [WEATHER_TOOL],
      "tool_choice": {"type": "function", "function": {"name": "get_weather"}}}, "tool_choice",
     "{'type': 'function', 'name': ...}"),
    ({"model": "m", "input": "Hi", "text": "json"}, "text", "'text' must be an object"),
    ({"model": "m", "input": "Hi", "text": {"format": {"type": "json_schema", "name": "x"}}}, "text.format",
     "'text.format' must be"),
    ({"model": "m", "input": "Hi", "text": {"verbosity": "loud"}}, "text.verbosity", "'low', 'medium' or 'high'"),
    ({"model": "m", "input": "Hi", "stream": "yes"}, "stream", "'stream' must be true or false"),
    ({"model": "m", "input": "Hi", "stream": True, "stream_options": "usage"}, "stream_options",
     "'stream_options' must be an object"),
    ({"model": "m", "input": "Hi", "temperature": "hot"}, "temperature", "'temperature' must be a number"),
    ({"model": "m", "input": "Hi", "max_output_tokens": True}, "max_output_tokens", "must be a whole number"),
    ({"model": "m", "input": "Hi", "store": "yes"}, "store", "'store' must be true or false"),
    ({"model": "m", "input": "Hi", "include": "reasoning.encrypted_content"}, "include", "must be a list"),
    ({"model": "m", "input": "Hi", "metadata": ["lesson"]}, "metadata", "must be an object"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "param", "words"), BAD_REQUESTS)
def test_bad_requests_get_one_sentence_naming_the_field_and_the_server_keeps_serving(server, body, param, words):
    with httpx.Client(base_url=server.base_url) as http:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        response = http.post("/responses", content=content, headers={"Content-Type": "application/json"})
        after = http.post("/responses", json={"model": "m", "input": "Hi"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error" and error["param"] == param
    assert words in error["message"]
    message = error["message"]
    assert message.endswith(".") and ". " not in message.rstrip(".") and len(message) < 200
    assert after.status_code == 200


def test_the_responses_path_takes_post_only_and_unknown_paths_name_it(server):
    wrong_method = httpx.get(f"{server.base_url}/responses")
    unknown = httpx.post(f"{server.base_url}/responses/resp_offline_1/cancel", json={})
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"
    assert unknown.status_code == 404 and "POST /v1/responses" in unknown.json()["error"]["message"]
