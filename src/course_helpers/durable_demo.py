"""Notebook 26's durable travel agent: DBOS workflows whose model and tool calls are checkpointed in PostgreSQL.

Run as a worker process: `python -m course_helpers.durable_demo --db URL --worker NAME`. It launches DBOS with
NAME as its executor id, so a restarted worker with the same name recovers the workflows the last one left
unfinished, serves the `trips` queue and runs any schedule stored in the database, until SIGTERM. Every real
model call and tool call also writes a row to the `ledger` table, so a call that ran twice shows as two rows.
"""

from __future__ import annotations

import argparse
import atexit
import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from agents import Agent, Model, function_tool
from dbos import DBOS
from dbos_openai_agents import DBOSRunner

from course_helpers.errors import CourseError

# --- What runs inside a worker -------------------------------------------------------------------------------

APP_NAME = "durable-travel"
QUEUE = "trips"
HOTEL_SECONDS = 0.5  # the hotel's booking service is slow: the window in which the notebook kills a worker
_LEDGER_SQL = """CREATE TABLE IF NOT EXISTS ledger (
    id bigserial PRIMARY KEY, workflow_id text, pid int NOT NULL, worker text NOT NULL, what text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(), finished_at timestamptz)"""
_db_url = ""  # the worker's database, set by serve()


def connect(*, autocommit: bool = False) -> Any:
    """A connection to the worker's own database (`async with await connect() as connection:`)."""
    return psycopg.AsyncConnection.connect(_db_url, autocommit=autocommit)


@asynccontextmanager
async def recorded(what: str) -> AsyncIterator[None]:
    """Write a ledger row when `what` starts and stamp it when it finishes; a killed call keeps no finish."""
    async with await connect(autocommit=True) as connection:
        row = await (await connection.execute(
            "INSERT INTO ledger (workflow_id, pid, worker, what) VALUES (%s, %s, %s, %s) RETURNING id",
            (DBOS.workflow_id, os.getpid(), DBOS.executor_id, what))).fetchone()
        yield
        await connection.execute("UPDATE ledger SET finished_at = clock_timestamp() WHERE id = %s", row)


@function_tool
@DBOS.step()
async def book_flight(city: str) -> str:
    """Book a flight to a city."""
    async with recorded("book_flight"):
        return f"Flight to {city} booked."


@function_tool
@DBOS.step()
async def book_hotel(city: str) -> str:
    """Book a hotel room in a city."""
    async with recorded("book_hotel"):
        await asyncio.sleep(HOTEL_SECONDS)
        return f"Hotel in {city} booked."


