"""Checkers for the exercises in notebooks/15_streaming.ipynb."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from agents import Agent, RunResultStreaming, Runner, function_tool
from openai.types.responses import ResponseTextDeltaEvent
from pydantic import PrivateAttr

from course_helpers.checks import reference_solution, Hint, checker
from course_helpers.offline import OfflineModel

__all__ = ["check_preview", "check_stream_reply"]

_QUESTION = "What is the weather in Tokyo?"
_ANSWER = "The weather in Tokyo is sunny."  # streamed as six text deltas, after a tool call


@function_tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"The weather in {city} is sunny."


class _WatchedTextDelta(ResponseTextDeltaEvent):
    """A text delta that counts how often its `delta` is read, so the check knows the text was built from it."""

    _reads: list[str] = PrivateAttr(default_factory=list)

    def __getattribute__(self, name: str) -> Any:
        if name == "delta":
            self._reads.append(name)
        return super().__getattribute__(name)


class _CountingModel(OfflineModel):
    """The offline model, counting whole responses, streams, and reads of its text deltas."""

    def __init__(self) -> None:
        super().__init__()
        self.whole_calls = self.streamed_calls = 0
        self.delta_reads: list[str] = []

    async def get_response(self, *args: Any, **kwargs: Any) -> Any:
        self.whole_calls += 1
        return await super().get_response(*args, **kwargs)

    async def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        self.streamed_calls += 1
        async for event in super().stream_response(*args, **kwargs):
            if isinstance(event, ResponseTextDeltaEvent):
                event = _WatchedTextDelta(**event.model_dump())
                event._reads = self.delta_reads
            yield event


def _weather_agent(model: OfflineModel) -> Agent[Any]:
    return Agent(name="Weather agent", instructions="Answer weather questions.", tools=[get_weather], model=model)


@checker("write `stream_reply` so it runs `Runner.run_streamed` and returns the text of the reply's text deltas.")
async def check_stream_reply(stream_reply: Any) -> str:
    """Check a function that streams a run and joins its `ResponseTextDeltaEvent` deltas."""
    model = _CountingModel()
    text = await stream_reply(_weather_agent(model), _QUESTION)
    if model.whole_calls:
        raise Hint(
            "`Runner.run` waits for the whole answer. Use `result = Runner.run_streamed(agent, message)` "
            "and `async for event in result.stream_events():`."
        )
    if not model.streamed_calls:
        raise Hint("the agent did not run: call `Runner.run_streamed(agent, message)` and loop over "
                   "`result.stream_events()` with `async for`.")
    if text == _ANSWER and not model.delta_reads:
        raise Hint(
            "that is the whole answer from `result.final_output`, read after the stream ended: add up "
            "`event.data.delta` for each `ResponseTextDeltaEvent` as it arrives, and return that text."
        )
    if text == _ANSWER:
        return f"stream_reply returned {text!r}, built from the text deltas as they arrived."
    if not text:
        raise Hint(
            "no text came back: for each event with `event.type == 'raw_response_event'` and "
            "`isinstance(event.data, ResponseTextDeltaEvent)`, add `event.data.delta` to your text, then return it."
        )
    if '"city"' in str(text):
        raise Hint(
            f"your text {text!r} includes the tool call's argument deltas: keep only events whose data is a "
            "`ResponseTextDeltaEvent`."
        )
    raise Hint(f"expected {_ANSWER!r}, got {text!r}: join every text delta with `''` (each carries its own spaces).")


@checker("write `preview` so it calls `result.cancel()` once `words` text deltas arrived and returns `(text, result)`.")
async def check_preview(preview: Any) -> str:
    """Check a function that cancels a streamed run after a number of text deltas."""
    for words, expected in ((3, "The weather in"), (1, "The")):
        answer = await preview(_weather_agent(OfflineModel()), _QUESTION, words)
        if not (isinstance(answer, tuple) and len(answer) == 2):
            raise Hint("return two values, the text so far and the streamed result: `return text, result`.")
        text, result = answer
        if not isinstance(result, RunResultStreaming):
            raise Hint(f"the second value should be what `Runner.run_streamed` returned, not a "
                       f"{type(result).__name__}.")
        if result.final_output is not None:
            raise Hint(
                f"the run finished with {result.final_output!r}: call `result.cancel()` as soon as you have "
                f"`words` deltas (the default, immediate mode; mode='after_turn' lets this answer finish)."
            )
        if text != expected:
            raise Hint(
                f"with words={words} the text should be {expected!r}, not {text!r}: count only text deltas and "
                "cancel right after adding the last one you want."
            )
        if result.run_loop_task is not None and not result.run_loop_task.done():
            raise Hint(
                "the run was still stopping when `preview` returned: after `result.cancel()` keep consuming "
                "`stream_events()` (no `break`; the loop ends by itself), as the SDK's `cancel` docstring asks."
            )
    return "preview stops the stream after the words you asked for, and the run ends without a final output."


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.


@reference_solution(check_stream_reply)
def _stream_reply():
    """`Runner.run_streamed(...)` returns at once (no `await`); `async for event in result.stream_events():` gives
    the events. The text pieces are the events with `event.type == "raw_response_event"` whose `event.data` is a
    `ResponseTextDeltaEvent`; add up their `event.data.delta`."""

    from openai.types.responses import ResponseTextDeltaEvent

    async def stream_reply(agent, message):
        result = Runner.run_streamed(agent, message)
        text = ""
        async for event in result.stream_events():
            if event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent):
                text += event.data.delta
        return text

    return stream_reply


@reference_solution(check_preview)
def _preview():
    """Count the text deltas as they arrive and call `result.cancel()` when you have seen `words` of them. Keep
    reading the stream after cancelling (do not `break`): it ends by itself, and the run is cleaned up."""

    from openai.types.responses import ResponseTextDeltaEvent

    async def preview(agent, message, words):
        result = Runner.run_streamed(agent, message)
        text, seen = "", 0
        async for event in result.stream_events():
            if event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent):
                text += event.data.delta
                seen += 1
                if seen == words:
                    result.cancel()  # the stream still ends on its own, so the loop finishes
        return text, result

    return preview
