"""The benchmark's measurements (tools/bench.py) on small budgets: real calls, real timings, no fixed numbers."""

import re

import pytest

from tools import bench


@pytest.fixture
def short_loops(monkeypatch):
    monkeypatch.setattr(bench, "_SECONDS_PER_LOOP", 0.2)
    monkeypatch.setattr(bench, "_MAX_CALLS", 200)


def test_decision_latency_times_every_fixed_conversation(short_loops):
    figure, how = bench.decision_latency()
    assert re.fullmatch(r"median \d+\.\d\d ms, p95 \d+\.\d\d ms", figure)
    calls = int(how.split()[0])
    assert calls >= len(bench._CONVERSATIONS) and calls <= 200


def test_server_round_trip_reports_latency_and_throughput(short_loops):
    figure, how = bench.server_round_trip()
    assert re.fullmatch(r"median \d+\.\d\d ms, p95 \d+\.\d\d ms; \d+ requests/s", figure)
    assert int(how.split()[0]) > 0


def test_percentiles_come_from_the_measurements():
    assert bench._median_p95([0.001] * 18 + [0.1] * 2) == "median 1.00 ms, p95 100.00 ms"
    assert bench._median_p95([0.001] * 19 + [0.1]) == "median 1.00 ms, p95 1.00 ms"
    assert bench._median_p95([0.002, 0.004]) == "median 3.00 ms, p95 4.00 ms"


def test_machine_names_cores_and_python():
    assert re.match(r"\d+ cores \(.+\), .+, Python 3\.\d+\.\d+$", bench.machine())
