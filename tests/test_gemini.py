"""The gemini provider sends what Gemini's OpenAI-compatible endpoint accepts, tested against a local stand-in.

The stand-in on 127.0.0.1 behaves as public reports say the real endpoint does:
- unknown request fields fail with Gemini's list-wrapped 400, e.g. `store` and `metadata`
  (https://github.com/ed-donner/agents/issues/45) and `parallel_tool_calls`
  (https://github.com/jackmpcollins/magentic/pull/382, https://github.com/TheAgenticAI/TheAgenticBrowser/issues/4);
- `additionalProperties` in a schema fails (https://github.com/pydantic/pydantic-ai/issues/3538,
  https://github.com/BerriAI/litellm/issues/14330, https://github.com/adolfousier/opencrabs/issues/99);
- tool calls may come with an empty id (https://github.com/fcn06/swarm/issues/2,
  https://github.com/camel-ai/camel/issues/3027), and a tool result whose id matches no call fails with
  "function_response.name: Name cannot be empty" (https://github.com/pydantic/pydantic-ai/issues/1879);
- streamed, parallel calls all arrive at index 0 (https://github.com/NousResearch/hermes-agent/issues/62937);
- replayed calls must carry the thought signature Gemini gave them, in `extra_content.google`
  (https://github.com/securo-finance/securo/issues/884, https://github.com/JetBrains/koog/issues/1148).
"""

import asyncio
import json
import os

import pytest
from agents import Agent, ModelBehaviorError, ModelSettings, Runner, function_tool
from pydantic import BaseModel

from conftest import SECRET
from fake_servers import FakeServer, Reply, json_reply, sse_reply

from course_helpers import gemini as gemini_module, providers
from course_helpers.errors import CourseProviderError
from course_helpers.providers import setup

pytestmark = pytest.mark.usefixtures("fresh_course_state")

# What Gemini's Chat Completions accepts at the top level of a request (a field outside it is "Unknown name").
ACCEPTED = {"model", "messages", "tools", "tool_choice", "stream", "stream_options", "temperature", "top_p", "n",
            "stop", "max_tokens", "max_completion_tokens", "response_format", "frequency_penalty",
            "presence_penalty", "reasoning_effort", "seed"}
CITIES = ("Paris", "Oslo")


