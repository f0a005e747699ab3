"""The checkers of notebook 15 accept right answers and give specific hints for blank or wrong ones."""

import asyncio

import pytest
from agents import Runner
from agents.tracing import set_trace_processors
from openai.types.responses import ResponseTextDeltaEvent

from course_helpers.exercises.ex15_streaming import check_preview, check_stream_reply
from course_helpers.tracing import LocalTraceCollector


@pytest.fixture(autouse=True)
def local_traces_only():
    """Keep these runs' traces in memory: the SDK's default exporter would warn that no OpenAI key is set."""
    set_trace_processors([LocalTraceCollector()])


def is_text_delta(event):
    return event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent)


stream_reply = check_stream_reply.reference()  # the reference solution, from the package


async def stream_reply_blank(agent, message):
    ...


async def stream_reply_without_streaming(agent, message):
    result = await Runner.run(agent, message)
    return result.final_output


async def stream_reply_with_every_delta(agent, message):
    result = Runner.run_streamed(agent, message)
    text = ""
    async for event in result.stream_events():
        if event.type == "raw_response_event" and hasattr(event.data, "delta"):
            text += event.data.delta
    return text


async def stream_reply_joined_with_spaces(agent, message):
    result = Runner.run_streamed(agent, message)
    return " ".join([event.data.delta async for event in result.stream_events() if is_text_delta(event)])


async def stream_reply_of_the_final_output(agent, message):
    result = Runner.run_streamed(agent, message)
    async for event in result.stream_events():
        pass
    return result.final_output


async def stream_reply_collecting_deltas_in_a_list(agent, message):
    result = Runner.run_streamed(agent, message)
    pieces = [event.data.delta async for event in result.stream_events() if is_text_delta(event)]
    return "".join(pieces)


async def stream_reply_not_consumed(agent, message):
    Runner.run_streamed(agent, message)
    return ""


def check(checker, answer):
    return asyncio.run(checker(answer))


@pytest.mark.parametrize("right", [stream_reply, stream_reply_collecting_deltas_in_a_list])
def test_stream_reply_accepts_a_right_answer(capsys, right):
    assert check(check_stream_reply, right)
    assert capsys.readouterr().out.startswith("✅ stream_reply returned 'The weather in Tokyo is sunny.'")


def test_stream_reply_blank(capsys):
    assert not check(check_stream_reply, stream_reply_blank)
    assert not check(check_stream_reply, ...)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith("✏️ Not attempted yet — write `stream_reply`") for line in lines)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (stream_reply_without_streaming, "`Runner.run` waits for the whole answer"),
        (stream_reply_with_every_delta, "includes the tool call's argument deltas"),
        (stream_reply_joined_with_spaces, "join every text delta with `''`"),
        (stream_reply_not_consumed, "the agent did not run"),
        (stream_reply_of_the_final_output, "that is the whole answer from `result.final_output`"),
    ],
)
def test_stream_reply_typical_mistakes(capsys, answer, hint):
    assert not check(check_stream_reply, answer)
    out = capsys.readouterr().out
    assert out.startswith("🤔 Not quite — ") and hint in out


preview = check_preview.reference()  # the reference solution, from the package


async def preview_that_breaks(agent, message, words):
    result = Runner.run_streamed(agent, message)
    text, seen = "", 0
    async for event in result.stream_events():
        if is_text_delta(event):
            text += event.data.delta
            seen += 1
            if seen == words:
                result.cancel()
                break
    return text, result


async def preview_counting_down(agent, message, words):
    result = Runner.run_streamed(agent, message)
    pieces = []
    async for event in result.stream_events():
        if is_text_delta(event) and len(pieces) < words:
            pieces.append(event.data.delta)
            if len(pieces) == words:
                result.cancel(mode="immediate")
    return "".join(pieces), result


async def preview_blank(agent, message, words):
    ...


def make_preview(cancel_mode=None, off_by_one=0, returns=lambda text, result: (text, result)):
    async def preview_variant(agent, message, words):
        result = Runner.run_streamed(agent, message)
        text, seen = "", 0
        async for event in result.stream_events():
            if is_text_delta(event):
                text += event.data.delta
                seen += 1
                if seen == words + off_by_one and cancel_mode:
                    result.cancel(mode=cancel_mode)
        return returns(text, result)

    return preview_variant


@pytest.mark.parametrize("right", [preview, preview_counting_down])
def test_preview_accepts_a_right_answer(capsys, right):
    assert check(check_preview, right)
    assert capsys.readouterr().out.startswith("✅ preview stops the stream")


def test_preview_blank(capsys):
    assert not check(check_preview, preview_blank)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write `preview`")


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (make_preview(cancel_mode=None), "call `result.cancel()` as soon as you have"),
        (preview_that_breaks, "after `result.cancel()` keep consuming `stream_events()` (no `break`"),
        (make_preview(cancel_mode="after_turn"), "mode='after_turn' lets this answer finish"),
        (make_preview(cancel_mode="immediate", off_by_one=1), "should be 'The weather in', not 'The weather in Tokyo'"),
        (make_preview(cancel_mode="immediate", returns=lambda text, result: text), "return two values"),
        (make_preview(cancel_mode="immediate", returns=lambda text, result: (text, text)), "not a str"),
    ],
)
def test_preview_typical_mistakes(capsys, answer, hint):
    assert not check(check_preview, answer)
    out = capsys.readouterr().out
    assert out.startswith("🤔 Not quite — ") and hint in out
