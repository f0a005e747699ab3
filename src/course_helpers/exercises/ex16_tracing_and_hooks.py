"""Checkers for the exercises in notebooks/16_tracing_and_hooks.ipynb."""

from __future__ import annotations

import inspect
from collections import Counter
from typing import Any

from agents import Agent, RunConfig, Runner, TracingProcessor, function_tool
from agents.lifecycle import RunHooksBase  # `RunHooks` is RunHooksBase[...], which issubclass() cannot take
from agents.tracing import Span, Trace, get_trace_provider, set_trace_provider
from agents.tracing.provider import DefaultTraceProvider

from course_helpers.checks import reference_solution, Hint, checker, offline_run_config
from course_helpers.offline import OfflineModel

__all__ = ["check_tool_recorder", "check_usage_logger"]

_QUESTION = "What is the weather in Tokyo and Paris?"  # one model call with two tool calls, then one answer
_EXPECTED_CALLS = [
    ("get_weather", '{"city": "Paris"}', "The weather in Paris is sunny."),
    ("get_weather", '{"city": "Tokyo"}', "The weather in Tokyo is sunny."),
]
_HOOKS = ("on_llm_end", "on_tool_start")
_PROCESSOR_METHODS = ("on_trace_start", "on_trace_end", "on_span_start", "on_span_end", "shutdown", "force_flush")


@function_tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"The weather in {city} is sunny."


def _weather_agent() -> Agent[Any]:
    return Agent(name="Weather agent", instructions="Answer weather questions.", tools=[get_weather])


@checker("write `UsageLogger`, a `RunHooks` subclass counting model calls and tokens and listing the tools used.")
async def check_usage_logger(UsageLogger: Any) -> str:
    """Check run hooks that count `llm_calls`, add up `total_tokens` and list `tools_used`."""
    if not (inspect.isclass(UsageLogger) and issubclass(UsageLogger, RunHooksBase)):
        raise Hint("`UsageLogger` should be a class that subclasses `RunHooks` (AgentHooks belong on one agent).")
    written = [name for name in _HOOKS if getattr(UsageLogger, name) is not getattr(RunHooksBase, name)]
    if not written:
        raise NotImplementedError
    for name in written:
        if not inspect.iscoroutinefunction(getattr(UsageLogger, name)):
            raise Hint(f"write `async def {name}(...)`: the runner awaits every hook.")
    hooks = UsageLogger()
    missing = [name for name in ("llm_calls", "total_tokens", "tools_used") if not hasattr(hooks, name)]
    if missing:
        raise Hint(f"a new UsageLogger has no {', '.join(missing)}: set `self.llm_calls = 0`, "
                   "`self.total_tokens = 0` and `self.tools_used = []` in `__init__`.")
    result = await Runner.run(_weather_agent(), _QUESTION, hooks=hooks,
                              run_config=offline_run_config())
    usage = result.context_wrapper.usage
    if hooks.llm_calls != usage.requests:
        raise Hint(f"the run made {usage.requests} model calls but `llm_calls` is {hooks.llm_calls!r}: "
                   "add 1 in `on_llm_end`.")
    if hooks.total_tokens != usage.total_tokens:
        raise Hint(f"the run used {usage.total_tokens} tokens but `total_tokens` is {hooks.total_tokens!r}: "
                   "add `response.usage.total_tokens` in `on_llm_end`.")
    if list(hooks.tools_used) != ["get_weather", "get_weather"]:
        raise Hint(f"`tools_used` should be ['get_weather', 'get_weather'], not {hooks.tools_used!r}: "
                   "append `tool.name` in `on_tool_start`.")
    return f"UsageLogger counted {hooks.llm_calls} model calls, {hooks.total_tokens} tokens and 2 tool calls."


class _KeepErrors(TracingProcessor):
    """Passes every call on to a learner's processor and keeps what it raises (the SDK would only log it)."""

    def __init__(self, inner: TracingProcessor) -> None:
        self.inner = inner
        self.errors: list[tuple[str, Exception]] = []

    def _call(self, method: str, *args: Any) -> None:
        try:
            getattr(self.inner, method)(*args)
        except Exception as error:
            self.errors.append((method, error))

    def on_trace_start(self, trace: Trace) -> None:
        self._call("on_trace_start", trace)

    def on_trace_end(self, trace: Trace) -> None:
        self._call("on_trace_end", trace)

    def on_span_start(self, span: Span[Any]) -> None:
        self._call("on_span_start", span)

    def on_span_end(self, span: Span[Any]) -> None:
        self._call("on_span_end", span)

    def shutdown(self) -> None:
        self._call("shutdown")

    def force_flush(self) -> None:
        self._call("force_flush")


