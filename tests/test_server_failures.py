"""The local server's failure switches (429, 500, stall, drop), over HTTP with httpx and with the SDK's models."""

from __future__ import annotations

import asyncio
import concurrent.futures
import subprocess
import sys
import time

import httpx
import openai
import pytest
from agents import (Agent, ModelRetrySettings, ModelSettings, ModelTimeoutError, OpenAIChatCompletionsModel,
                    OpenAIResponsesModel, Runner, retry_policies, set_tracing_disabled)

from course_helpers.failures import Answer, Failure, FailureSwitch, failure_plan, parse_fail
from course_helpers.model_ids import OFFLINE_MODEL_ID
from course_helpers.server import OfflineServer

QUESTION = [{"role": "user", "content": "What is 2 + 3?"}]
FAST_429 = Failure("429", retry_after=0.05)  # short, so the retries in these tests wait a moment only
BACKOFF = {"initial_delay": 0.01, "jitter": False}


@pytest.fixture(autouse=True, scope="module")
def _no_tracing():
    set_tracing_disabled(True)
    yield
    set_tracing_disabled(False)


def chat(server: OfflineServer, **fields) -> httpx.Response:
    return httpx.post(f"{server.base_url}/chat/completions", json={"model": "m", "messages": QUESTION, **fields},
                      timeout=5)


def outcomes(server: OfflineServer) -> list[str]:
    return [answer.outcome for answer in server.answers]


# ---------------------------------------------------------------- over HTTP


def test_a_429_says_when_to_retry_and_the_next_request_is_answered():
    with OfflineServer(failures={1: Failure("429", retry_after=2.5)}) as server:
        refused, answered = chat(server), chat(server)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "3" and refused.headers["retry-after-ms"] == "2500"
    assert refused.json()["error"]["code"] == "rate_limit_exceeded"
    assert "retry after 2.5 s" in refused.json()["error"]["message"]
    assert answered.status_code == 200 and "5" in answered.json()["choices"][0]["message"]["content"]
    assert outcomes(server) == ["429 (retry after 2.5 s)", "200"]


def test_a_500_is_openais_server_error_shape_on_both_endpoints():
    with OfflineServer(failures={"every": "500"}) as server:
        chat_reply = chat(server)
        responses_reply = httpx.post(f"{server.base_url}/responses", json={"model": "m", "input": "Hi"})
    for reply in (chat_reply, responses_reply):
        assert reply.status_code == 500 and reply.json()["error"]["type"] == "server_error"
    assert [(a.path, a.outcome) for a in server.answers] == [("/v1/chat/completions", "500"), ("/v1/responses", "500")]


def test_a_numbered_failure_wins_over_every_and_other_routes_are_not_counted():
    with OfflineServer(failures={"every": "500", 2: "429"}) as server:
        assert httpx.get(f"{server.base_url}/models").status_code == 200
        statuses = [chat(server).status_code for _ in range(3)]
    assert statuses == [500, 429, 500]
    assert [answer.number for answer in server.answers] == [1, 2, 3]


def test_a_stall_answers_nothing_until_the_client_gives_up_and_the_server_keeps_serving():
    with OfflineServer(failures={1: "stall"}) as server:
        start = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(f"{server.base_url}/chat/completions", json={"model": "m", "messages": QUESTION},
                       timeout=0.3)
        assert 0.3 <= time.monotonic() - start < 2
        assert chat(server).status_code == 200
    assert outcomes(server) == ["stall", "200"]


def test_close_ends_a_stall_at_once():
    server = OfflineServer(failures={"every": "stall"})
    with httpx.Client(timeout=30) as client, concurrent.futures.ThreadPoolExecutor(1) as pool:
        future = pool.submit(client.post, f"{server.base_url}/chat/completions",
                             json={"model": "m", "messages": QUESTION})
        while not server.answers:
            time.sleep(0.01)
        start = time.monotonic()
        server.close()
        assert time.monotonic() - start < 1
        with pytest.raises(httpx.TransportError):  # the stalled client sees the connection end, with no answer
            future.result(timeout=5)


def test_a_dropped_reply_is_cut_off_midway_as_a_network_failure():
    with OfflineServer(failures={1: "drop"}) as server:
        with pytest.raises(httpx.TransportError):
            chat(server)
        assert chat(server).status_code == 200
    assert outcomes(server) == ["drop", "200"]


