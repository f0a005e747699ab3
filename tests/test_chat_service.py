"""The chat service of notebook 24 on a real Redis: in process with TestClient, then as `uvicorn --workers 2`,
over httpx.

The worker-kill claim is proven on the stored items: after a worker is SIGKILLed between two turns, the
conversation holds every message sent, once each, in order, each answered, and nothing else.
"""

import asyncio
import inspect
import json
import os
import re
import secrets
import subprocess
import sys

import httpx
import psutil
import pytest
import yaml
from fastapi.testclient import TestClient

import course
from course_helpers import chat_load, chat_service
from course_helpers.chat_load import APP, load_test, script
from course_helpers.chat_service import MAX_BODY_BYTES, app, user_key
from course_helpers.services import redis_server
from course_helpers.workers import WorkersFailed, start_workers

SECRET = secrets.token_urlsafe(32)
TIMEOUT = 30  # seconds: a worker's first turn loads the offline model's word vectors, slow on a busy CI machine


@pytest.fixture(scope="module")
def redis():
    with redis_server() as server:
        yield server


@pytest.fixture
def client(redis, monkeypatch, fresh_course_state):
    monkeypatch.setenv("CHAT_REDIS_URL", redis.url)
    monkeypatch.setenv("CHAT_API_KEY", SECRET)
    with TestClient(app) as client:
        yield client


def key(user_id: str) -> dict:
    return {"X-API-Key": user_key(user_id, SECRET)}


def turn(user_id: str, message: str) -> dict:
    return {"user_id": user_id, "message": message}


def user_messages(items: list[dict]) -> list[str]:
    return [item["content"] for item in items if item.get("role") == "user"]


def stored(client, user_id: str) -> list[dict]:
    response = client.get(f"/history/{user_id}", headers=key(user_id))
    assert response.status_code == 200, response.text
    return response.json()["items"]


def sse_events(lines) -> list[tuple[str, object]]:
    """(event, JSON data) pairs from the lines of a text/event-stream."""
    events, name = [], None
    for line in lines:
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            events.append((name, json.loads(line.removeprefix("data: "))))
    return events


# In process, with TestClient ------------------------------------------------------------------------------------


def test_a_turn_is_answered_and_stored_and_the_next_turn_reads_it(client):
    first = client.post("/chat", json=turn("ada", "My name is Ada. What is 12 * 7?"), headers=key("ada"))
    assert first.status_code == 200 and "84" in first.json()["reply"]
    second = client.post("/chat", json=turn("ada", "What is my name?"), headers=key("ada")).json()
    assert "Ada" in second["reply"]  # only the stored first turn says so
    items = stored(client, "ada")
    assert user_messages(items) == ["My name is Ada. What is 12 * 7?", "What is my name?"]
    assert second["stored_items"] == len(items) and int(first.headers["X-Worker"]) == os.getpid()


def test_the_stream_sends_text_deltas_then_the_reply_and_stores_the_turn(client):
    with client.stream("POST", "/chat/stream", json=turn("sse", "What is 84 + 16?"), headers=key("sse")) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response.iter_lines())
    deltas = [data for name, data in events if name == "delta"]
    assert [name for name, _ in events][-1] == "done" and len(deltas) > 1
    done = events[-1][1]
    assert "".join(deltas) == done["reply"] and "100" in done["reply"]
    assert user_messages(stored(client, "sse")) == ["What is 84 + 16?"] and done["stored_items"] == 2


@pytest.mark.parametrize("headers, sentence", [
    ({}, "Send your API key in the X-API-Key header."),
    ({"X-API-Key": "mallory.forged"}, "not one this service issued"),
    ({"X-API-Key": user_key("mallory", "another secret")}, "not one this service issued"),
])
def test_without_a_key_this_service_signed_nothing_is_answered(client, headers, sentence):
    for response in (client.post("/chat", json=turn("mallory", "Hi"), headers=headers),
                     client.get("/history/mallory", headers=headers)):
        assert response.status_code == 401 and sentence in response.json()["detail"]
    assert stored(client, "mallory") == []


def test_a_user_cannot_read_or_write_another_users_conversation(client):
    client.post("/chat", json=turn("alice", "My name is Alice."), headers=key("alice"))
    as_bob = key("bob")
    answers = [client.get("/history/alice", headers=as_bob),
               client.post("/chat", json=turn("alice", "What is my name?"), headers=as_bob),
               client.post("/chat/stream", json=turn("alice", "What is my name?"), headers=as_bob)]
    for response in answers:
        assert response.status_code == 403 and "another user" in response.json()["detail"]
        assert "Alice" not in response.text
    assert user_messages(stored(client, "alice")) == ["My name is Alice."]


@pytest.mark.parametrize("body, field", [
    ({"user_id": "val"}, "message: Field required"),
    ({"user_id": "val", "message": ""}, "message: String should have at least 1 character"),
    ({"user_id": "not a valid id", "message": "Hi"}, "user_id: String should match pattern"),
    ({"user_id": "val", "message": ["Hi"]}, "message: Input should be a valid string"),
])
def test_a_bad_body_is_a_422_in_one_sentence_and_stores_nothing(client, body, field):
    response = client.post("/chat", json=body, headers=key("val"))
    detail = response.json()["detail"]
    assert response.status_code == 422 and detail.startswith(field) and 'Send JSON like {"user_id"' in detail
    assert response.json()["errors"][0]["loc"][0] == "body" and "input" not in response.json()["errors"][0]
    assert stored(client, "val") == []


