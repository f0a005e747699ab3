"""The checkers of notebook 16 accept right answers and give specific hints for blank or wrong ones."""

import asyncio

import pytest
from agents import AgentHooks, RunHooks, TracingProcessor
from agents.tracing import get_trace_provider

from course_helpers.exercises.ex16_tracing_and_hooks import check_tool_recorder, check_usage_logger


def check(checker, answer):
    return asyncio.run(checker(answer))


UsageLogger = check_usage_logger.reference()  # the reference solution, from the package


class BlankUsageLogger(RunHooks):
    ...


class SyncUsageLogger(UsageLogger):
    def on_llm_end(self, context, agent, response):
        self.llm_calls += 1


class NoInitUsageLogger(RunHooks):
    async def on_llm_end(self, context, agent, response):
        self.llm_calls += 1


class InputTokensLogger(UsageLogger):
    async def on_llm_end(self, context, agent, response):
        self.llm_calls += 1
        self.total_tokens += response.usage.input_tokens


class CountsInLlmStart(UsageLogger):
    async def on_llm_start(self, context, agent, system_prompt, input_items):
        self.llm_calls += 1

    async def on_llm_end(self, context, agent, response):
        self.llm_calls += 1
        self.total_tokens += response.usage.total_tokens


class ToolsAsObjects(UsageLogger):
    async def on_tool_start(self, context, agent, tool):
        self.tools_used.append(tool)


class AgentLevelHooks(AgentHooks):
    async def on_llm_end(self, context, agent, response):
        pass


def test_usage_logger_accepts_a_right_answer(capsys):
    assert check(check_usage_logger, UsageLogger)
    assert capsys.readouterr().out.startswith("✅ UsageLogger counted 2 model calls")


def test_usage_logger_blank(capsys):
    assert not check(check_usage_logger, BlankUsageLogger)
    assert not check(check_usage_logger, ...)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith("✏️ Not attempted yet — write `UsageLogger`") for line in lines)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (SyncUsageLogger, "write `async def on_llm_end(...)`"),
        (NoInitUsageLogger, "has no llm_calls, total_tokens, tools_used"),
        (InputTokensLogger, "add `response.usage.total_tokens`"),
        (CountsInLlmStart, "`llm_calls` is 4: add 1 in `on_llm_end`"),
        (ToolsAsObjects, "append `tool.name`"),
        (AgentLevelHooks, "subclasses `RunHooks`"),
    ],
)
def test_usage_logger_typical_mistakes(capsys, answer, hint):
    assert not check(check_usage_logger, answer)
    out = capsys.readouterr().out
    assert out.startswith("🤔 Not quite — ") and hint in out


ToolRecorder = check_tool_recorder.reference()  # the reference solution, from the package


class BlankRecorder(TracingProcessor):
    ...


class HalfRecorder(TracingProcessor):
    def on_span_end(self, span):
        pass


class StartRecorder(ToolRecorder):
    def on_span_start(self, span):
        super().on_span_end(span)

    def on_span_end(self, span):
        pass


class EverySpanRecorder(ToolRecorder):
    def on_span_end(self, span):
        self.calls.append((span.span_data.type, None, "?"))


class BrokenRecorder(ToolRecorder):
    def on_span_end(self, span):
        self.calls.append(span.span_data.nme)


class NoListRecorder(ToolRecorder):
    def __init__(self):
        pass


def test_tool_recorder_accepts_a_right_answer_and_restores_the_trace_provider(capsys):
    provider = get_trace_provider()
    assert check(check_tool_recorder, ToolRecorder)
    assert capsys.readouterr().out.startswith("✅ ToolRecorder kept both get_weather calls")
    assert get_trace_provider() is provider


def test_tool_recorder_blank(capsys):
    assert not check(check_tool_recorder, BlankRecorder)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write `ToolRecorder`")


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (HalfRecorder, "add force_flush, on_span_start, on_trace_end, on_trace_start, shutdown"),
        (StartRecorder, "record in `on_span_end`, not `on_span_start`"),
        (EverySpanRecorder, "keep a span only when `span.span_data.type == 'function'`"),
        (BrokenRecorder, "your `on_span_end` raised AttributeError"),
        (NoListRecorder, "`self.calls = []`"),
        (RunHooks, "subclasses `TracingProcessor`"),
    ],
)
def test_tool_recorder_typical_mistakes(capsys, answer, hint):
    assert not check(check_tool_recorder, answer)
    out = capsys.readouterr().out
    assert out.startswith("🤔 Not quite — ") and hint in out
