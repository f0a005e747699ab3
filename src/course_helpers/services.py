"""Throw-away Redis and PostgreSQL servers on 127.0.0.1: a free port, a temporary folder, gone on exit.

`with redis_server() as redis:` and `with postgres_server() as db:` start the installed `redis-server` and
PostgreSQL's own binaries as child processes (no system service, no root needed), wait until they say they are
ready, and stop them on exit (on Linux also when the process that started them is killed). `missing("redis")`
tells a notebook beforehand, in one sentence, what to install; under `CI=true` it raises instead, so a CI run never
skips a lesson.
"""

from __future__ import annotations

import functools
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course_helpers.errors import CourseError

HOST = "127.0.0.1"
_POSTGRES_HOMES = "/usr/lib/postgresql/*/bin"  # where Debian puts initdb and postgres, off PATH
_START_SECONDS = 15.0  # a loaded CI machine; an idle one starts Redis in ~10 ms, PostgreSQL in ~0.5 s
_STOP_SECONDS = 10.0
_INSTALL = {
    "redis": ("Redis", "`redis-server`", "redis-server"),
    "postgres": ("PostgreSQL", "`initdb` and `postgres`", "postgresql"),
}


class ServiceMissing(CourseError):
    """A server this lesson needs is not installed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "Install it, then run this cell again.")


class ServiceFailed(CourseError):
    """A server was installed but did not start; the message ends with its own last log line."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "After the colon is the server's own log line: fix what it names, then try again.")


@dataclass(frozen=True)
class RedisServer:
    """A running Redis: `url` for `redis.Redis.from_url` or `RedisSession.from_url`; `version` as it reports it."""

    url: str
    port: int
    version: str
    pid: int


@dataclass(frozen=True)
class PostgresServer:
    """A running PostgreSQL (trust login on loopback, so no password anywhere); `version` from `SHOW server_version`."""

    url: str
    port: int
    version: str
    pid: int

    @property
    def asyncpg_url(self) -> str:
        """The SQLAlchemy URL with the asyncpg driver, for `SQLAlchemySession.from_url`."""
        return self.url.replace("postgresql://", "postgresql+asyncpg://", 1)


def _postgres_bin() -> Path | None:
    """The folder holding `initdb` and `postgres`: PATH first, then Debian's newest /usr/lib/postgresql/N/bin."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("postgres", path=str(Path(on_path).parent)):
        return Path(on_path).parent
    homes = [Path(home) for home in glob.glob(_POSTGRES_HOMES) if (Path(home) / "postgres").exists()]
    homes = [home for home in homes if (home / "initdb").exists()]
    return max(homes, key=lambda home: int(re.sub(r"\D", "", home.parent.name) or 0), default=None)


def _found(name: str) -> bool:
    return bool(shutil.which("redis-server")) if name == "redis" else _postgres_bin() is not None


def _sentence(name: str) -> str:
    title, binaries, package = _INSTALL[name]
    return (f"{title} is not installed (no {binaries} found), so this lesson cannot start its server; install it with "
            f"`sudo apt-get install -y {package}` (in Colab, run `!apt-get install -y {package}` in a cell).")


def _name(service: str) -> str:
    name = {"redis": "redis", "postgres": "postgres", "postgresql": "postgres"}.get(str(service).lower())
    if name is None:
        raise ValueError(f"Unknown service {service!r}; ask for 'redis' or 'postgres'.")
    return name


def missing(service: str) -> str | None:
    """One sentence on installing `service` ('redis' or 'postgres') when it is missing, else None.

    Under `CI=true` a missing server raises `ServiceMissing` instead: a CI run never skips a lesson."""
    name = _name(service)
    if _found(name):
        return None
    if os.environ.get("CI", "").lower() == "true":
        raise ServiceMissing(_sentence(name))
    return _sentence(name)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _last_line(log: Path, fallback: str) -> str:
    """The log's last FATAL or PANIC line if there is one (the cause), else its last line, prefixes dropped."""
    try:
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        lines = []
    lines = [re.sub(r"^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ . ", "", line) for line in lines]  # Redis's pid, time, level
    fatal = [line for line in lines if line.startswith(("FATAL:", "PANIC:"))]
    return (fatal or lines or [fallback])[-1]