class _LedgerModel(Model):
    """The course model, with a ledger row per real call (a call DBOS replays from its checkpoint writes none)."""

    def __init__(self, inner: Model) -> None:
        self.inner = inner

    async def get_response(self, *args: Any, **kwargs: Any) -> Any:
        async with recorded("model call"):
            return await self.inner.get_response(*args, **kwargs)

    def stream_response(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.stream_response(*args, **kwargs)


travel_agent: Agent = Agent(
    name="Travel agent",
    instructions="Book every part of the trip the traveller asks for, then confirm what you booked in one sentence.",
    tools=[book_flight, book_hotel],
)


@DBOS.workflow(name="plan_trip")
async def plan_trip(request: str) -> str:
    """The durable agent run: DBOSRunner makes each model call a step; the tools are steps themselves."""
    result = await DBOSRunner.run(travel_agent, request)
    return str(result.final_output)


@DBOS.workflow(name="nightly_digest")
async def nightly_digest(scheduled_at: datetime, context: Any) -> None:
    """The cron job. A real one would mail the day's bookings; this one writes a ledger row naming its tick."""
    await _write_digest(scheduled_at.isoformat())


@DBOS.step()
async def _write_digest(tick: str) -> None:
    async with recorded(f"digest {tick}"):
        pass


def main(argv: list[str] | None = None) -> None:
    """Launch DBOS as one worker and serve until SIGTERM or SIGINT, or until the process that started it exits."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="the PostgreSQL URL of DBOS's system database")
    parser.add_argument("--worker", required=True, help="the executor id; a restart with the same id recovers")
    args = parser.parse_args(argv)
    from course_helpers import setup

    # DBOSRunner swaps in its own model provider, so the agent carries the course's model itself.
    travel_agent.model = _LedgerModel(setup().model)
    serve(APP_NAME, args.db, args.worker,
          lambda: DBOS.register_queue(QUEUE, worker_concurrency=1, global_concurrency=2, polling_interval_sec=0.05))


def serve(app_name: str, db_url: str, worker: str, queues: Callable[[], object]) -> None:
    """Launch DBOS as worker `worker` of `app_name` on `db_url`, register its `queues`, and serve until SIGTERM or
    SIGINT, or until the process that started it exits. Notebook 27's triage worker is served the same way."""
    global _db_url
    _db_url, parent, stop = db_url, os.getppid(), threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        DBOS(config={"name": app_name, "system_database_url": db_url, "executor_id": worker,
                     "log_level": "WARNING", "scheduler_polling_interval_sec": 0.2,
                     "notification_listener_polling_interval_sec": 0.1})
        DBOS.launch()
        queues()
    except Exception as error:
        print(f"DBOS could not launch: {_cause(error)}", flush=True)
        raise SystemExit(1) from None
    print("ready", flush=True)
    while not stop.wait(0.5) and os.getppid() == parent:
        pass
    DBOS.destroy()
    sys.stdout.flush()
    os._exit(0)  # DBOS is shut down; the interpreter's own teardown would take another second and do nothing


def _cause(error: BaseException) -> str:
    """The innermost error's first line (psycopg's own words), without SQLAlchemy's wrapping."""
    while error.__cause__ is not None or error.__context__ is not None:
        error = error.__cause__ or error.__context__
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


# --- What the notebook and the tests use ---------------------------------------------------------------------

def prepare(db_url: str) -> None:
    """Create DBOS's tables and the ledger once, before any worker starts (so two starting at once do not race)."""
    DBOS.migrate(db_url)
    with psycopg.connect(db_url, autocommit=True) as connection:
        connection.execute(_LEDGER_SQL)


@dataclass(frozen=True)
class Entry:
    """One ledger row: who ran what, and whether it finished."""

    workflow_id: str | None
    pid: int
    worker: str
    what: str
    started_at: datetime
    finished_at: datetime | None


def ledger(db_url: str) -> list[Entry]:
    """Every ledger row, oldest first."""
    with psycopg.connect(db_url) as connection:
        rows = connection.execute("SELECT workflow_id, pid, worker, what, started_at, finished_at FROM ledger "
                                  "ORDER BY id").fetchall()
    return [Entry(*row) for row in rows]


def runs(entries: Iterable[Entry]) -> dict[str, tuple[str, datetime, datetime]]:
    """Each finished workflow's worker, and its span: from its first ledger row's start to its last row's finish."""
    by_workflow: dict[str, list[Entry]] = {}
    for entry in entries:
        by_workflow.setdefault(entry.workflow_id, []).append(entry)
    return {workflow: (rows[-1].worker, min(row.started_at for row in rows), max(row.finished_at for row in rows))
            for workflow, rows in by_workflow.items() if all(row.finished_at for row in rows)}


def most_at_once(spans: Iterable[tuple[datetime, datetime]]) -> int:
    """The largest number of (start, end) spans that overlap at one moment."""
    edges = sorted(edge for start, end in spans for edge in ((start, 1), (end, -1)))  # an end sorts before a start
    running = most = 0
    for _, change in edges:
        running += change
        most = max(most, running)
    return most


class WorkerFailed(CourseError):
    """A worker process exited before DBOS had launched in it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "Fix what its last line names (usually the database URL), then run the cell again.")


class Worker:
    """A worker process running this module, its output in `log`; a context manager that stops it."""

    MODULE = "course_helpers.durable_demo"  # what the process runs: `python -m MODULE --db URL --worker NAME`

    def __init__(self, db_url: str, name: str, log_dir: str | Path) -> None:
        self.name = name
        self.log = Path(log_dir) / f"{name}.log"
        with self.log.open("a") as log:
            self._log_start = log.tell()
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.MODULE, "--db", db_url, "--worker", name],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.pid = self.process.pid
        _running.add(self)

    def _output(self) -> list[str]:
        return self.log.read_bytes()[self._log_start:].decode(errors="replace").splitlines()

    def wait_ready(self, timeout: float = 60) -> Worker:
        """Wait until DBOS has launched in the worker; one that exits first raises `WorkerFailed` with its last line."""
        wait_until(lambda: "ready" in self._output() or self.process.poll() is not None, timeout,
                   f"worker {self.name} to start")
        if "ready" not in self._output():
            last = (self._output() or [f"it wrote nothing to {self.log.name}"])[-1]
            raise WorkerFailed(f"Worker {self.name} exited with code {self.process.returncode} before it was "
                               f"ready: {last}")
        return self

    def stop(self, timeout: float = 10) -> int:
        """Ask the worker to finish (SIGTERM), kill it if it has not within `timeout` s; return its exit code."""
        _running.discard(self)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


_running: set[Worker] = set()  # stopped when the kernel exits, if a notebook never stopped them
atexit.register(lambda: [worker.stop() for worker in list(_running)])


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Poll `condition` every 20 ms until it is true; after `timeout` s raise TimeoutError naming `what`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"Gave up after {timeout:g} s waiting for {what}.")
        time.sleep(0.02)


if __name__ == "__main__":
    main()
