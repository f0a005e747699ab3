"""Tested notebooks and tests run offline: other hosts are blocked, loopback and Unix sockets keep working."""

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import course

BLOCKED = "Network access is blocked while the course's notebooks are tested"
FIXTURE = Path(__file__).parent / "fixtures" / "uses_network.ipynb"
LINUX = sys.platform == "linux"  # Linux answers on all of 127.0.0.0/8, other systems only on 127.0.0.1
# `course.py test` as root on Linux runs everything in a network namespace with only loopback (course.loopback_only).
LOOPBACK_ONLY = hasattr(socket, "if_nameindex") and [name for _, name in socket.if_nameindex()] == ["lo"]
needs_namespace = pytest.mark.skipif(
    not LOOPBACK_ONLY, reason="this run can reach other hosts (not in a loopback-only namespace: run as root on Linux)"
)


@pytest.fixture(scope="module")
def fixture_outputs():
    """Outputs of each code cell of uses_network.ipynb, run once in a kernel like the ones nbval starts."""
    notebook = nbformat.read(FIXTURE, as_version=4)
    course.execute_notebook(notebook, FIXTURE.parent, allow_errors=True)
    return [cell.outputs for cell in notebook.cells if cell.cell_type == "code"]


@pytest.mark.kernel
def test_kernel_runs_offline_without_keys_and_like_jupyter(fixture_outputs):
    assert fixture_outputs[0][0].text == "offline []\nstderr has a file descriptor: True\n"


@pytest.mark.kernel
def test_kernel_reaches_a_server_on_loopback(fixture_outputs):
    assert fixture_outputs[1][0].text == "200 hello from loopback\n"


@pytest.mark.kernel
def test_kernel_cannot_reach_an_external_host(fixture_outputs):
    (error,) = fixture_outputs[2]
    assert error.output_type == "error"
    assert error.ename == "URLError"
    assert BLOCKED in error.evalue and "'example.com'" in error.evalue


# The same block is active in this test process (tests/conftest.py). The checks below send no packet even if
# the block were broken: resolving an IP literal and connecting a UDP socket never touch the network.
@pytest.mark.parametrize("address", ["192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"])
def test_resolving_an_external_address_is_blocked(address):
    with pytest.raises(ConnectionError, match=BLOCKED):
        socket.getaddrinfo(address, 80)


def test_resolving_an_external_name_is_blocked():
    with pytest.raises(ConnectionError, match=f"{BLOCKED}: resolving 'example.com'"):
        socket.getaddrinfo("example.com", 443)


@pytest.mark.parametrize("method", ["connect", "connect_ex"])
def test_connecting_to_an_external_address_is_blocked(method):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        with pytest.raises(ConnectionError, match=f"{BLOCKED}: connecting to '192.0.2.1'"):
            getattr(udp, method)(("192.0.2.1", 9))


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1", "::ffff:127.0.0.1", None])
def test_resolving_loopback_works(host):
    assert socket.getaddrinfo(host, 80)


@pytest.mark.parametrize(
    ("bind", "host"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.0.0.1", "localhost"),
        pytest.param("127.0.0.2", "127.0.0.2", marks=pytest.mark.skipif(not LINUX, reason="needs Linux")),
    ],
)
def test_loopback_connections_work(bind, host):
    with socket.create_server((bind, 0)) as server:
        with socket.create_connection((host, server.getsockname()[1]), timeout=5), server.accept()[0]:
            pass


def test_ipv6_loopback_connections_work():
    try:
        server = socket.create_server(("::1", 0), family=socket.AF_INET6)
    except OSError:
        pytest.skip("this machine has no IPv6 loopback")
    with server, socket.create_connection(("::1", server.getsockname()[1]), timeout=5), server.accept()[0]:
        pass


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no Unix sockets on this system")
def test_unix_sockets_work(tmp_path):
    path = str(tmp_path / "s")
    with socket.socket(socket.AF_UNIX) as server, socket.socket(socket.AF_UNIX) as client:
        server.bind(path)
        server.listen()
        client.connect(path)


def test_resolving_this_machines_own_name_is_not_blocked():
    try:
        socket.gethostbyname_ex(socket.gethostname())
    except socket.gaierror:
        pass  # the resolver may not know the name; only the block's ConnectionError would fail this test


# Below Python: in the namespace nothing reaches another host, whatever skips the socket module. Attempts are made
# only there, where the kernel refuses them before any packet leaves (no route: "Network is unreachable").
@needs_namespace
@pytest.mark.kernel
def test_kernel_code_that_skips_the_socket_module_is_blocked_too(fixture_outputs):
    assert fixture_outputs[3][0].text == (
        "_socket IPv4: OSError 101\n_socket IPv6: OSError 101\nsendmsg: NetworkBlockedError None\n"
        "connect.__wrapped__: False\n"
    )
    assert fixture_outputs[4][0].text == "subprocess: OSError: [Errno 101] Network is unreachable\n"
    if shutil.which("curl"):
        assert fixture_outputs[5][0].text.startswith("curl: (7) Failed to connect to 192.0.2.1 port 80")


def test_the_original_connect_is_out_of_reach():
    assert not hasattr(socket.socket.connect, "__wrapped__")
    assert not hasattr(socket.getaddrinfo, "__wrapped__")


@needs_namespace
def test_sendmsg_to_an_external_address_is_blocked():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        with pytest.raises(ConnectionError, match=f"{BLOCKED}: connecting to '192.0.2.1'"):
            udp.sendmsg([b"x"], [], 0, ("192.0.2.1", 9))


PROBE = """
import _socket, shutil, socket, subprocess
print([name for _, name in socket.if_nameindex()])
for family, host in ((_socket.AF_INET, "192.0.2.1"), (_socket.AF_INET6, "2001:db8::1")):
    try:
        _socket.socket(family).connect((host, 80))
    except OSError as error:
        print(host, error.strerror)
with socket.create_server(("127.0.0.1", 0)) as server:
    socket.create_connection(server.getsockname(), timeout=5).close()
    print("loopback works")
if shutil.which("curl"):
    curl = ["curl", "-sS", "--max-time", "5", "http://192.0.2.1/"]
    print(subprocess.run(curl, capture_output=True, text=True).stderr)
"""


@pytest.mark.skipif(course.loopback_only(["x"]) == ["x"], reason="needs Linux, root, unshare and ip")
def test_course_runs_tests_in_a_namespace_with_only_loopback():
    command = course.loopback_only([sys.executable, "-c", PROBE])  # a new namespace, even if this run is in one
    lines = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True).stdout.splitlines()
    assert lines[:4] == [
        "['lo']", "192.0.2.1 Network is unreachable", "2001:db8::1 Network is unreachable", "loopback works"
    ]
    if shutil.which("curl"):
        assert lines[4].startswith("curl: (7) Failed to connect to 192.0.2.1 port 80")


def test_elsewhere_tests_run_unchanged(monkeypatch):
    monkeypatch.setattr(course.os, "geteuid", lambda: 1000)
    assert course.loopback_only(["pytest", "-q"]) == ["pytest", "-q"]