def test_a_body_that_is_not_json_is_a_422_naming_the_body(client):
    response = client.post("/chat", content=b"hello", headers={**key("val"), "Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["detail"].startswith("the body: JSON decode error")


def test_a_body_past_the_limit_is_a_413_declared_or_chunked_and_stores_nothing(client):
    big = json.dumps(turn("big", "x" * MAX_BODY_BYTES)).encode()
    declared = client.post("/chat", content=big, headers={**key("big"), "Content-Type": "application/json"})
    chunked = client.post("/chat", content=iter([big[:100], big[100:]]),
                          headers={**key("big"), "Content-Type": "application/json"})
    for response in (declared, chunked):
        assert response.status_code == 413
        assert response.json()["detail"] == (f"The request body is larger than {MAX_BODY_BYTES} bytes: "
                                             "send a shorter message.")
    assert stored(client, "big") == []


def test_the_service_does_not_start_without_its_settings(redis, monkeypatch, fresh_course_state):
    monkeypatch.setenv("CHAT_REDIS_URL", redis.url)
    monkeypatch.delenv("CHAT_API_KEY", raising=False)
    with pytest.raises(RuntimeError, match="Set CHAT_API_KEY before starting the chat service."):
        with TestClient(app):
            pass


def test_health_answers_without_a_key(client):
    assert client.get("/health").json() == {"ok": True}


def test_when_redis_is_down_every_route_is_a_503_in_one_sentence(monkeypatch, fresh_course_state):
    with redis_server() as gone_redis:
        url = gone_redis.url  # a port nothing listens on once this server has stopped
    monkeypatch.setenv("CHAT_REDIS_URL", url)
    monkeypatch.setenv("CHAT_API_KEY", SECRET)
    with TestClient(app) as client:
        answers = [client.post("/chat", json=turn("ada", "Hi"), headers=key("ada")),
                   client.get("/history/ada", headers=key("ada")), client.get("/health")]
    for response in answers:
        assert response.status_code == 503
        assert response.json()["detail"] == "The conversation store is not reachable right now: try again in a moment."


# As uvicorn --workers 2, over httpx --------------------------------------------------------------------------------


def new_connections(url: str, user_id: str) -> httpx.Client:
    """A client that opens a new connection per request, so the kernel may hand each one to either worker."""
    return httpx.Client(base_url=url, headers=key(user_id), limits=httpx.Limits(max_keepalive_connections=0),
                        timeout=TIMEOUT)


def gone(processes: list[psutil.Process]) -> bool:
    def dead(process):
        try:
            return process.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True
    return all(dead(process) for process in processes)


def test_a_worker_killed_between_turns_loses_and_duplicates_nothing_and_no_process_is_left(redis):
    sent = [f"What is {n} * 7?" for n in range(1, 9)]
    with start_workers(APP, {"CHAT_REDIS_URL": redis.url, "CHAT_API_KEY": SECRET}) as workers:
        first_workers = workers.pids()
        assert len(first_workers) == 2
        processes = [workers.supervisor, *workers.supervisor.children(recursive=True)]
        replies, served = [], []
        with new_connections(workers.url, "kill") as client:
            for number, message in enumerate(sent):
                if number in (3, 6):  # between two turns, SIGKILL the worker that answered the last one
                    workers.kill(served[-1])
                response = client.post("/chat", json=turn("kill", message))
                assert response.status_code == 200, response.text
                replies.append(response.json())
                served.append(int(response.headers["X-Worker"]))
            items = client.get("/history/kill").json()["items"]
        workers.wait_until_ready(4)  # the supervisor started a replacement for each dead worker
        processes += workers.supervisor.children(recursive=True)
        assert len(workers.pids()) == 2 and not set(first_workers) <= set(workers.pids())
    assert served[3] != served[2] and served[6] != served[5]  # the turns after a kill ran in another process
    assert user_messages(items) == sent  # nothing lost, nothing duplicated, in order
    starts = [i for i, item in enumerate(items) if item.get("role") == "user"]
    assert all(end - start >= 2 for start, end in zip(starts, starts[1:] + [len(items)]))  # every turn answered
    assert replies[-1]["stored_items"] == len(items)
    assert [reply["stored_items"] for reply in replies] == sorted({r["stored_items"] for r in replies})
    assert all(str(n * 7) in reply["reply"] for n, reply in zip(range(1, 9), replies))
    assert gone(processes), "a uvicorn process outlived the service"


@pytest.fixture(scope="module")
def served(redis):
    with start_workers(APP, {"CHAT_REDIS_URL": redis.url, "CHAT_API_KEY": SECRET}) as workers:
        yield workers


def test_turns_of_one_user_sent_at_once_to_both_workers_never_interleave(served):
    async def send_together() -> None:
        async with httpx.AsyncClient(base_url=served.url, headers=key("both"), timeout=TIMEOUT) as one, \
                httpx.AsyncClient(base_url=served.url, headers=key("both"), timeout=TIMEOUT) as other:
            answers = await asyncio.gather(*(client.post("/chat", json=turn("both", f"What is {n} + 1?"))
                                             for n in range(6) for client in (one, other)))
        assert all(answer.status_code == 200 for answer in answers)

    asyncio.run(send_together())
    items = httpx.get(f"{served.url}/history/both", headers=key("both"), timeout=TIMEOUT).json()["items"]
    roles = [item.get("role") for item in items]
    assert len(user_messages(items)) == 12 and roles == ["user", "assistant"] * 12  # each turn whole, one at a time


def test_the_stream_over_the_running_server(served):
    with httpx.stream("POST", f"{served.url}/chat/stream", json=turn("stream", "What is 2 + 3?"),
                      headers=key("stream"), timeout=TIMEOUT) as response:
        events = sse_events(response.iter_lines())
    assert events[-1][0] == "done" and "5" in events[-1][1]["reply"]
    assert "".join(data for name, data in events if name == "delta") == events[-1][1]["reply"]


def test_a_load_test_checks_every_users_history(served):
    report = asyncio.run(load_test(served.url, SECRET, users=30, turns=3, concurrency=10, progress=False))
    assert report.failures == [] and report.problems == [] and report.histories_ok == 30
    assert report.turns == 90 and report.turns_per_second > 0 and report.percentile(50) <= report.percentile(99)
    assert script(7, 2) == ["What is 7 + 0?", "What is 7 + 1?"]


def test_the_api_key_and_user_keys_are_never_logged(served):
    httpx.post(f"{served.url}/chat", json=turn("logs", "Hi"), headers=key("logs"), timeout=TIMEOUT)
    httpx.post(f"{served.url}/chat", json=turn("logs", "Hi"), headers={"X-API-Key": SECRET}, timeout=TIMEOUT)
    log = served.log
    assert '"POST /chat HTTP/1.1" 200' in log and '"POST /chat HTTP/1.1" 401' in log  # the requests were logged...
    assert SECRET not in log and user_key("logs", SECRET) not in log  # ...their keys were not


def test_only_a_worker_of_this_uvicorn_can_be_killed(served):
    with pytest.raises(ValueError, match="is not one of this uvicorn's workers; pick one from .pids()"):
        served.kill(os.getpid())
    assert len(served.pids()) == 2


_ORPHAN = """
import sys
from course_helpers.workers import start_workers
workers = start_workers(sys.argv[1], {"CHAT_REDIS_URL": sys.argv[2], "CHAT_API_KEY": sys.argv[3]}, workers=1)
workers.wait_until_ready(1)  # serving, as a notebook's workers are when its kernel dies (and setpriv has tied them)
print(workers.supervisor.pid, flush=True)
sys.stdin.read()  # until killed
"""


def test_workers_whose_starter_is_killed_stop_too(redis):
    starter = subprocess.Popen([sys.executable, "-c", _ORPHAN, APP, redis.url, SECRET], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    supervisor = psutil.Process(int(starter.stdout.readline()))
    starter.kill()  # a kernel killed without stopping its workers
    starter.wait()
    assert supervisor.wait(timeout=30) is not None or not supervisor.is_running()


def test_workers_that_cannot_start_say_why(redis):
    with pytest.raises(WorkersFailed, match="Set CHAT_API_KEY before starting the chat service"):
        with start_workers(APP, {"CHAT_REDIS_URL": redis.url, "CHAT_API_KEY": ""}, workers=1):
            pass


# The ladder on paper: deploy/ names what really exists ------------------------------------------------------------


def test_the_deploy_files_run_this_module_with_the_settings_it_reads():
    deploy = course.ROOT / "deploy"
    command = re.search(r"^CMD (\[.*\])$", (deploy / "Dockerfile").read_text(), re.M)[1]
    assert json.loads(command)[:2] == ["uvicorn", APP]
    deployment, service, autoscaler = yaml.safe_load_all((deploy / "kubernetes" / "chat-service.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    settings = {variable["name"] for variable in container["env"]}
    assert settings == set(re.findall(r'"(CHAT_[A-Z_]+)"', inspect.getsource(chat_service.lifespan)))
    assert container["readinessProbe"]["httpGet"]["path"] == "/health" and "/health" in {r.path for r in app.routes}
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert autoscaler["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    for name, kind in (("statestore", "state.redis"), ("lock", "lock.redis")):
        component = yaml.safe_load((deploy / "dapr" / f"{name}.yaml").read_text())
        assert component["kind"] == "Component" and component["spec"]["type"] == kind



def test_the_benchmark_row_reports_throughput_latency_and_intact_histories():
    figure, how = chat_load.bench(users=10, turns=2, concurrency=5)
    assert re.fullmatch(r"\d+ turns/s, p50 \d+ ms, p99 \d+ ms; all 10 histories intact", figure)
    assert how.startswith("10 users x 2 turns, 5 in flight")
