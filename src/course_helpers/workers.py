"""Run an ASGI app as `uvicorn APP --workers N` on 127.0.0.1: its URL, its worker pids, killing one, a clean stop.

uvicorn's parent process (the supervisor) binds the port and starts N worker processes that share it; when a
worker dies it starts a new one. Everything uvicorn logs goes to a file, so a test can read what was logged.
"""

from __future__ import annotations

import atexit
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import psutil

from course_helpers.errors import CourseError
from course_helpers.services import tied

HOST = "127.0.0.1"
_START_SECONDS = 60.0  # each worker imports the SDK: a second or two when idle, over ten on a busy CI machine
_STOP_SECONDS = 10.0
_READY = "Application startup complete."
_running: set[Workers] = set()  # stopped at exit if a notebook never stops them


class WorkersFailed(CourseError):
    """uvicorn stopped before its workers were ready; the message ends with its last log line."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "That last line is uvicorn's or the app's own words: fix what it names, then rerun.")


class Workers:
    """A running `uvicorn APP --workers N`, started by `start_workers`: its `url`, worker `pids()`, `log`, `stop()`.

    As a context manager it waits until every worker is ready, and stops them all on exit."""

    def __init__(self, process: subprocess.Popen, count: int, folder: tempfile.TemporaryDirectory) -> None:
        self.count = count
        self.supervisor = psutil.Process(process.pid)
        self._process, self._folder = process, folder
        self._log_file = Path(folder.name) / "uvicorn.log"
        self._final_log: str | None = None
        _running.add(self)

    def __enter__(self) -> Workers:
        try:
            self.wait_until_ready(self.count)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def log(self) -> str:
        """Everything uvicorn and the app printed, kept after `stop()`."""
        if self._final_log is not None:
            return self._final_log
        return self._log_file.read_text(errors="replace") if self._log_file.exists() else ""

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT, the port the supervisor bound (it logs it before starting any worker)."""
        self._wait_for(lambda: "running on http://" in self.log, "it opened its port")
        return "http://" + re.search(rf"running on http://({re.escape(HOST)}:\d+)", self.log)[1]

    def pids(self) -> list[int]:
        """The live worker processes: children of the supervisor that multiprocessing spawned."""
        try:
            children = self.supervisor.children()
        except psutil.NoSuchProcess:
            return []
        return sorted(child.pid for child in children if _alive(child) and "spawn_main" in " ".join(child.cmdline()))

    def ready(self) -> int:
        """How many workers have finished starting since uvicorn began, replacements included."""
        return self.log.count(_READY)

    def wait_until_ready(self, count: int) -> None:
        """Wait until `count` workers in all have started: the first ones, then each replacement."""
        self._wait_for(lambda: self.ready() >= count, f"{count} workers had started")

    def kill(self, pid: int) -> None:
        """SIGKILL one worker, as a crash or an out-of-memory kill would, and wait until it is gone."""
        if pid not in self.pids():
            raise ValueError(f"{pid} is not one of this uvicorn's workers; pick one from .pids().")
        os.kill(pid, signal.SIGKILL)
        self._wait_for(lambda: pid not in self.pids(), f"worker {pid} was gone")

    def stop(self) -> None:
        """SIGTERM the supervisor (it stops its workers and waits for them); past the deadline, kill them all."""
        if self._final_log is not None:
            return
        _running.discard(self)
        try:  # every process of uvicorn's (workers, multiprocessing's helpers), so none outlives stop()
            tree = self.supervisor.children(recursive=True)
        except psutil.NoSuchProcess:
            tree = []
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self._process.pid, signal.SIGKILL)  # anything of uvicorn's still alive goes too
        except (ProcessLookupError, PermissionError):
            pass
        self._process.wait()
        psutil.wait_procs(tree, timeout=_STOP_SECONDS)
        self._final_log = self.log
        self._folder.cleanup()

    def _wait_for(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + _START_SECONDS
        while not condition():
            if self._process.poll() is not None:
                raise WorkersFailed(f"uvicorn stopped before {what}: {_last_line(self.log)}")
            if time.monotonic() > deadline:
                raise WorkersFailed(f"uvicorn took over {_START_SECONDS:.0f} s until {what}: {_last_line(self.log)}")
            time.sleep(0.02)


@atexit.register
def _stop_all() -> None:
    for workers in list(_running):
        workers.stop()


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _last_line(log: str) -> str:
    """The last exception line uvicorn logged (the app's own words), else its last line."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"[\w.]+(Error|Exception): ", line)]
    return (errors or lines or ["it logged nothing"])[-1]


def start_workers(app: str, env: Mapping[str, str], workers: int = 2) -> Workers:
    """Start `uvicorn app --workers N` on a free port of 127.0.0.1 with `env` added to the environment; returns
    at once, so other work can go on while the workers import the app (`with` or `wait_until_ready` waits)."""
    folder = tempfile.TemporaryDirectory(prefix="course-uvicorn-")
    # Tied to this process like the course's other servers: a killed kernel takes its workers down too.
    command = tied([sys.executable, "-m", "uvicorn", app, "--host", HOST, "--port", "0", "--workers", str(workers)],
                   signal.SIGTERM)
    with open(Path(folder.name) / "uvicorn.log", "w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env={**os.environ, **env}, start_new_session=True)
    return Workers(process, workers, folder)
