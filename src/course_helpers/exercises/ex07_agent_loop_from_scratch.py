"""Checkers for the exercises in notebooks/07_agent_loop_from_scratch.ipynb."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from agents import Agent, RunConfig, Runner, UserError, function_tool
from agents.run_config import ModelInputData

from course_helpers.checks import reference_solution, Hint, checker
from course_helpers.offline import OfflineModel

_Reply = Callable[[list[dict[str, Any]]], dict[str, Any]]


def _call(call_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}


def _asks(*calls: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": None, "tool_calls": list(calls)}


def _says(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text}


class _FakeModel:
    """A scripted `call_model`: each step checks the messages it receives, then returns its reply."""

    def __init__(self, steps: list[_Reply], limit: int | None = None) -> None:
        self.steps, self.limit, self.calls = steps, limit, 0

    def __call__(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls += 1
        if not isinstance(messages, list):
            raise Hint(f"pass `call_model` the list of messages, not {type(messages).__name__}.")
        if self.limit is not None and self.calls > self.limit:
            raise Hint(f"the loop called the model {self.limit} times and did not stop: count the turns and "
                       "raise RuntimeError after `max_turns` of them.")
        if self.calls > len(self.steps):
            raise Hint("the model already gave its final answer (a reply without tool_calls), but the loop called "
                       "it again: return reply['content'] as soon as a reply has no tool_calls.")
        return copy.deepcopy(self.steps[self.calls - 1](copy.deepcopy(messages)))


def _expect_tool_results(messages: list[dict[str, Any]], reply: dict[str, Any], outputs: list[str]) -> None:
    """Check that `messages` end with `reply` followed by one tool message per call, with these outputs."""
    calls = reply["tool_calls"]
    last = max((i for i, message in enumerate(messages) if message.get("role") == "assistant"), default=None)
    if last is None or messages[last].get("tool_calls") != calls:
        raise Hint("append the model's reply (the assistant message with its tool_calls) to `messages` before "
                   "the tool messages: the API is stateless, so the next call must see what the model asked for.")
    results = messages[last + 1:]
    if not results:
        raise Hint("after running the tools, append one message per call, {'role': 'tool', 'tool_call_id': "
                   "call['id'], 'content': output}, before calling the model again.")
    if len(results) != len(calls):
        raise Hint(f"the model asked for {len(calls)} tool calls in one reply: run every one and append a tool "
                   f"message for each ({len(results)} found).")
    for call, output, message in zip(calls, outputs, results):
        if message.get("role") != "tool" or message.get("tool_call_id") != call["id"]:
            raise Hint(f"each tool message answers one call, in order: expected tool_call_id {call['id']!r}, "
                       f"found {message.get('tool_call_id')!r}.")
        if message.get("content") != output:
            raise Hint(f"for {call['function']['name']}{call['function']['arguments']} the tool message's content "
                       f"should be the function's output {output!r}, not {message.get('content')!r}.")


def _capital(country: str) -> str:
    return {"France": "Paris", "Japan": "Tokyo"}.get(country, "unknown")


def _weather(city: str) -> str:
    return f"The weather in {city} is sunny."


_FUNCTIONS = {"get_capital": _capital, "get_weather": _weather}
_QUESTION = "What is the weather in the capital of France?"


def _chain_steps() -> list[_Reply]:
    first = _asks(_call("call_a", "get_capital", {"country": "France"}))
    second = _asks(_call("call_b", "get_weather", {"city": "Paris"}))

    def start(messages: list[dict[str, Any]]) -> dict[str, Any]:
        if messages != [{"role": "user", "content": _QUESTION}]:
            raise Hint("the first call should send exactly one message, {'role': 'user', 'content': question}; "
                       f"it sent {messages}.")
        return first

    def after_capital(messages: list[dict[str, Any]]) -> dict[str, Any]:
        _expect_tool_results(messages, first, ["Paris"])
        return second

    def after_weather(messages: list[dict[str, Any]]) -> dict[str, Any]:
        _expect_tool_results(messages, second, ["The weather in Paris is sunny."])
        if [m.get("role") for m in messages] != ["user", "assistant", "tool", "assistant", "tool"]:
            raise Hint("keep every message: the third call should see user, assistant, tool, assistant, tool.")
        return _says("It is sunny in Paris.")

    return [start, after_capital, after_weather]


def _parallel_steps() -> list[_Reply]:
    both = _asks(_call("call_p", "get_weather", {"city": "Paris"}), _call("call_t", "get_weather", {"city": "Tokyo"}))

    def after_both(messages: list[dict[str, Any]]) -> dict[str, Any]:
        _expect_tool_results(messages, both, ["The weather in Paris is sunny.", "The weather in Tokyo is sunny."])
        return _says("Sunny in both.")

    return [lambda messages: both, after_both]


def _runaway_step(messages: list[dict[str, Any]]) -> dict[str, Any]:
    turn = sum(1 for m in messages if m.get("role") == "assistant") + 1
    return _asks(_call(f"call_{turn}", "get_capital", {"country": "Japan"}))


@checker("write `agent_loop(call_model, question, functions, max_turns)`: call the model, run its tools, repeat.")
def check_agent_loop(agent_loop: Callable[..., Any]) -> str:
    """Check a think-act-observe loop against scripted models: a chain, parallel calls and a runaway model."""
    chain = _FakeModel(_chain_steps())
    answer = agent_loop(chain, _QUESTION, dict(_FUNCTIONS), max_turns=5)
    if answer != "It is sunny in Paris.":
        raise Hint(f"when a reply has no tool_calls, return its content ('It is sunny in Paris.'), not {answer!r}.")

    parallel = _FakeModel(_parallel_steps())
    answer = agent_loop(parallel, "What is the weather in Paris and Tokyo?", dict(_FUNCTIONS), max_turns=5)
    if answer != "Sunny in both.":
        raise Hint(f"with two tool calls in one reply, run both, then return the final content, not {answer!r}.")

    runaway = _FakeModel([_runaway_step] * 10, limit=10)
    try:
        answer = agent_loop(runaway, "Keep going.", dict(_FUNCTIONS), max_turns=3)
    except RuntimeError:
        if runaway.calls != 3:
            raise Hint(f"with max_turns=3, call the model 3 times before raising; it was called {runaway.calls} "
                       "times.") from None
        return "your loop chains tools, runs parallel calls, answers, and stops a runaway model after max_turns."
    raise Hint(f"a model that always asks for tools should make the loop raise RuntimeError after max_turns "
               f"model calls; it returned {answer!r} after {runaway.calls} calls.")


@function_tool
def _get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"The weather in {city} is sunny."


def _items(data: ModelInputData) -> list[Any]:
    return list(data.input)


@checker("write `keep_current_turn(data)`: return a ModelInputData with the latest user message and what follows.")
async def check_keep_current_turn(keep_current_turn: Callable[[Any], Any]) -> str:
    """Check a `call_model_input_filter` that drops earlier turns but keeps this turn's tool calls and outputs."""
    agent = Agent(name="Weather desk", instructions="Answer weather questions.", tools=[_get_weather],
                  model=OfflineModel())
    quiet = RunConfig(tracing_disabled=True)
    earlier = await Runner.run(agent, "What is the weather in Paris?", run_config=quiet)
    latest = {"role": "user", "content": "What is the weather in Oslo?"}
    history = earlier.to_input_list() + [latest]

    seen: list[tuple[ModelInputData, Any]] = []

    def recording(data: Any) -> Any:
        before = ModelInputData(input=copy.deepcopy(data.model_data.input), instructions=data.model_data.instructions)
        kept = keep_current_turn(data)
        seen.append((before, kept))
        return kept

    config = RunConfig(call_model_input_filter=recording, tracing_disabled=True)
    try:
        result = await Runner.run(agent, history, run_config=config)
    except UserError:
        kept = seen[-1][1] if seen else None
        raise Hint(f"return `ModelInputData(input=..., instructions=...)`, not {type(kept).__name__}: "
                   "the SDK accepts nothing else.") from None

    if len(seen) < 2:
        raise Hint(f"the model was called {len(seen)} time(s) instead of 2 (a tool call, then the answer): keep "
                   "the latest user message in the input so the model knows what was asked.")
    (first_in, first_out), (second_in, second_out) = seen[0], seen[1]
    if first_out.instructions != first_in.instructions:
        raise Hint("keep the instructions as they are: `instructions=data.model_data.instructions`.")
    if len(first_out.input) == len(first_in.input):
        raise Hint(f"the first call still got the whole history ({len(first_in.input)} items): keep only the "
                   "latest user message and the items after it.")
    if _items(first_out)[:1] != [latest]:
        raise Hint(f"the kept input should start with the latest user message, {latest}; "
                   f"it started with {_items(first_out)[:1]}.")
    expected = _items(second_in)[len(history) - 1:]
    if _items(second_out) != expected:
        raise Hint(f"on the second call the model should see the question and this turn's tool call and output "
                   f"({len(expected)} items); it saw {len(second_out.input)}. Keep everything from the latest user "
                   "message on.")
    if "Oslo" not in str(result.final_output):
        raise Hint(f"the run should answer about Oslo; it answered {result.final_output!r}.")
    return "the model saw only the current turn, with its tool call and output, and still answered."


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.