def gemini_error(message: str) -> Reply:
    return json_reply([{"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}], 400)


def schemas_with_additional_properties(body: dict) -> list[str]:
    found = []
    for i, tool in enumerate(body.get("tools") or []):
        if "additionalProperties" in json.dumps(tool["function"].get("parameters", {})):
            found.append(f"tools[0].function_declarations[{i}].parameters")
    if "additionalProperties" in json.dumps(body.get("response_format", {})):
        found.append("generation_config.response_schema")
    return found


def refusal(body: dict) -> Reply | None:
    """Gemini's 400 for a request it would reject, or None."""
    for name in sorted(set(body) - ACCEPTED):
        return gemini_error(f'Invalid JSON payload received. Unknown name "{name}": Cannot find field.')
    for where in schemas_with_additional_properties(body):
        return gemini_error(f'Invalid JSON payload received. Unknown name "additionalProperties" at \'{where}\': '
                            "Cannot find field.")
    call_ids, position = set(), 0
    for message in body["messages"]:
        for call in message.get("tool_calls") or []:
            position += 1
            if not call.get("extra_content", {}).get("google", {}).get("thought_signature"):
                return gemini_error("Function call is missing a thought_signature in functionCall parts. Additional "
                                    f"data, function call `default_api:{call['function']['name']}` , "
                                    f"position {position}.")
            call_ids.add(call["id"])
        if message["role"] == "tool" and message["tool_call_id"] not in call_ids:
            return gemini_error("* GenerateContentRequest.contents[2].parts[0].function_response.name: "
                                "Name cannot be empty.")
    return None


def gemini(request) -> Reply:
    """Weather questions: first both calls at once (empty ids, signatures), then an answer from their results."""
    body = request.body
    if rejected := refusal(body):
        return rejected
    results = [m["content"] for m in body["messages"] if m["role"] == "tool"]
    if body.get("response_format"):
        answer = {"content": json.dumps({"city": "Paris"})}
    elif results:
        answer = {"content": " ".join(results)}
    else:
        answer = {"tool_calls": [
            {"id": "", "type": "function", "function": {"name": "get_weather", "arguments": json.dumps({"city": c})},
             "extra_content": {"google": {"thought_signature": f"signature-{c}"}}} for c in CITIES]}
    if not body.get("stream"):
        return json_reply({"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                           "choices": [{"index": 0, "finish_reason": "stop",
                                        "message": {"role": "assistant", **answer}}]})

    def chunk(delta, finish=None):
        return {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    calls = [chunk({"role": "assistant", "tool_calls": [{"index": 0, **call}]})
             for call in answer.get("tool_calls", [])]
    text = [chunk({"role": "assistant", "content": answer["content"]})] if "content" in answer else []
    return sse_reply([*calls, *text, chunk({}, "stop"), "[DONE]"])


@function_tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny in {city}."


class City(BaseModel):
    city: str


# Settings a learner may give an agent; Gemini rejects each as an unknown field.
OPENAI_ONLY = ModelSettings(store=True, metadata={"lesson": "09"}, parallel_tool_calls=True)


@pytest.fixture
def server(monkeypatch):
    with FakeServer(gemini) as running:
        monkeypatch.setattr(providers, "GEMINI_BASE_URL", running.base_url + "/")
        os.environ["GEMINI_API_KEY"] = SECRET
        yield running


def run(agent: Agent, question: str, stream: bool):
    async def go():
        if not stream:
            return await Runner.run(agent, question)
        result = Runner.run_streamed(agent, question)
        async for _ in result.stream_events():
            pass
        return result

    return asyncio.run(go())


@pytest.mark.parametrize("stream", [False, True])
def test_the_gemini_provider_runs_parallel_tool_calls_with_openai_only_settings(server, stream):
    setup("gemini")
    agent = Agent(name="Weather", tools=[get_weather], model_settings=OPENAI_ONLY)
    result = run(agent, "What is the weather in Paris and in Oslo?", stream)

    assert result.final_output == "Sunny in Paris. Sunny in Oslo."
    first, second = (request.body for request in server.requests)
    assert not {"store", "metadata", "parallel_tool_calls"} & set(first)
    assert not schemas_with_additional_properties(first)
    assert get_weather.params_json_schema["additionalProperties"] is False  # the agent's own schema is untouched
    calls = second["messages"][1]["tool_calls"]
    assert [json.loads(call["function"]["arguments"]) for call in calls] == [{"city": c} for c in CITIES]
    assert len({call["id"] for call in calls}) == 2 and all(call["id"] for call in calls)
    assert [m["tool_call_id"] for m in second["messages"][2:]] == [call["id"] for call in calls]
    assert [call["extra_content"]["google"]["thought_signature"] for call in calls] == ["signature-Paris",
                                                                                        "signature-Oslo"]


@pytest.mark.parametrize("stream", [False, True])
def test_structured_output_schemas_go_without_additional_properties(server, stream):
    setup("gemini")
    assert run(Agent(name="Geo", output_type=City), "Which city?", stream).final_output == City(city="Paris")
    [request] = server.requests
    assert request.body["response_format"]["json_schema"]["name"] == "final_output"


@pytest.mark.parametrize(("settings", "words"), [
    (ModelSettings(store=True), 'Unknown name "store"'),
    (ModelSettings(metadata={"lesson": "09"}), 'Unknown name "metadata"'),
    (ModelSettings(parallel_tool_calls=True), 'Unknown name "parallel_tool_calls"'),
    (ModelSettings(), 'Unknown name "additionalProperties"'),
])
def test_the_stand_in_refuses_what_a_plain_openai_compatible_client_sends(server, settings, words):
    os.environ.update(COURSE_PROVIDER="openai-compatible", COURSE_BASE_URL=server.base_url, COURSE_MODEL="gemini-x")
    setup()
    with pytest.raises(CourseProviderError) as raised:
        run(Agent(name="Weather", tools=[get_weather], model_settings=settings), "Weather in Paris?", stream=False)
    assert str(raised.value).startswith(f"the server at {server.base_url} refused the request (400: ")
    assert words in str(raised.value)


def test_without_ids_the_sdk_cannot_run_geminis_tool_calls(server, monkeypatch):
    monkeypatch.setattr(gemini_module, "_new_call_id", lambda: "")
    setup("gemini")
    with pytest.raises(ModelBehaviorError, match="non-empty string call ID"):
        run(Agent(name="Weather", tools=[get_weather]), "Weather in Paris and Oslo?", stream=False)


def test_without_new_indexes_the_sdk_glues_geminis_streamed_calls(server, monkeypatch):
    async def ids_only(stream):
        async for chunk in stream:
            for choice in chunk.choices:
                for call in choice.delta.tool_calls or ():
                    call.id = call.id or gemini_module._new_call_id()
            yield chunk

    monkeypatch.setattr(gemini_module, "_reindexed_tool_calls", ids_only)
    setup("gemini")
    run(Agent(name="Weather", tools=[get_weather]), "Weather in Paris and Oslo?", stream=True)
    [call] = server.requests[1].body["messages"][1]["tool_calls"]
    assert call["function"]["arguments"] == '{"city": "Paris"}{"city": "Oslo"}'