@pytest.mark.parametrize("path, body, done", [
    ("/chat/completions", {"messages": QUESTION}, "data: [DONE]"),
    ("/responses", {"input": "What is 2 + 3?"}, "event: response.completed"),
])
def test_a_dropped_stream_sends_some_events_then_resets_without_its_end(path, body, done):
    lines: list[str] = []
    with OfflineServer(failures={1: "drop"}) as server:
        with pytest.raises(httpx.TransportError):
            with httpx.stream("POST", f"{server.base_url}{path}", json={"model": "m", "stream": True, **body}) as reply:
                assert reply.status_code == 200
                lines.extend(reply.iter_lines())
        with httpx.stream("POST", f"{server.base_url}{path}", json={"model": "m", "stream": True, **body}) as reply:
            whole = list(reply.iter_lines())
    sent = [line for line in lines if line.startswith("data: ")]
    assert sent and len(sent) < len([line for line in whole if line.startswith("data: ")])
    assert done not in lines and done in whole
    assert server.answers[0] == Answer(1, f"/v1{path}", True, "drop")


def test_bad_requests_are_counted_and_recorded_with_their_status():
    with OfflineServer() as server:
        assert httpx.post(f"{server.base_url}/chat/completions", json={"model": "m", "messages": []}).status_code == 400
        assert chat(server, stream=True).status_code == 200
    assert [str(answer) for answer in server.answers] == [
        "request 1: POST /v1/chat/completions -> 400",
        "request 2: POST /v1/chat/completions (streamed) -> 200",
    ]


# ---------------------------------------------------------------- bad switch values: one sentence naming the fix


@pytest.mark.parametrize("failures, words", [
    ({1: "404"}, "A failure is one of '429', '500', 'stall', 'drop', not '404'"),
    ({0: "429"}, "1 for the first request, or 'every'; not 0"),
    ({"first": "429"}, "not 'first'"),
    ({True: "429"}, "not True"),
    (["429"], "not list"),
    ({1: Failure("429")}, None),
])
def test_bad_failures_are_one_sentence(failures, words):
    if words is None:
        assert failure_plan(failures) == {1: Failure("429")}
        return
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        OfflineServer(failures=failures)


@pytest.mark.parametrize("seconds", [0, -1, 61, float("nan"), "1", True])
def test_a_retry_after_out_of_range_is_one_sentence(seconds):
    with pytest.raises(ValueError, match="retry_after is seconds, more than 0 and at most 60"):
        Failure("429", retry_after=seconds)


def test_fail_values_parse_and_bad_ones_name_the_form():
    assert parse_fail("2:stall") == (2, Failure("stall"))
    assert parse_fail("every:429", 0.5) == ("every", Failure("429", 0.5))
    for text in ("1-429", "1:404", "x:500", ""):
        with pytest.raises(ValueError, match="--fail takes REQUEST:KIND, such as 1:429"):
            parse_fail(text)
    with pytest.raises(ValueError, match="counts requests from 1"):
        parse_fail("0:500")


