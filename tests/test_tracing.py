"""The local trace collector: which processors setup() installs, what a run leaves behind, and its bounds."""

from __future__ import annotations

import asyncio
import os

from agents import Agent, Runner, custom_span, function_tool, trace
from agents.tracing import set_trace_processors
import pytest
from conftest import SECRET, processors

from course_helpers import setup
from course_helpers.tracing import LocalTraceCollector, collector

pytestmark = pytest.mark.usefixtures("fresh_course_state")


@function_tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny in {city}"


def run_weather_agent() -> None:
    agent = Agent(name="Assistant", instructions="Be brief.", tools=[get_weather])
    asyncio.run(Runner.run(agent, "What is the weather in Paris?"))


def test_offline_and_gemini_keep_traces_locally_only(fresh_course_state):
    course = setup()
    assert processors() == (course.traces,) and course.traces is collector()
    os.environ["GEMINI_API_KEY"] = SECRET
    setup()
    assert processors() == (collector(),) and fresh_course_state.api_keys == []


def test_openai_also_exports_to_openai_with_the_key(fresh_course_state):
    os.environ["OPENAI_API_KEY"] = SECRET
    setup()
    assert processors() == (fresh_course_state.processor, collector())
    assert fresh_course_state.api_keys == [SECRET]


def test_a_run_leaves_a_trace_with_agent_generation_and_function_spans():
    course = setup()
    course.traces.clear()
    run_weather_agent()
    [workflow] = course.traces.traces()
    spans = course.traces.spans()
    assert spans == course.traces.spans(workflow.trace_id)
    kinds = [span.span_data.type for span in spans]
    assert {"agent", "generation", "function"} <= set(kinds)
    assert all(span.trace_id == workflow.trace_id and span.ended_at for span in spans)


def test_the_summary_lists_each_span_with_its_parent():
    course = setup()
    course.traces.clear()
    run_weather_agent()
    assert course.traces.summary(durations=False).splitlines() == [
        "Trace 'Agent workflow': 7 spans",
        "task: Agent workflow                     parent: -",
        "  agent: Assistant                       parent: Agent workflow",
        "    turn: Assistant #1                   parent: Assistant",
        "      generation: course-offline         parent: Assistant #1",
        "      function: get_weather              parent: Assistant #1",
        "    turn: Assistant #2                   parent: Assistant",
        "      generation: course-offline         parent: Assistant #2",
    ]
    assert all(line.endswith(" ms") for line in course.traces.summary().splitlines()[1:])


def test_clear_forgets_everything():
    course = setup()
    run_weather_agent()
    course.traces.clear()
    assert course.traces.traces() == [] and course.traces.spans() == []
    assert course.traces.summary() == "No finished trace yet: run an agent first."


def test_only_the_last_traces_are_kept():
    kept = LocalTraceCollector(max_traces=2)
    set_trace_processors([kept])
    for name in ("first", "second", "third"):
        with trace(name), custom_span(f"{name} step"):
            pass
    assert [t.name for t in kept.traces()] == ["second", "third"]
    assert [span.span_data.name for span in kept.spans()] == ["third step"]
    assert [span.span_data.name for span in kept.spans(kept.traces()[0].trace_id)] == ["second step"]
    assert repr(kept) == "LocalTraceCollector(2 traces kept, max 2)"


def test_an_unfinished_trace_is_not_listed_yet():
    kept = LocalTraceCollector()
    set_trace_processors([kept])
    with trace("running"):
        with custom_span("done step"):
            pass
        assert kept.traces() == [] and kept.spans() == []
    assert [span.span_data.name for span in kept.spans()] == ["done step"]


def test_a_reused_trace_id_keeps_its_earlier_spans():
    kept = LocalTraceCollector()
    set_trace_processors([kept])
    for step in ("first run", "second run"):
        with trace("conversation", trace_id="trace_course_1"), custom_span(step):
            pass
    assert [t.trace_id for t in kept.traces()] == ["trace_course_1"]
    assert [span.span_data.name for span in kept.spans()] == ["first run", "second run"]


def test_span_records_are_plain_json_with_ids_kind_name_times_and_data(tmp_path):
    import json

    from course_helpers.tracing import span_record, write_jsonl

    kept = LocalTraceCollector()
    set_trace_processors([kept])
    with trace("records"), custom_span("load preferences", {"user": "ada"}):
        pass
    [span] = kept.spans()
    record = span_record(span)
    assert {key: record[key] for key in ("trace_id", "span_id", "parent_id", "kind", "name", "data")} == {
        "trace_id": span.trace_id, "span_id": span.span_id, "parent_id": None, "kind": "custom",
        "name": "load preferences", "data": {"name": "load preferences", "data": {"user": "ada"}},
    }
    assert (record["started_at"], record["ended_at"]) == (span.started_at, span.ended_at)
    assert isinstance(record["duration_ms"], float) and record["duration_ms"] >= 0
    path = tmp_path / "spans.jsonl"
    assert write_jsonl([span, span], path) == 2
    assert [json.loads(line) for line in path.read_text().splitlines()] == [record, record]


def test_a_whole_run_exports_one_line_per_span(tmp_path):
    import json

    from course_helpers.tracing import write_jsonl

    course = setup()
    course.traces.clear()
    run_weather_agent()
    path = tmp_path / "run.jsonl"
    assert write_jsonl(course.traces.spans(), path) == 7
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["kind"] for line in lines] == ["task", "agent", "turn", "generation", "function", "turn", "generation"]
    assert lines[4]["data"]["output"] == "Sunny in Paris" and lines[4]["parent_id"] == lines[2]["span_id"]


def test_summary_durations_differ_only_in_a_number_the_course_sanitisers_hide():
    import re

    from nbval.plugin import get_sanitize_patterns

    import course

    def sanitise(text):
        for regex, replace in get_sanitize_patterns(course.SANITIZERS.read_text()):
            text = re.sub(regex, replace, text)
        return text

    line = f"{'  agent: Assistant':<40} parent: Agent workflow"
    line = f"{line:<72} {{}} ms"  # the layout summary() uses
    assert sanitise(line.format(9)) == sanitise(line.format(123))
    assert sanitise(line.format(9)).endswith(" DURATION") and "9" not in sanitise(line.format(9))
