"""The local server under a classroom's load: 50 clients at once on loopback, every request answered within 1 s."""

import json
import re

from tools.bench import load, p99, server_process, server_under_load

_WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Get the weather for a city.",
                                             "parameters": {"type": "object", "required": ["city"],
                                                            "properties": {"city": {"type": "string"}}}}}
_MIX = [  # what a class of notebooks sends: plain turns, tool calls, streams, the Responses API, a mistake
    ("/v1/chat/completions", {"model": "m", "messages": [{"role": "user", "content": "What is 17 * 23 + 4?"}]}),
    ("/v1/chat/completions", {"model": "m", "messages": [{"role": "user", "content": "Weather in Oslo?"}],
                              "tools": [_WEATHER]}),
    ("/v1/chat/completions", {"model": "m", "stream": True, "messages": [{"role": "user", "content": "Hi there"}]}),
    ("/v1/responses", {"model": "m", "input": "Tell me about the sea and ships."}),
    ("/v1/responses", {"model": "m", "input": "Hi", "stream": True}),
    ("/v1/chat/completions", {"model": "m", "messages": []}),  # a 400, answered as fast
]


def test_fifty_clients_at_once_are_all_answered_within_a_second():
    requests = [(path, json.dumps(body)) for path, body in _MIX] * 500  # 3,000 requests
    with server_process() as port:  # its own process, as for a class: the clients here share no lock with it
        load(port, requests[: len(_MIX)], clients=1)  # the engine's and the Responses types' first-use costs
        durations, failures, elapsed = load(port, requests, clients=50)

    assert len(durations) == len(requests) and elapsed < 60
    assert sorted(set(failures)) == ["HTTP 400"] and len(failures) == 500  # only the mistakes, every one answered
    assert p99(durations) < 1.0, f"p99 {p99(durations):.2f} s, slowest {max(durations):.2f} s"


def test_the_benchmark_reports_throughput_and_p99_under_load():
    figure, how = server_under_load(clients=5, requests=100)
    assert re.fullmatch(r"\d+ requests/s, p99 \d+ ms, slowest \d+ ms, none failed", figure)
    assert how == "100 requests from 5 concurrent clients, server in its own process"
