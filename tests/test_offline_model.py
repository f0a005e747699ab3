"""OfflineModel is a real Agents SDK Model: Runner.run and run_streamed work end to end."""

import asyncio

import pytest
from agents import Agent, Runner, function_tool, set_tracing_disabled
from agents.items import HandoffCallItem, MessageOutputItem, ToolCallItem, ToolCallOutputItem
from agents.testing import ScriptedModel, assistant_message, function_call
from pydantic import BaseModel, Field

from course_helpers.offline import OfflineModel


@pytest.fixture(autouse=True)
def no_trace_export():
    set_tracing_disabled(True)
    yield
    set_tracing_disabled(False)


@function_tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"The weather in {city} is sunny."


@function_tool
def get_capital(country: str) -> str:
    """Return the capital city of a country."""
    return {"France": "Paris", "Japan": "Tokyo"}.get(country, "unknown")


def run(agent, message):
    return asyncio.run(Runner.run(agent, message))


def test_runner_calls_the_tool_and_answers_from_its_result():
    agent = Agent(name="Assistant", tools=[get_weather], model=OfflineModel())
    result = run(agent, "What's the weather in Tokyo?")
    assert [type(item) for item in result.new_items] == [ToolCallItem, ToolCallOutputItem, MessageOutputItem]
    assert result.new_items[0].raw_item.name == "get_weather"
    assert result.final_output == "The weather in Tokyo is sunny."
    assert "weather" in result.raw_responses[0].why
    assert result.context_wrapper.usage.requests == 2
    assert result.context_wrapper.usage.total_tokens > 0


def test_two_dependent_tool_calls_over_two_turns():
    agent = Agent(name="Assistant", tools=[get_capital, get_weather], model=OfflineModel())
    result = run(agent, "What is the weather in the capital of France?")
    called = [item.raw_item.name for item in result.new_items if isinstance(item, ToolCallItem)]
    assert called == ["get_capital", "get_weather"]
    assert result.final_output.endswith("The weather in Paris is sunny.")


def test_handoff_moves_the_conversation_to_the_matching_agent():
    billing = Agent(name="Billing agent", handoff_description="Handles invoices, charges and refunds.",
                    model=OfflineModel())
    support = Agent(name="Support agent", handoff_description="Fixes login problems and crashes.",
                    model=OfflineModel())
    triage = Agent(name="Triage agent", handoffs=[billing, support], model=OfflineModel())
    result = run(triage, "I was charged twice for one invoice")
    assert isinstance(result.new_items[0], HandoffCallItem)
    assert result.last_agent is billing


class Weather(BaseModel):
    city: str
    sunny: bool
    temperature_c: float | None


def test_structured_output_is_parsed_into_the_output_type():
    agent = Agent(name="Reporter", output_type=Weather, model=OfflineModel())
    result = run(agent, "It is sunny in Rome today, 24 degrees")
    assert result.final_output == Weather(city="Rome", sunny=True, temperature_c=24)


def _event_types(events):
    """Event types with runs of the same delta folded into one, to compare shapes."""
    folded = []
    for event in events:
        if not (folded and folded[-1] == event.type and event.type.endswith(".delta")):
            folded.append(event.type)
    return folded


async def _raw_events(model, agent, message):
    agent = agent.clone(model=model)
    streamed = Runner.run_streamed(agent, message)
    return [event.data async for event in streamed.stream_events() if event.type == "raw_response_event"], streamed


def test_streaming_follows_scripted_models_event_order_with_word_deltas():
    agent = Agent(name="Assistant", tools=[get_weather])
    offline_events, streamed = asyncio.run(_raw_events(OfflineModel(), agent, "What's the weather in Oslo?"))
    scripted = ScriptedModel([[function_call("get_weather", {"city": "Oslo"}, call_id="call_1")],
                              [assistant_message("The weather in Oslo is sunny.")]])
    scripted_events, _ = asyncio.run(_raw_events(scripted, agent, "What's the weather in Oslo?"))

    assert _event_types(offline_events) == _event_types(scripted_events)
    assert offline_events[-1].type == "response.completed"
    text_deltas = [e.delta for e in offline_events if e.type == "response.output_text.delta"]
    assert len(text_deltas) == 6 and "".join(text_deltas) == "The weather in Oslo is sunny."
    argument_deltas = [e.delta for e in offline_events if e.type == "response.function_call_arguments.delta"]
    assert "".join(argument_deltas) == '{"city": "Oslo"}'
    assert streamed.final_output == "The weather in Oslo is sunny."
    completed = [e for e in offline_events if e.type == "response.completed"]
    assert all(e.response.usage.total_tokens > 0 for e in completed)
    assert "get_weather" in completed[0].response.metadata["why"]


def test_streamed_structured_output():
    agent = Agent(name="Reporter", output_type=Weather)
    _, streamed = asyncio.run(_raw_events(OfflineModel(), agent, "Sunny in Rome, 24 degrees"))
    assert streamed.final_output == Weather(city="Rome", sunny=True, temperature_c=24)


class _Impossible(BaseModel):
    """No whole number lies strictly between 5 and 3."""

    n: int = Field(gt=5, lt=3)


def _models(server):
    """The offline model in process, and through the local server's two wires."""
    from agents import OpenAIChatCompletionsModel, OpenAIResponsesModel
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=server.base_url, api_key="x")
    return {"in process": OfflineModel(), "chat": OpenAIChatCompletionsModel("m", client),
            "responses": OpenAIResponsesModel("m", client)}


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("wire", ["in process", "chat", "responses"])
def test_a_schema_it_cannot_fill_is_a_refusal_with_the_reason(wire, stream):
    from agents import ModelRefusalError, RunConfig

    from course_helpers.server import start_server

    async def run(model):
        agent, config = Agent(name="Counter", output_type=_Impossible), RunConfig(model=model)
        if not stream:
            return await Runner.run(agent, "Pick a number.", run_config=config)
        result = Runner.run_streamed(agent, "Pick a number.", run_config=config)
        async for _ in result.stream_events():
            pass

    with start_server() as server, pytest.raises(ModelRefusalError, match="no multiple of 1 lies between 5 and 3"):
        asyncio.run(run(_models(server)[wire]))