@pytest.mark.parametrize("args, message", [
    (["--fail", "1:404"], "--fail takes REQUEST:KIND, such as 1:429, 2:stall or every:500 (KIND is one of 429, 500, "
                          "stall, drop), not '1:404'."),
    (["--fail", "1:429", "--fail", "1:500"], "--fail names the same request twice; give each request (or every) one "
                                             "KIND."),
    (["--fail", "1:429", "--retry-after", "soon"], "--retry-after is a number of seconds, such as 0.5, not 'soon'."),
    (["--fail", "1:429", "--retry-after", "0"], "--retry-after is seconds, more than 0 and at most 60 (the most the "
                                                "openai client waits), not 0.0."),
])
def test_the_command_line_refuses_bad_switches_in_one_sentence(args, message):
    done = subprocess.run([sys.executable, "-m", "course_helpers.server", "--port", "0", *args],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 1 and done.stderr.strip() == message


def test_the_command_line_fails_the_requests_it_is_told_to():
    process = subprocess.Popen([sys.executable, "-m", "course_helpers.server", "--port", "0", "--fail", "1:429",
                                "--fail", "2:500", "--retry-after", "0.5"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = process.stdout.readline()
        base_url = banner.split(" at ")[1].split(" ")[0]
        assert process.stdout.readline().strip() == "Request 1 fails: 429 (retry after 0.5 s)."
        assert process.stdout.readline().strip() == "Request 2 fails: 500."
        replies = [httpx.post(f"{base_url}/chat/completions", json={"model": "m", "messages": QUESTION})
                   for _ in range(3)]
        assert [reply.status_code for reply in replies] == [429, 500, 200]
        assert replies[0].headers["retry-after-ms"] == "500"
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert "request 1: POST /v1/chat/completions -> 429 (retry after 0.5 s)" in err


def test_the_switch_keeps_a_bounded_record():
    switch = FailureSwitch({"every": "500"})
    for _ in range(1500):
        number, failure = switch.arrive()
        switch.record(Answer(number, "/v1/chat/completions", False, str(failure)))
    assert len(switch.answers) == 1000 and switch.answers[0].number == 501


# ---------------------------------------------------------------- with the SDK's models


def agent_on(server: OfflineServer, settings: ModelSettings, *, client_retries: int = 0,
             responses: bool = False) -> Agent:
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key="not-needed", max_retries=client_retries)
    model_class = OpenAIResponsesModel if responses else OpenAIChatCompletionsModel
    return Agent(name="calculator", instructions="Answer briefly.", model_settings=settings,
                 model=model_class(model=OFFLINE_MODEL_ID, openai_client=client))


def retrying(max_retries: int = 3, *policies) -> ModelSettings:
    policy = retry_policies.any(*policies) if policies else retry_policies.provider_suggested()
    return ModelSettings(retry=ModelRetrySettings(max_retries=max_retries, backoff=BACKOFF, policy=policy))


@pytest.mark.parametrize("responses", [False, True])
def test_the_runner_retries_a_429_and_a_500_and_then_answers(responses):
    with OfflineServer(failures={1: FAST_429, 2: "500"}) as server:
        result = asyncio.run(Runner.run(agent_on(server, retrying(), responses=responses), "What is 2 + 3?"))
    assert "5" in result.final_output
    assert outcomes(server) == ["429 (retry after 0.05 s)", "500", "200"]


def test_without_retry_settings_the_first_429_is_the_error():
    with OfflineServer(failures={1: FAST_429}) as server:
        with pytest.raises(openai.RateLimitError, match="Rate limit reached"):
            asyncio.run(Runner.run(agent_on(server, ModelSettings()), "What is 2 + 3?"))
    assert outcomes(server) == ["429 (retry after 0.05 s)"]


def test_the_openai_clients_own_retries_are_requests_too():
    with OfflineServer(failures={1: FAST_429, 2: FAST_429}) as server:
        result = asyncio.run(Runner.run(agent_on(server, ModelSettings(), client_retries=2), "What is 2 + 3?"))
    assert "5" in result.final_output and len(server.answers) == 3


def test_when_the_retries_run_out_the_last_error_is_raised():
    with OfflineServer(failures={"every": "500"}) as server:
        with pytest.raises(openai.InternalServerError, match="had an error"):
            asyncio.run(Runner.run(agent_on(server, retrying(max_retries=2)), "What is 2 + 3?"))
    assert outcomes(server) == ["500"] * 3


def test_a_stall_is_a_model_timeout_which_a_timeout_policy_retries():
    with OfflineServer(failures={1: "stall"}) as server:
        with pytest.raises(ModelTimeoutError, match="timed out after 0.2 seconds"):
            asyncio.run(Runner.run(agent_on(server, ModelSettings(timeout=0.2)), "What is 2 + 3?"))
    with OfflineServer(failures={1: "stall"}) as server:
        settings = retrying(2, retry_policies.provider_suggested(), retry_policies.network_error())
        result = asyncio.run(Runner.run(agent_on(server, settings.resolve(ModelSettings(timeout=0.2))),
                                        "What is 2 + 3?"))
    assert "5" in result.final_output and outcomes(server) == ["stall", "200"]


def test_a_dropped_reply_is_retried_but_a_stream_that_already_showed_text_is_not():
    policy = (retry_policies.provider_suggested(), retry_policies.network_error())
    with OfflineServer(failures={1: "drop"}) as server:
        result = asyncio.run(Runner.run(agent_on(server, retrying(2, *policy)), "What is 2 + 3?"))
    assert "5" in result.final_output and outcomes(server) == ["drop", "200"]

    async def stream() -> None:
        run = Runner.run_streamed(agent_on(server, retrying(2, *policy)), "What is 2 + 3?")
        async for _ in run.stream_events():
            pass

    with OfflineServer(failures={1: "drop"}) as server:
        with pytest.raises(openai.APIConnectionError):
            asyncio.run(stream())
    assert outcomes(server) == ["drop"]