def _stop(process: subprocess.Popen, stop_signal: int) -> None:
    """Ask the server to shut down; past the deadline, kill its whole process group."""
    if process.poll() is None:
        process.send_signal(stop_signal)
        try:
            process.wait(_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # any child still alive (a PostgreSQL backend) goes too
    except (ProcessLookupError, PermissionError, AttributeError):  # AttributeError: Windows has no process groups
        pass
    process.wait()


@functools.cache
def _setpriv() -> str | None:
    """util-linux's `setpriv` when it can set a parent-death signal (since 2.33), else None."""
    setpriv = shutil.which("setpriv") if sys.platform == "linux" else None
    if setpriv is None:
        return None
    done = subprocess.run([setpriv, "--help"], capture_output=True, text=True)
    return setpriv if "--pdeathsig" in done.stdout else None


def tied(command: list[str], stop_signal: int) -> list[str]:
    """`command` under `setpriv --pdeathsig`, so the server gets its stop signal if this process dies (a killed
    kernel) before stopping it; only from the main thread, since Linux sends it when the starting *thread* ends."""
    setpriv = _setpriv() if threading.current_thread() is threading.main_thread() else None
    return [setpriv, f"--pdeathsig={signal.Signals(stop_signal).name}", "--", *command] if setpriv else command


def _start(title: str, command: Callable[[int], list[str]], log: Path, ready: str, version: Callable[[int], str],
           stop_signal: int, port: int | None, **popen) -> tuple[subprocess.Popen, int, str]:
    """Start `command(port)` until its log says `ready`, then ask its version; on a taken free port, try another."""
    for attempt in range(3):
        chosen = port or _free_port()
        with open(log, "w") as out:
            process = subprocess.Popen(tied(command(chosen), stop_signal), stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True, **popen)
        deadline = time.monotonic() + _START_SECONDS
        while process.poll() is None and time.monotonic() < deadline:
            if ready in log.read_text(errors="replace"):  # the server's own word, so no client polls a stranger
                try:
                    return process, chosen, version(chosen)
                except Exception as error:
                    _stop(process, stop_signal)
                    first = (str(error).strip().splitlines() or [type(error).__name__])[0]
                    raise ServiceFailed(f"{title} started on {HOST}:{chosen} but did not answer: {first}") from None
            time.sleep(0.005)
        timed_out = process.poll() is None
        _stop(process, stop_signal)
        cause = _last_line(log, f"it exited with code {process.returncode} and wrote no log")
        if port is None and "already in use" in log.read_text(errors="replace") and attempt < 2:
            continue  # another program took the free port between our check and the server's bind
        if timed_out:
            cause = f"it did not answer within {_START_SECONDS:.0f} s; its last log line: {cause}"
        raise ServiceFailed(f"{title} did not start on {HOST}:{chosen}: {cause}")
    raise AssertionError("unreachable")


@contextmanager
def _folder(prefix: str, owner: Any = None) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        if owner is not None:
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def redis_server(port: int | None = None) -> Iterator[RedisServer]:
    """Run a throw-away Redis on 127.0.0.1 (a free port unless `port` is given), nothing saved to disk."""
    if not _found("redis"):
        raise ServiceMissing(_sentence("redis"))
    import redis

    def command(chosen: int) -> list[str]:
        return [shutil.which("redis-server"), "--port", str(chosen), "--bind", HOST, "--dir", str(folder),
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes"]

    def ask_version(chosen: int) -> str:
        with redis.Redis(host=HOST, port=chosen) as client:
            return client.info("server")["redis_version"]

    with _folder("course-redis-") as folder:
        process, chosen, version = _start("Redis", command, folder / "redis.log", "Ready to accept connections",
                                          ask_version, signal.SIGTERM, port,
                                          cwd=folder)
        try:
            yield RedisServer(url=f"redis://{HOST}:{chosen}/0", port=chosen, version=version, pid=process.pid)
        finally:
            _stop(process, signal.SIGTERM)


def _postgres_user() -> Any:
    """None when not root; as root, the `pwd` entry of `nobody`, since PostgreSQL refuses to run as root."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    import pwd  # POSIX only, like root

    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        raise ServiceFailed("PostgreSQL refuses to run as root and this machine has no `nobody` user to run it as; "
                            "run the course as an ordinary user, or create one with `useradd nobody`.") from None


@contextmanager
def postgres_server(port: int | None = None, user: str = "course", database: str = "postgres"
                    ) -> Iterator[PostgresServer]:
    """Run a throw-away PostgreSQL on 127.0.0.1 (a free port unless `port` is given), tuned to start fast.

    `initdb --no-sync` and `fsync=off` trade crash safety, which a throw-away server does not need, for speed."""
    binaries = _postgres_bin()
    if binaries is None:
        raise ServiceMissing(_sentence("postgres"))
    import psycopg

    owner = _postgres_user()
    as_owner = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []} if owner else {}

    def command(chosen: int) -> list[str]:
        settings = {"listen_addresses": HOST, "port": chosen, "unix_socket_directories": "", "fsync": "off",
                    "synchronous_commit": "off", "full_page_writes": "off", "log_line_prefix": "",
                    "logging_collector": "off"}
        return [str(binaries / "postgres"), "-D", str(folder / "data"),
                *(part for name, value in settings.items() for part in ("-c", f"{name}={value}"))]

    def ask_version(chosen: int) -> str:
        with psycopg.connect(host=HOST, port=chosen, user=user, dbname=database) as client:
            return client.execute("SHOW server_version").fetchone()[0]

    with _folder("course-postgres-", owner) as folder:
        init = subprocess.run(
            [str(binaries / "initdb"), "-D", str(folder / "data"), "--no-sync", "--auth=trust", f"--username={user}",
             "--encoding=UTF8", "--locale=C", "--no-instructions"],
            capture_output=True, text=True, cwd=folder, **as_owner)
        if init.returncode != 0:
            (folder / "initdb.log").write_text(init.stdout + init.stderr)
            cause = _last_line(folder / "initdb.log", f"it exited with code {init.returncode}")
            raise ServiceFailed(f"PostgreSQL's initdb could not create a database folder: {cause}")
        process, chosen, version = _start("PostgreSQL", command, folder / "postgres.log",
                                          "database system is ready to accept connections", ask_version, signal.SIGINT,
                                          port, cwd=folder, **as_owner)
        try:
            yield PostgresServer(url=f"postgresql://{user}@{HOST}:{chosen}/{database}", port=chosen, version=version,
                                 pid=process.pid)
        finally:
            _stop(process, signal.SIGINT)  # SIGINT is PostgreSQL's "fast" shutdown: no waiting for clients
