"""Model variants: the offline engine's decisions in real models' styles (course_helpers.variants)."""

from __future__ import annotations

import json

import httpx
import pytest

from course_helpers.offline import Message, ToolSpec, decide
from course_helpers.server import OfflineServer
from course_helpers.variants import VARIANTS, variant_named


def _city_tool(name: str, description: str) -> ToolSpec:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    return ToolSpec(name, description, schema)


WEATHER = _city_tool("get_weather", "Get the current weather for a city.")
TIME = _city_tool("get_time", "Get the local time in a city.")
CAPITAL = ToolSpec("get_capital", "Get the capital city of a country.",
                   {"type": "object", "properties": {"country": {"type": "string"}}, "required": ["country"]})
TOOLS = [WEATHER, TIME, CAPITAL]
TICKET = {"type": "object", "properties": {"category": {"type": "string", "enum": ["bug", "billing"]}},
          "required": ["category"], "additionalProperties": False}


def _result(name: str, arguments: dict) -> str:
    return f"{name} says: {', '.join(str(v) for v in arguments.values())} is fine."


def _loop(variant_name: str, request: str, tools=TOOLS, limit: int = 10):
    """Run the agent loop against a variant: (the calls made, one list per model turn; the final text)."""
    variant = variant_named(variant_name)
    messages = [Message("user", request)]
    turns = []
    for _ in range(limit):
        decision = variant.decide(messages, tools)
        if not decision.tool_calls:
            return turns, decision.text
        turns.append([(call.name, json.dumps(json.loads(call.arguments_json()))) for call in decision.tool_calls])
        messages.append(Message("assistant", decision.preamble or "", decision.tool_calls))
        messages += [Message("tool", _result(c.name, c.arguments), tool_call_id=c.call_id) for c in decision.tool_calls]
    raise AssertionError("the loop did not end")


@pytest.mark.parametrize("request_text", [
    "What is the weather in Tokyo and Paris?",
    "What is the weather and the local time in Oslo?",
    "What is the weather in the capital of France?",
    "Tell me a joke.",
])
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_variant_makes_the_engines_calls_and_reaches_its_answer(variant, request_text):
    offline_turns, offline_text = _loop("offline", request_text)
    turns, text = _loop(variant, request_text)

    assert sorted(call for turn in turns for call in turn) == sorted(call for turn in offline_turns for call in turn)
    assert offline_text in text  # the same facts, perhaps with prose around them


def test_one_at_a_time_makes_one_call_per_turn_where_the_engine_batches():
    offline_turns, _ = _loop("offline", "What is the weather in Tokyo and Paris?")
    turns, _ = _loop("one-at-a-time", "What is the weather in Tokyo and Paris?")

    assert [len(turn) for turn in offline_turns] == [2]
    assert [len(turn) for turn in turns] == [1, 1]


def test_one_at_a_time_follows_a_history_it_cannot_replay():
    # A forced tool_choice made the first call; afterwards the request is "auto" and the replay differs.
    forced = decide([Message("user", "Hello there")], TOOLS, tool_choice="get_time")
    messages = [Message("user", "Hello there"), Message("assistant", "", forced.tool_calls),
                Message("tool", "12:00", tool_call_id=forced.tool_calls[0].call_id)]

    decision = variant_named("one-at-a-time").decide(messages, TOOLS)

    assert decision == decide(messages, TOOLS) and decision.why == "answered from the tool results"


def test_chatty_wraps_plain_answers_in_prose_but_keeps_structured_output_pure_json():
    chatty = variant_named("chatty")
    plain = chatty.decide([Message("user", "Tell me a joke.")])
    structured = chatty.decide([Message("user", "The app crashes when I log in.")], output_schema=TICKET)
    offline = decide([Message("user", "The app crashes when I log in.")], output_schema=TICKET)

    assert plain.text.startswith("Sure! ") and plain.text.endswith("help with.")
    assert json.loads(structured.text) == json.loads(offline.text) and "\n" in structured.text


def test_preambles_reasoning_and_ids_look_like_the_providers_they_imitate():
    request = [Message("user", "What is the weather in Tokyo and Paris?")]
    offline = decide(request, TOOLS)
    chatty, reasoning, one_at_a_time = (variant_named(n).decide(request, TOOLS)
                                        for n in ("chatty", "reasoning", "one-at-a-time"))

    assert chatty.preamble == "Let me use get_weather for that." and chatty.reasoning is None
    assert reasoning.reasoning and reasoning.preamble
    assert [c.call_id[:8] for c in chatty.tool_calls] == ["toolu_01"] * 2
    assert all(c.call_id.startswith("call_") and len(c.call_id) == 29 for c in reasoning.tool_calls)
    assert one_at_a_time.tool_calls[0].call_id.startswith("function-call-")
    ids = [c.call_id for d in (offline, chatty, reasoning) for c in d.tool_calls]
    assert len(set(ids)) == len(ids)  # unique, and derived from the engine's own unique ids
    assert [json.loads(c.arguments_json()) for c in chatty.tool_calls] == [c.arguments for c in offline.tool_calls]
    assert chatty.tool_calls[0].arguments_json() != offline.tool_calls[0].arguments_json()  # indented


def test_an_unknown_variant_is_one_sentence_naming_the_choices():
    with pytest.raises(ValueError, match=r"No model variant 'terse': choose one of offline, chatty, "):
        variant_named("terse")
    with pytest.raises(ValueError, match="No model variant"):
        OfflineServer(variant="terse")


def _chat(server: OfflineServer, **extra) -> httpx.Response:
    tools = [{"type": "function", "function": {"name": t.name, "description": t.description,
                                               "parameters": t.parameters}} for t in TOOLS]
    body = {"model": "m", "messages": [{"role": "user", "content": "What is the weather in Tokyo?"}], "tools": tools}
    return httpx.post(f"{server.base_url}/chat/completions", json={**body, **extra}, timeout=10)


def _streamed(response: httpx.Response) -> list[dict]:
    lines = [line.removeprefix("data: ") for line in response.text.splitlines() if line.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    return [json.loads(line) for line in lines[:-1]]


def test_the_chat_endpoint_sends_preamble_reasoning_and_styled_arguments():
    with OfflineServer(variant="reasoning") as server:
        message = _chat(server).json()["choices"][0]["message"]
        chunks = _streamed(_chat(server, stream=True))

    assert message["content"] == "Let me use get_weather for that."
    assert message["reasoning_content"].startswith("The user wants an answer.")
    assert message["tool_calls"][0]["id"].startswith("call_")
    deltas = [chunk["choices"][0]["delta"] for chunk in chunks if chunk["choices"]]
    assert "".join(d.get("reasoning_content", "") for d in deltas) == message["reasoning_content"]
    assert "".join(d.get("content") or "" for d in deltas) == message["content"]
    streamed_arguments = "".join(d["tool_calls"][0]["function"].get("arguments", "") for d in deltas if "tool_calls" in d)
    assert streamed_arguments == message["tool_calls"][0]["function"]["arguments"]
    assert repr(server) == f"OfflineServer(base_url={server.base_url!r}, variant='reasoning')"
