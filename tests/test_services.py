"""course_helpers.services starts real Redis and PostgreSQL servers on 127.0.0.1 and leaves nothing behind."""

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import psycopg
import pytest
import redis

from course_helpers import services


def _children(pid: int) -> set[int]:
    """The pids whose parent is `pid` (PostgreSQL's checkpointer, writer, backends...)."""
    found = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if re.search(rf"^PPid:\s+{pid}$", status.read_text(), re.M):
                found.add(int(status.parent.name))
        except OSError:
            continue  # exited while we looked
    return found


def _alive(pid: int) -> bool:
    """True while `pid` runs; an exited process that no parent has reaped yet (a zombie) counts as gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((services.HOST, port)) == 0


def _binary_version(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def test_redis_answers_as_the_server_started_and_leaves_nothing_behind():
    with services.redis_server() as server:
        client = redis.Redis.from_url(server.url)
        client.set("greeting", "hello")
        info = client.info("server")
        folder = Path(client.config_get("dir")["dir"])
        assert client.get("greeting") == b"hello"
        assert info["process_id"] == server.pid and info["tcp_port"] == server.port
        assert info["redis_version"] == server.version
        assert f"v={server.version} " in _binary_version(services.shutil.which("redis-server"), "--version")
        assert server.url == f"redis://127.0.0.1:{server.port}/0" and folder.is_dir()
        client.close()
    assert not _alive(server.pid) and not _port_open(server.port) and not folder.exists()


def test_postgres_answers_as_the_server_started_not_as_root_and_leaves_nothing_behind():
    with services.postgres_server() as server:
        with psycopg.connect(server.url) as client:
            version = client.execute("SELECT version()").fetchone()[0]
            folder = Path(client.execute("SHOW data_directory").fetchone()[0]).parent
            backend = client.execute("SELECT pg_backend_pid()").fetchone()[0]
            client.execute("CREATE TABLE notes (body text)")
            client.execute("INSERT INTO notes VALUES ('kept')")
            assert backend in _children(server.pid)  # this connection is served by the postmaster we started
            children = _children(server.pid)

        async def through_asyncpg() -> str:
            connection = await asyncpg.connect(server.asyncpg_url.replace("+asyncpg", ""))
            try:
                return await connection.fetchval("SELECT body FROM notes")
            finally:
                await connection.close()

        assert asyncio.run(through_asyncpg()) == "kept"
        assert version.startswith(f"PostgreSQL {server.version} ")
        postgres = services._postgres_bin() / "postgres"
        assert f"(PostgreSQL) {server.version}" in _binary_version(str(postgres), "--version")
        assert server.asyncpg_url == f"postgresql+asyncpg://course@127.0.0.1:{server.port}/postgres"
        uid = re.search(r"^Uid:\s+(\d+)", Path(f"/proc/{server.pid}/status").read_text(), re.M).group(1)
        assert int(uid) != 0 and folder.is_dir()  # PostgreSQL refuses root; as root it runs as nobody
    assert not _alive(server.pid) and not _port_open(server.port) and not folder.exists()
    assert children and not any(_alive(pid) for pid in children)


def test_two_servers_at_once_get_different_ports_and_answer_separately():
    with services.redis_server() as first, services.redis_server() as second, \
            services.postgres_server() as one, services.postgres_server() as other:
        assert len({first.port, second.port, one.port, other.port}) == 4
        redis.Redis.from_url(first.url).set("who", "first")
        assert redis.Redis.from_url(second.url).get("who") is None
        with psycopg.connect(one.url) as client:
            client.execute("CREATE TABLE only_here (x int)")
        with psycopg.connect(other.url) as client:
            assert client.execute("SELECT to_regclass('only_here')").fetchone()[0] is None


def test_a_missing_server_is_one_sentence_with_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with neither server on it
    monkeypatch.setattr(services, "_POSTGRES_HOMES", str(tmp_path / "postgresql" / "*" / "bin"))
    monkeypatch.delenv("CI", raising=False)
    for service, start, package in [("redis", services.redis_server, "redis-server"),
                                    ("postgres", services.postgres_server, "postgresql")]:
        sentence = services.missing(service)
        assert f"apt-get install -y {package}" in sentence and f"!apt-get install -y {package}" in sentence
        assert sentence.endswith(".") and ". " not in sentence
        with pytest.raises(services.ServiceMissing) as raised:
            with start():
                pass
        assert str(raised.value) == sentence
    assert services.missing("PostgreSQL") == services.missing("postgres")


def test_under_ci_a_missing_server_fails_instead_of_skipping(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(services.ServiceMissing, match="apt-get install -y redis-server"):
        services.missing("redis")


def test_an_installed_server_is_not_missing_and_an_unknown_one_is_named():
    assert services.missing("redis") is None and services.missing("postgres") is None
    with pytest.raises(ValueError, match="ask for 'redis' or 'postgres'"):
        services.missing("mongodb")


def test_a_taken_port_gives_the_servers_own_last_log_line():
    with socket.socket() as taken:
        taken.bind((services.HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(services.ServiceFailed, match=r"Redis did not start on .*: Failed listening on port"):
            with services.redis_server(port=port):
                pass
        with pytest.raises(services.ServiceFailed,
                           match=r"PostgreSQL did not start on .*: FATAL:  could not create any TCP/IP sockets"):
            with services.postgres_server(port=port):
                pass


def test_a_failing_initdb_gives_its_own_last_line():
    with pytest.raises(services.ServiceFailed, match=r"initdb could not create .*role names cannot begin with \"pg_\""):
        with services.postgres_server(user="pg_learner"):
            pass


def test_servers_left_open_are_stopped_when_python_exits():
    leave_open = ("import sys; from course_helpers import services; "
                  "opened = [services.redis_server(), services.postgres_server()]; "
                  "servers = [server.__enter__() for server in opened]; "
                  "print(*(server.pid for server in servers)); sys.stdout.flush()")
    done = subprocess.run([sys.executable, "-c", leave_open], capture_output=True, text=True, timeout=60)
    pids = [int(pid) for pid in done.stdout.split()]
    assert len(pids) == 2, done.stderr
    assert not any(_alive(pid) for pid in pids)


def test_servers_stop_when_the_process_that_started_them_is_killed():
    starter = ("import time; from course_helpers import services; "
               "opened = [services.redis_server(), services.postgres_server()]; "
               "servers = [server.__enter__() for server in opened]; "
               "print(*(server.pid for server in servers), flush=True); time.sleep(60)")
    process = subprocess.Popen([sys.executable, "-c", starter], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(pid) for pid in process.stdout.readline().split()]
        assert len(pids) == 2 and all(_alive(pid) for pid in pids)
    finally:
        process.kill()  # SIGKILL: no atexit, no finally, as when a kernel is killed
        process.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids)


def test_a_server_that_starts_but_refuses_us_is_stopped_with_one_sentence():
    with pytest.raises(services.ServiceFailed, match=r'started on .* but did not answer: .*"nowhere" does not exist'
                       ) as raised:
        with services.postgres_server(database="nowhere"):
            pass
    port = int(re.search(r"127\.0\.0\.1:(\d+)", str(raised.value)).group(1))
    assert not _port_open(port)
