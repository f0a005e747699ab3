"""Start MCP servers from a notebook: over stdio with the server's stderr in a file, or over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
import tempfile
from collections.abc import AsyncIterator

from agents.mcp import MCPServerStdio
from mcp.client.stdio import stdio_client

_HOST = "127.0.0.1"  # loopback only: nothing outside this machine can reach the server


class NotebookMCPServerStdio(MCPServerStdio):
    """`MCPServerStdio` that gives the server process a real file for its stderr.

    The `mcp` client hands the server the notebook's `sys.stderr`, which in Colab, on Windows and in tests is not
    a file the operating system can write to, so starting the process fails (`UnsupportedOperation: fileno`).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Append mode: the server's writes always land at the end, even after server_stderr() has read the file.
        self._stderr = tempfile.TemporaryFile("a+", encoding="utf-8")

    def create_streams(self):
        return stdio_client(self.params, errlog=self._stderr)

    def server_stderr(self) -> str:
        """What the server process has written to its stderr so far (warnings, errors, a crash's traceback)."""
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing is listening on right now."""
    with socket.socket() as probe:
        probe.bind((_HOST, 0))
        return probe.getsockname()[1]


@contextlib.asynccontextmanager
async def http_server(module: str, *, startup_timeout: float = 30.0) -> AsyncIterator[str]:
    """Run `python -m MODULE --http PORT` on a free port; yield its MCP URL; stop the process on exit."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, "--http", str(port),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await _wait_until_listening(process, module, port, startup_timeout)
        async with _crash_as_one_error(process, module, port):
            yield f"http://{_HOST}:{port}/mcp"
    finally:
        await _stop(process)


@contextlib.asynccontextmanager
async def _crash_as_one_error(process: asyncio.subprocess.Process, module: str, port: int) -> AsyncIterator[None]:
    """If the server process died, any error in the block (the mcp client raises an ExceptionGroup) becomes one."""
    try:
        yield
    except Exception as error:
        if not await _has_exited(process):
            raise
        raise RuntimeError(
            f"The MCP server stopped while in use (exit code {process.returncode}; its client then failed with "
            f"{_first_leaf(error)}); run `python -m {module} --http {port}` in a terminal to see why it stops."
        ) from None


async def _has_exited(process: asyncio.subprocess.Process) -> bool:
    """Whether the server process has ended, giving the event loop a moment to notice an exit."""
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(process.wait(), timeout=0.2)
    return process.returncode is not None


def _first_leaf(error: BaseException) -> str:
    """The first exception inside nested exception groups, as "Type: message"."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return f"{type(error).__name__}: {error}"


async def _wait_until_listening(process: asyncio.subprocess.Process, module: str, port: int, timeout: float) -> None:
    """Poll the port until the server accepts connections; say why if it exits or takes too long."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        if process.returncode is not None:
            error = (await process.stderr.read()).decode(errors="replace").strip().splitlines()
            raise RuntimeError(
                f"The MCP server exited before it was ready ({error[-1] if error else 'no message'}); "
                f"run `python -m {module} --http {port}` in a terminal to see the whole error."
            )
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection(_HOST, port)
            writer.close()
            await writer.wait_closed()
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(
                f"The MCP server did not listen on port {port} within {timeout:g} s; pass a longer startup_timeout "
                f"if the machine is busy, or run `python -m {module} --http {port}` to see what it does."
            )
        await asyncio.sleep(0.05)


async def _stop(process: asyncio.subprocess.Process) -> None:
    """Ask the server to stop (SIGTERM), and kill it if it has not stopped after 5 seconds."""
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout=5)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()
