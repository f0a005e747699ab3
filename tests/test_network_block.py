"""Tested notebooks and tests run offline: other hosts are blocked, loopback and Unix sockets keep working."""

import socket
import sys
from pathlib import Path

import nbformat
import pytest

import course

BLOCKED = "Network access is blocked while the course's notebooks are tested"
FIXTURE = Path(__file__).parent / "fixtures" / "uses_network.ipynb"
LINUX = sys.platform == "linux"  # Linux answers on all of 127.0.0.0/8, other systems only on 127.0.0.1


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
