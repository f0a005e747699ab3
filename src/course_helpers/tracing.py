"""An in-memory trace processor that keeps the last few runs' traces and spans to look at."""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from agents.tracing import Span, Trace, TracingProcessor

MAX_TRACES = 20


class LocalTraceCollector(TracingProcessor):
    """Keeps the last `max_traces` traces and their spans in memory; nothing leaves the machine.

    `setup()` installs one (see `collector()`); the SDK calls the `on_*` methods as runs go.
    """

    def __init__(self, max_traces: int = MAX_TRACES) -> None:
        self.max_traces = max_traces
        self._lock = threading.Lock()
        # trace_id -> (trace, its spans in start order), oldest first.
        self._entries: OrderedDict[str, tuple[Trace, list[Span[Any]]]] = OrderedDict()
        self._finished: set[str] = set()

    def traces(self) -> list[Trace]:
        """The finished traces kept, oldest first."""
        with self._lock:
            return [trace for key, (trace, _) in self._entries.items() if key in self._finished]

    def spans(self, trace_id: str | None = None) -> list[Span[Any]]:
        """The finished spans of one trace, in start order; by default the latest finished trace."""
        with self._lock:
            if trace_id is None:
                trace_id = next((key for key in reversed(self._entries) if key in self._finished), None)
            spans = self._entries[trace_id][1] if trace_id in self._entries else []
            return [span for span in spans if span.ended_at is not None]

    def clear(self) -> None:
        """Forget every trace and span kept so far."""
        with self._lock:
            self._entries.clear()
            self._finished.clear()

    def summary(self, trace_id: str | None = None, *, durations: bool = True) -> str:
        """One line per span of a trace (latest by default): type, name, parent and duration."""
        spans = self.spans(trace_id)
        if not spans:
            return "No finished trace yet: run an agent first."
        trace = self._entries[spans[0].trace_id][0]
        names = {span.span_id: span_name(span) for span in spans}
        depths: dict[str, int] = {}
        lines = [f"Trace {trace.name!r}: {len(spans)} spans"]
        for span in spans:
            depth = depths[span.span_id] = depths.get(span.parent_id or "", -1) + 1
            label = f"{'  ' * depth}{span.span_data.type}: {names[span.span_id]}"
            line = f"{label:<40} parent: {names.get(span.parent_id or '', '-')}"
            if durations:
                line = f"{line:<72} {round(_elapsed_ms(span) or 0)} ms"  # unpadded: only the number varies run to run
            lines.append(line)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"LocalTraceCollector({len(self.traces())} traces kept, max {self.max_traces})"

    # The TracingProcessor interface: the SDK calls these.
    def on_trace_start(self, trace: Trace) -> None:
        with self._lock:
            # A trace id used again (e.g. RunConfig(trace_id=...)) keeps its spans and becomes the newest.
            spans = self._entries.pop(trace.trace_id, (trace, []))[1]
            self._entries[trace.trace_id] = (trace, spans)
            self._finished.discard(trace.trace_id)
            while len(self._entries) > self.max_traces:
                oldest, _ = self._entries.popitem(last=False)
                self._finished.discard(oldest)

    def on_trace_end(self, trace: Trace) -> None:
        with self._lock:
            if trace.trace_id in self._entries:
                self._finished.add(trace.trace_id)

    def on_span_start(self, span: Span[Any]) -> None:
        with self._lock:
            entry = self._entries.get(span.trace_id)
            if entry is not None:
                entry[1].append(span)

    def on_span_end(self, span: Span[Any]) -> None:
        """Nothing to do: spans are kept from their start, and `spans()` shows the finished ones."""

    def shutdown(self) -> None:
        """Nothing to flush: everything is already in memory."""

    def force_flush(self) -> None:
        """Nothing to flush: everything is already in memory."""


def span_name(span: Span[Any]) -> str:
    """A short human name for a span: the agent, tool or model it is about."""
    data = span.span_data
    if data.type == "handoff":
        return f"{data.from_agent} -> {data.to_agent}"
    if data.type == "generation":
        return str(data.model or "generation")
    if data.type == "turn":
        return f"{data.agent_name} #{data.turn}"
    if data.type == "mcp_tools":
        return str(data.server or "mcp_tools")
    return str(getattr(data, "name", None) or data.type)


_collector = LocalTraceCollector()


def collector() -> LocalTraceCollector:
    """The course's trace collector, the one `setup()` installs (also `course.traces`)."""
    return _collector


def span_record(span: Span[Any]) -> dict[str, Any]:
    """One span as JSON-ready data: ids, kind, name, start and end times, duration in ms, and the span's own data."""
    data = span.span_data.export()
    data.pop("type", None)
    return {
        "trace_id": span.trace_id,
        "span_id": span.span_id,
        "parent_id": span.parent_id,
        "kind": span.span_data.type,
        "name": span_name(span),
        "started_at": span.started_at,
        "ended_at": span.ended_at,
        "duration_ms": _elapsed_ms(span),
        "data": data,
    }


def write_jsonl(spans: Iterable[Span[Any]], path: str | os.PathLike[str]) -> int:
    """Write one JSON object per span (see `span_record`) to the file at `path`; return how many were written."""
    lines = [json.dumps(span_record(span), default=str) for span in spans]
    with open(path, "w", encoding="utf-8") as file:
        file.writelines(f"{line}\n" for line in lines)
    return len(lines)


def _elapsed_ms(span: Span[Any]) -> float | None:
    """The span's duration in ms (to the µs), or None while it has not ended."""
    if span.started_at is None or span.ended_at is None:
        return None
    delta = datetime.fromisoformat(span.ended_at) - datetime.fromisoformat(span.started_at)
    return round(delta.total_seconds() * 1000, 3)
