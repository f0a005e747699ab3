"""The timeline draws a trace's spans in tree order, to scale, coloured by kind, as SVG and as text."""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ElementTree

import pytest
from agents import Agent, Runner, function_tool
from agents.tracing import set_trace_processors
from nbval.plugin import get_sanitize_patterns

import course
from course_helpers import OfflineModel
from course_helpers.timeline import Timeline, timeline
from course_helpers.tracing import LocalTraceCollector

SVG = "{http://www.w3.org/2000/svg}"


def record(span_id, parent_id, kind, name, start_ms, end_ms):
    """A span record as `span_record` makes it, with times in ms after 10:00:00."""
    return {"span_id": span_id, "parent_id": parent_id, "kind": kind, "name": name,
            "started_at": f"2026-11-25T10:00:00.{start_ms * 1000:06d}+00:00",
            "ended_at": f"2026-11-25T10:00:00.{end_ms * 1000:06d}+00:00"}


# Given out of order: the timeline puts each span under its parent, by start time.
RECORDS = [
    record("f", "t", "function", "get_weather", 40, 100),
    record("a", None, "agent", "Weather agent", 0, 200),
    record("g", "t", "generation", "course-offline", 0, 40),
    record("t", "a", "turn", "Weather agent #1", 0, 100),
    record("x", "a", "guardrail", "no <secrets> & co", 100, 200),
]


def bars(svg: str) -> list[tuple[float, float, str]]:
    """(x, width, colour) of each span's bar."""
    root = ElementTree.fromstring(svg)
    return [(float(rect.get("x")), float(rect.get("width")), rect.get("fill"))
            for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]


def test_the_text_timeline_nests_spans_and_draws_them_to_scale():
    assert Timeline("Weather", RECORDS).summary(width=10).splitlines() == [
        "Trace 'Weather': 5 spans, 200 ms",
        "agent: Weather agent                            200 ms │██████████│",
        "  turn: Weather agent #1                        100 ms │█████     │",
        "    generation: course-offline                 40.0 ms │██        │",
        "    function: get_weather                      60.0 ms │  ███     │",
        "  guardrail: no <secrets> & co                  100 ms │     █████│",
    ]


def test_the_picture_is_valid_svg_with_one_bar_per_span_to_scale_and_coloured_by_kind():
    svg = Timeline("Weather", RECORDS)._repr_svg_()
    assert bars(svg) == [
        (330.0, 420.0, "#4e79a7"),  # agent: the whole trace
        (330.0, 210.0, "#d7d2cf"),  # turn: the first half
        (330.0, 84.0, "#f28e2b"),  # generation
        (414.0, 126.0, "#59a14f"),  # function
        (540.0, 210.0, "#e15759"),  # guardrail: the second half
    ]
    texts = [text.text for text in ElementTree.fromstring(svg).iter(f"{SVG}text")]
    assert texts[0] == "Trace 'Weather': 5 spans, 200 ms"
    assert texts[1:6] == ["agent", "generation", "function", "guardrail", "turn"]  # the legend
    assert "guardrail: no <secrets> & co" in texts and "60.0 ms" in texts  # labels (escaped in the SVG)
    assert "no &lt;secrets&gt; &amp; co" in svg


def test_long_names_are_shortened_and_tiny_spans_still_get_a_visible_bar():
    records = [record("a", None, "agent", "An agent with a remarkably long and descriptive name", 0, 999),
               record("b", "a", "handoff", "A -> B", 0, 0)]
    timeline_ = Timeline("Long", records)
    label = next(t.text for t in ElementTree.fromstring(timeline_._repr_svg_()).iter(f"{SVG}text")
                 if t.text and t.text.startswith("agent: "))
    assert label.endswith("…") and len(label) < 45
    assert bars(timeline_._repr_svg_())[1][1] == 1.5
    assert "…" in timeline_.summary().splitlines()[1]


def test_unfinished_spans_are_left_out_and_an_empty_timeline_still_renders():
    unfinished = {**record("u", None, "agent", "Still running", 0, 0), "ended_at": None}
    assert Timeline("Busy", [unfinished]).summary() == "Trace 'Busy': 0 spans, 0.0 ms"
    ElementTree.fromstring(Timeline("Busy", [])._repr_svg_())
    assert repr(Timeline("Weather", RECORDS)) == "<Timeline 'Weather': 5 spans, 200 ms>"


def test_the_course_sanitisers_make_two_runs_of_a_picture_compare_equal():
    slower = [{**r, "ended_at": r["ended_at"].replace(".1", ".3")} for r in RECORDS]
    first, second = Timeline("Weather", RECORDS)._repr_svg_(), Timeline("Weather", slower)._repr_svg_()
    assert first != second

    def sanitise(text):
        for regex, replace in get_sanitize_patterns(course.SANITIZERS.read_text()):
            text = re.sub(regex, replace, text)
        return text

    assert sanitise(first) == sanitise(second)
    assert 'y="76" width="W" height="12"' in sanitise(first) and "DURATION" in sanitise(first)


@function_tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"The weather in {city} is sunny."


def test_timeline_draws_the_latest_trace_of_a_collector():
    kept = LocalTraceCollector()
    set_trace_processors([kept])
    with pytest.raises(LookupError, match="run an agent"):
        timeline(traces=kept)
    agent = Agent(name="Weather agent", tools=[get_weather], model=OfflineModel())
    asyncio.run(Runner.run(agent, "What is the weather in Paris?"))
    drawn = timeline(traces=kept)
    assert drawn.title == "Agent workflow" and len(drawn.rows) == len(kept.spans())
    assert [(row.depth, row.kind) for row in drawn.rows[:5]] == [
        (0, "task"), (1, "agent"), (2, "turn"), (3, "generation"), (3, "function")]
    assert drawn.rows[1].duration_ms >= drawn.rows[2].duration_ms >= 0
    assert timeline(kept.traces()[0].trace_id, traces=kept).rows == drawn.rows
