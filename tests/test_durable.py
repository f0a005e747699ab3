"""Notebook 26's claims, on a real PostgreSQL and real worker processes: a worker killed with SIGKILL mid-run is
restarted and finishes without repeating a finished step; a cron schedule fires once per tick though two workers
run it; a queue's concurrency limit holds across two processes; nothing is left running afterwards."""

import os
import signal
import subprocess
import sys
from collections import Counter
from itertools import count
from pathlib import Path

import psycopg
import pytest
from dbos import DBOSClient

from course_helpers import durable_demo, services

_databases = count(1)


@pytest.fixture(scope="module")
def postgres():
    with services.postgres_server() as server:
        yield server


@pytest.fixture
def db_url(postgres):
    """A fresh database per test, with the ledger table, so no test sees another's workflows."""
    name = f"travel_{next(_databases)}"
    with psycopg.connect(postgres.url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    url = postgres.url.rsplit("/", 1)[0] + f"/{name}"
    durable_demo.prepare(url)
    return url


@pytest.fixture
def client(db_url):
    """A DBOS client: it reads and writes the system database prepare() created, and runs no workflow itself."""
    client = DBOSClient(system_database_url=db_url)
    yield client
    client.destroy()


def _alive(pid: int) -> bool:
    """True while the process runs (a zombie, exited but not yet reaped by its new parent, is not running)."""
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in state


def _workers_on(db_url: str) -> list[int]:
    """The pids of running worker processes serving `db_url`, found by their command lines."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if f"course_helpers.durable_demo\0--db\0{db_url}\0".encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            continue  # exited while we looked
    return [pid for pid in found if _alive(pid)]


def _enqueue_trip(client: DBOSClient, city: str):
    return client.enqueue({"queue_name": durable_demo.QUEUE, "workflow_name": "plan_trip"},
                          f"Book a flight and a hotel in {city}.")


def _checkpointed(client: DBOSClient, workflow_id: str) -> list[str]:
    return [step["function_name"] for step in client.list_workflow_steps(workflow_id, load_output=False)
            if step["completed_at_epoch_ms"] is not None]


def _mine(db_url: str, workflow_id: str) -> list[durable_demo.Entry]:
    return [entry for entry in durable_demo.ledger(db_url) if entry.workflow_id == workflow_id]


def test_a_killed_worker_resumes_without_repeating_a_finished_step(db_url, client, tmp_path):
    first = durable_demo.Worker(db_url, "worker-1", tmp_path).wait_ready()
    trip = _enqueue_trip(client, "Lisbon")
    trip_id = trip.get_workflow_id()

    def flight_checkpointed_and_hotel_started() -> bool:
        started = any(entry.what == "book_hotel" for entry in _mine(db_url, trip_id))
        return started and "book_flight" in _checkpointed(client, trip_id)

    durable_demo.wait_until(flight_checkpointed_and_hotel_started, 60, "the flight booked and the hotel started")
    os.kill(first.pid, signal.SIGKILL)
    assert first.process.wait(10) == -signal.SIGKILL
    before = _mine(db_url, trip_id)
    assert trip.get_status().status == "PENDING"
    assert [entry.finished_at is None for entry in before if entry.what == "book_hotel"] == [True]

    with durable_demo.Worker(db_url, "worker-1", tmp_path).wait_ready() as restarted:
        assert "Lisbon" in trip.get_result(polling_interval_sec=0.05)
    assert trip.get_status().status == "SUCCESS"
    entries = _mine(db_url, trip_id)
    finished = Counter((entry.what, entry.pid) for entry in entries if entry.finished_at is not None)
    assert finished[("book_flight", first.pid)] == 1 and finished[("book_flight", restarted.pid)] == 0
    assert finished[("book_hotel", first.pid)] == 0 and finished[("book_hotel", restarted.pid)] == 1
    # every model call DBOS checkpointed was made once: none was made again after the restart
    model_steps = [name for name in _checkpointed(client, trip_id) if name.endswith("_model_call_step")]
    assert sum(count for (what, _), count in finished.items() if what == "model call") == len(model_steps)
    assert entries[:len(before)] == before  # the killed worker's rows stay as it left them
    assert not _alive(first.pid) and not _alive(restarted.pid) and _workers_on(db_url) == []


def test_a_schedule_fires_once_per_tick_though_two_workers_run_it(db_url, client, tmp_path):
    with durable_demo.Worker(db_url, "worker-1", tmp_path) as one, durable_demo.Worker(db_url, "worker-2", tmp_path) as two:
        one.wait_ready(), two.wait_ready()
        client.create_schedule(schedule_name="digest", workflow_name="nightly_digest", schedule="* * * * * *")
        durable_demo.wait_until(lambda: sum(e.what.startswith("digest") for e in durable_demo.ledger(db_url)) >= 2,
                                60, "two digests")
        client.delete_schedule("digest")
    ticks = Counter(entry.what for entry in durable_demo.ledger(db_url) if entry.what.startswith("digest"))
    assert len(ticks) >= 2 and set(ticks.values()) == {1}
    assert not _alive(one.pid) and not _alive(two.pid) and _workers_on(db_url) == []


def test_the_queue_runs_at_most_one_trip_per_worker_and_both_workers_serve(db_url, client, tmp_path):
    with durable_demo.Worker(db_url, "worker-1", tmp_path) as one, durable_demo.Worker(db_url, "worker-2", tmp_path) as two:
        one.wait_ready(), two.wait_ready()
        trips = [_enqueue_trip(client, city) for city in ("Paris", "Rome", "Oslo", "Porto")]
        results = [trip.get_result(polling_interval_sec=0.05) for trip in trips]
    assert all(city in result for city, result in zip(("Paris", "Rome", "Oslo", "Porto"), results))
    entries = durable_demo.ledger(db_url)
    assert all(len({e.worker for e in entries if e.workflow_id == w}) == 1 for w in {e.workflow_id for e in entries})
    runs = durable_demo.runs(entries)
    assert len(runs) == 4 and {worker for worker, _, _ in runs.values()} == {"worker-1", "worker-2"}
    for worker in ("worker-1", "worker-2"):
        assert durable_demo.most_at_once((start, end) for w, start, end in runs.values() if w == worker) == 1
    assert durable_demo.most_at_once((start, end) for _, start, end in runs.values()) == 2
    assert _workers_on(db_url) == []


def test_a_worker_whose_parent_dies_without_stopping_it_exits_too(db_url, tmp_path):
    parent = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom course_helpers import durable_demo\n"
         "worker = durable_demo.Worker(sys.argv[1], 'orphan', sys.argv[2]).wait_ready()\n"
         "print(worker.pid, flush=True)\ntime.sleep(120)", db_url, str(tmp_path)],
        stdout=subprocess.PIPE, text=True)
    worker_pid = int(parent.stdout.readline())
    parent.kill()  # SIGKILL: the parent's atexit never runs, so nobody stops the worker
    parent.wait()
    parent.stdout.close()
    durable_demo.wait_until(lambda: not _alive(worker_pid), 10, "the orphaned worker to exit")
    assert _workers_on(db_url) == []


def test_most_at_once_counts_overlapping_spans_and_not_touching_ones():
    assert durable_demo.most_at_once([(0, 2), (1, 3), (2, 4), (5, 6)]) == 2  # (0, 2) ends as (2, 4) starts
    assert durable_demo.most_at_once([(0, 9), (1, 3), (2, 4)]) == 3 and durable_demo.most_at_once([]) == 0


def test_a_worker_that_cannot_reach_its_database_says_why(tmp_path):
    worker = durable_demo.Worker("postgresql://course@127.0.0.1:1/postgres", "lost", tmp_path)
    with pytest.raises(durable_demo.WorkerFailed) as caught:
        worker.wait_ready()
    message = str(caught.value)
    assert message.startswith("Worker lost exited with code 1 before it was ready: DBOS could not launch:")
    assert "Connection refused" in message and "\n" not in message
    assert not _alive(worker.pid)


def test_wait_until_names_what_it_waited_for():
    with pytest.raises(TimeoutError, match="Gave up after 0.05 s waiting for the moon."):
        durable_demo.wait_until(lambda: False, 0.05, "the moon")