async def _run_traced_by(processor: TracingProcessor) -> list[tuple[str, Exception]]:
    """Run the weather agent with `processor` as the only trace processor; the usual ones come back after."""
    provider, kept = DefaultTraceProvider(), _KeepErrors(processor)
    provider.set_processors([kept])
    previous = get_trace_provider()
    set_trace_provider(provider)
    try:
        await Runner.run(_weather_agent(), _QUESTION,
                         run_config=RunConfig(model=OfflineModel(), trace_include_sensitive_data=True))
    finally:
        set_trace_provider(previous)
    return kept.errors


@checker("write `ToolRecorder`, a `TracingProcessor` keeping (name, input, output) of each function span in `self.calls`.")
async def check_tool_recorder(ToolRecorder: Any) -> str:
    """Check a trace processor that records every tool call from its function spans."""
    if not (inspect.isclass(ToolRecorder) and issubclass(ToolRecorder, TracingProcessor)):
        raise Hint("`ToolRecorder` should be a class that subclasses `TracingProcessor` (from agents import ...).")
    if all(getattr(ToolRecorder, name) is getattr(TracingProcessor, name) for name in _PROCESSOR_METHODS):
        raise NotImplementedError
    missing = sorted(getattr(ToolRecorder, "__abstractmethods__", ()))
    if missing:
        raise Hint(f"a TracingProcessor must define all six methods; add {', '.join(missing)} "
                   "(a body of `pass` is fine for the ones you do not need).")
    recorder = ToolRecorder()
    if not isinstance(getattr(recorder, "calls", None), list):
        raise Hint("start with an empty list: `self.calls = []` in `__init__`.")
    errors = await _run_traced_by(recorder)
    if errors:
        method, error = errors[0]
        raise Hint(f"your `{method}` raised {type(error).__name__}: {error}.")
    calls = [tuple(call) for call in recorder.calls]
    if Counter(calls) == Counter(_EXPECTED_CALLS):
        return "ToolRecorder kept both get_weather calls with their input and output, from the trace alone."
    if any(call[-1] is None for call in calls):
        raise Hint("an output is None: a span gets its output when the tool has run, so record in "
                   "`on_span_end`, not `on_span_start`.")
    if len(calls) > len(_EXPECTED_CALLS):
        raise Hint(f"you kept {len(calls)} spans, but only 2 were tool calls: keep a span only when "
                   "`span.span_data.type == 'function'`.")
    raise Hint(f"expected {_EXPECTED_CALLS} (in any order), got {calls}: keep "
               "`(span.span_data.name, span.span_data.input, span.span_data.output)` for each function span.")


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.
from agents import RunHooks


@reference_solution(check_usage_logger)
def _usage_logger():
    """Subclass `RunHooks` and override the two methods you need, both `async def`: `on_llm_end(self, context,
    agent, response)` and `on_tool_start(self, context, agent, tool)`. Set the counters in `__init__`."""

    class UsageLogger(RunHooks):
        def __init__(self):
            self.llm_calls, self.total_tokens, self.tools_used = 0, 0, []

        async def on_llm_end(self, context, agent, response):
            self.llm_calls += 1
            self.total_tokens += response.usage.total_tokens

        async def on_tool_start(self, context, agent, tool):
            self.tools_used.append(tool.name)

    return UsageLogger


@reference_solution(check_tool_recorder)
def _tool_recorder():
    """A `TracingProcessor` has six methods: `on_trace_start`, `on_trace_end`, `on_span_start`, `on_span_end`,
    `shutdown` and `force_flush`. Only `on_span_end(self, span)` does work: keep spans whose `span.span_data.type`
    is `"function"`."""

    class ToolRecorder(TracingProcessor):
        def __init__(self):
            self.calls = []

        def on_trace_start(self, trace):
            pass

        def on_trace_end(self, trace):
            pass

        def on_span_start(self, span):
            pass

        def on_span_end(self, span):
            data = span.span_data
            if data.type == "function":  # a tool call; other spans are model calls, agents, handoffs
                self.calls.append((data.name, data.input, data.output))

        def shutdown(self):
            pass

        def force_flush(self):
            pass

    return ToolRecorder