@reference_solution(check_agent_loop)
def _agent_loop():
    """A `for` loop over `range(max_turns)`: call the model, append its reply, return `reply["content"]` when there
    are no `tool_calls`, else append one `tool` message per call (with its `tool_call_id`). Raise after the loop."""

    def agent_loop(call_model, question, functions, max_turns=5):
        messages = [{"role": "user", "content": question}]
        for _ in range(max_turns):
            reply = call_model(messages)
            messages.append(reply)
            if not reply.get("tool_calls"):
                return reply["content"]
            for call in reply["tool_calls"]:  # answer every call, or the next request is rejected
                output = functions[call["function"]["name"]](**json.loads(call["function"]["arguments"]))
                messages.append({"role": "tool", "tool_call_id": call["id"], "content": str(output)})
        raise RuntimeError(f"no final answer after {max_turns} model calls")

    return agent_loop


@reference_solution(check_keep_current_turn)
def _keep_current_turn():
    """`data.model_data` holds `input` (a list of item dicts) and `instructions`. Find the index of the last item whose
    `"role"` is `"user"` and keep the list from there on; return a new `ModelInputData`."""

    def keep_current_turn(data):
        items = data.model_data.input
        start = max(index for index, item in enumerate(items) if item.get("role") == "user")
        return ModelInputData(input=items[start:], instructions=data.model_data.instructions)

    return keep_current_turn
