"""Draw one trace's spans as a timeline: a picture (SVG) in notebooks, text in terminals."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from .tracing import LocalTraceCollector, collector, span_record

# Colour per span kind (agent, model call, tool, handoff, guardrail, your own); other kinds are grey.
_KIND_COLOURS = {
    "agent": "#4e79a7",
    "generation": "#f28e2b",
    "response": "#f28e2b",
    "function": "#59a14f",
    "handoff": "#b07aa1",
    "guardrail": "#e15759",
    "custom": "#76b7b2",
    "task": "#bab0ac",
    "turn": "#d7d2cf",
}
_OTHER_COLOUR = "#9c9c9c"

# Picture layout, in pixels: labels on the left, durations right-aligned, then the bars.
_WIDTH, _LABEL_X, _INDENT, _DURATION_X, _BAR_X, _BAR_WIDTH = 760, 8, 12, 318, 330, 420
_ROW_HEIGHT, _ROWS_Y, _CHAR_WIDTH = 20, 52, 6.6


@dataclass(frozen=True)
class _Row:
    depth: int
    kind: str
    name: str
    start_ms: float
    duration_ms: float

    @property
    def label(self) -> str:
        return f"{self.kind}: {self.name}"


class Timeline:
    """One trace's spans as bars on a shared time axis, indented by nesting and coloured by kind.

    Jupyter shows it as a picture; `summary()` gives the same timeline as text. `records` are
    dicts as `course_helpers.tracing.span_record` makes them (or as read back from its JSONL file).
    """

    def __init__(self, title: str, records: Sequence[Mapping[str, Any]]) -> None:
        self.title = title
        self.rows = _rows(records)
        self.total_ms = max((row.start_ms + row.duration_ms for row in self.rows), default=0.0)

    def __repr__(self) -> str:
        return f"<Timeline {self.title!r}: {len(self.rows)} spans, {_ms(self.total_ms)}>"

    def summary(self, width: int = 40) -> str:
        """The timeline as text: one line per span with its duration and a bar `width` characters wide."""
        lines = [f"Trace {self.title!r}: {len(self.rows)} spans, {_ms(self.total_ms)}"]
        for row in self.rows:
            label = _shorten("  " * row.depth + row.label, 44)
            start, end = self._cells(row, width)
            bar = " " * start + "█" * (end - start) + " " * (width - end)
            lines.append(f"{label:<44} {_ms(row.duration_ms):>9} │{bar}│")
        return "\n".join(lines)

    def _cells(self, row: _Row, width: int) -> tuple[int, int]:
        if self.total_ms <= 0:
            return 0, 1
        start = min(int(row.start_ms / self.total_ms * width), width - 1)
        end = math.ceil((row.start_ms + row.duration_ms) / self.total_ms * width)
        return start, min(max(end, start + 1), width)

    def _repr_svg_(self) -> str:
        kinds = [kind for kind in _KIND_COLOURS if any(row.kind == kind for row in self.rows)]
        kinds += sorted({row.kind for row in self.rows} - set(kinds))
        height = _ROWS_Y + _ROW_HEIGHT * len(self.rows) + 8
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
            f'viewBox="0 0 {_WIDTH} {height}" font-family="Helvetica, Arial, sans-serif" font-size="12">',
            f'<rect width="{_WIDTH}" height="{height}" fill="white"/>',
            f'<text x="{_LABEL_X}" y="18" font-weight="bold">'
            f"{escape(f'Trace {self.title!r}: {len(self.rows)} spans, {_ms(self.total_ms)}')}</text>",
        ]
        x = _LABEL_X
        for kind in kinds:  # the legend
            parts.append(f'<rect x="{x}" y="29" width="10" height="10" fill="{_colour(kind)}"/>')
            parts.append(f'<text x="{x + 14}" y="38" fill="#333">{escape(kind)}</text>')
            x += 24 + round(len(kind) * _CHAR_WIDTH)
        for index, row in enumerate(self.rows):
            parts.append(self._svg_row(row, _ROWS_Y + index * _ROW_HEIGHT))
        parts.append("</svg>")
        return "\n".join(parts)

    def _svg_row(self, row: _Row, y: int) -> str:
        indent = _LABEL_X + _INDENT * row.depth
        label = _shorten(row.label, int((_DURATION_X - 50 - indent) / _CHAR_WIDTH))
        scale = _BAR_WIDTH / self.total_ms if self.total_ms > 0 else 0.0
        bar_x = _BAR_X + row.start_ms * scale
        bar_width = max(row.duration_ms * scale, 1.5)
        tip = f"{row.label}: {_ms(row.duration_ms)}, starting at +{_ms(row.start_ms)}"
        return (
            f'<g><title>{escape(tip)}</title>'
            f'<text x="{indent}" y="{y + 14}">{escape(label)}</text>'
            f'<text x="{_DURATION_X}" y="{y + 14}" text-anchor="end" fill="#555">{_ms(row.duration_ms)}</text>'
            f'<rect class="bar" x="{bar_x:.1f}" y="{y + 4}" width="{bar_width:.1f}" height="12" rx="2" '
            f'fill="{_colour(row.kind)}"/></g>'
        )


def timeline(trace_id: str | None = None, traces: LocalTraceCollector | None = None) -> Timeline:
    """The latest finished trace (or the one with `trace_id`) in the course's trace collector, as a Timeline."""
    traces = collector() if traces is None else traces
    spans = traces.spans(trace_id)
    if not spans:
        raise LookupError("No finished trace to draw: run an agent (after setup()) first, or check the trace id.")
    title = next((t.name for t in traces.traces() if t.trace_id == spans[0].trace_id), spans[0].trace_id)
    return Timeline(title, [span_record(span) for span in spans])


def _rows(records: Sequence[Mapping[str, Any]]) -> list[_Row]:
    """The records in tree order (each span followed by its children, by start time), with depth and offsets."""
    finished = [r for r in records if r.get("started_at") and r.get("ended_at")]
    if not finished:
        return []
    starts = {r["span_id"]: datetime.fromisoformat(r["started_at"]) for r in finished}
    origin = min(starts.values())
    children: dict[str | None, list[Mapping[str, Any]]] = {}
    for record in sorted(finished, key=lambda r: starts[r["span_id"]]):
        parent = record.get("parent_id") if record.get("parent_id") in starts else None
        children.setdefault(parent, []).append(record)
    rows: list[_Row] = []

    def visit(parent: str | None, depth: int) -> None:
        for record in children.get(parent, []):
            start_ms = (starts[record["span_id"]] - origin).total_seconds() * 1000
            ended = datetime.fromisoformat(record["ended_at"])
            duration_ms = (ended - starts[record["span_id"]]).total_seconds() * 1000
            rows.append(_Row(depth, record["kind"], str(record["name"]), start_ms, duration_ms))
            visit(record["span_id"], depth + 1)

    visit(None, 0)
    return rows


def _colour(kind: str) -> str:
    return _KIND_COLOURS.get(kind, _OTHER_COLOUR)


def _ms(value: float) -> str:
    """A duration for people: one decimal below 100 ms, whole ms above."""
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"
