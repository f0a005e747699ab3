"""Measure the course: set-up, each notebook offline next to a bare kernel, the offline model, the local server."""

from __future__ import annotations

import contextlib
import datetime
import http.client
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import nbformat

import course
from course_helpers import chat_load
from course_helpers.model_ids import OFFLINE_MODEL_ID
from course_helpers.offline.conversation import Message, ToolCall, ToolSpec
from course_helpers.offline.engine import decide
from course_helpers.server import start_server

_SECONDS_PER_LOOP = 3.0  # each latency loop stops after this long...
_MAX_CALLS = 5000  # ...or this many calls, whichever comes first
_FLOOR = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import agents")])


def _city(description: str) -> dict:
    return {"type": "object", "properties": {"city": {"type": "string", "description": description}},
            "required": ["city"]}


_TOOLS = (
    ToolSpec("get_weather", "Get the current weather for a city.", _city("The city")),
    ToolSpec("get_time", "Get the local time in a city.", _city("The city")),
    ToolSpec("search_books", "Search the library catalogue for books about a topic.",
             {"type": "object", "properties": {"topic": {"type": "string"}}, "required": ["topic"]}),
    ToolSpec("transfer_to_billing_agent", "Handoff to the billing agent for invoices and refunds.", {}, True),
)
_CALL = ToolCall("call_1", "get_weather", {"city": "Tokyo"})
# A fixed mix of turns: tool choices, a handoff, arithmetic, a course question, a refusal, an answer from a result.
_CONVERSATIONS = (
    [Message("user", "What's the weather in Tokyo?")],
    [Message("user", "What time is it in Paris?")],
    [Message("user", "Search the library catalogue for books about dragons")],
    [Message("user", "I was charged twice on my invoice, can I get a refund?")],
    [Message("user", "What is 17 * 23 + 4?")],
    [Message("user", "What is an agent loop?")],
    [Message("user", "Write me a poem about the sea.")],
    [Message("user", "What's the weather in Tokyo?"), Message("assistant", tool_calls=(_CALL,)),
     Message("tool", "The weather in Tokyo is sunny and 21°C.", tool_call_id="call_1")],
)


def _median_p95(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[math.ceil(0.95 * len(ordered)) - 1]  # nearest rank
    return f"median {statistics.median(ordered) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"


def _loop(call: Callable[[int], object]) -> list[float]:
    """Time `call(i)` for i = 0, 1, ... until the time or call budget is spent; one duration per call."""
    durations: list[float] = []
    deadline = time.perf_counter() + _SECONDS_PER_LOOP
    while len(durations) < _MAX_CALLS and time.perf_counter() < deadline:
        started = time.perf_counter()
        call(len(durations))
        durations.append(time.perf_counter() - started)
    return durations


def decision_latency() -> tuple[str, str]:
    """decide() over the fixed conversations, in turn, after one untimed call that loads word meaning."""
    decide(_CONVERSATIONS[0], _TOOLS)
    durations = _loop(lambda i: decide(_CONVERSATIONS[i % len(_CONVERSATIONS)], _TOOLS))
    return f"{_median_p95(durations)}", f"{len(durations)} calls over {len(_CONVERSATIONS)} fixed conversations"


def server_round_trip() -> tuple[str, str]:
    """POST /v1/chat/completions to the local server from one client, one request at a time."""
    tool = {"type": "function", "function": {"name": "get_weather", "description": _TOOLS[0].description,
                                             "parameters": _TOOLS[0].parameters}}
    body = json.dumps({"model": OFFLINE_MODEL_ID, "tools": [tool],
                       "messages": [{"role": "user", "content": "What's the weather in Tokyo?"}]})

    with start_server() as server:
        def request(_: int) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            connection.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            if response.status != 200:
                raise RuntimeError(f"the local server answered {response.status}: {response.read()[:200]!r}")
            response.read()
            connection.close()

        started = time.perf_counter()
        durations = _loop(request)
        elapsed = time.perf_counter() - started
    return (f"{_median_p95(durations)}; {len(durations) / elapsed:.0f} requests/s",
            f"{len(durations)} requests, one client on 127.0.0.1, a new connection each")


def load(port: int, requests: list[tuple[str, str]], clients: int = 50) -> tuple[list[float], list[str], float]:
    """Send each (path, JSON body) POST from `clients` threads at once; (durations, failures, seconds in all)."""
    durations, failures, lock = [], [], threading.Lock()
    remaining = iter(requests)

    def client() -> None:
        for path, body in remaining:  # the threads share one iterator, so each request is sent once
            started = time.perf_counter()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("POST", path, body, {"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                connection.close()
                failed = None if response.status == 200 else f"HTTP {response.status}"
            except OSError as error:
                failed = type(error).__name__
            with lock:
                durations.append(time.perf_counter() - started)
                if failed:
                    failures.append(failed)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return durations, failures, time.perf_counter() - started


def p99(seconds: list[float]) -> float:
    """The 99th percentile, nearest rank."""
    return sorted(seconds)[math.ceil(0.99 * len(seconds)) - 1]


@contextlib.contextmanager
def server_process() -> Iterator[int]:
    """`python -m course_helpers.server` on a free port, as a teacher starts it for a class; yields the port."""
    process = subprocess.Popen([sys.executable, "-m", "course_helpers.server", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        yield int(process.stdout.readline().split(" at ")[1].split(":")[2].split("/")[0])
    finally:
        process.terminate()
        process.wait()


def server_under_load(clients: int = 50, requests: int = 3000) -> tuple[str, str]:
    """`clients` threads POSTing chat completions at once to a server in its own process, as a classroom would."""
    body = json.dumps({"model": OFFLINE_MODEL_ID, "messages": [{"role": "user", "content": "What is 17 * 23 + 4?"}]})
    with server_process() as port:
        durations, failures, elapsed = load(port, [("/v1/chat/completions", body)] * requests, clients)
    failed = f", {len(failures)} failed ({', '.join(sorted(set(failures)))})" if failures else ", none failed"
    return (f"{len(durations) / elapsed:.0f} requests/s, p99 {p99(durations) * 1000:.0f} ms, slowest "
            f"{max(durations) * 1000:.0f} ms{failed}",
            f"{len(durations)} requests from {clients} concurrent clients, server in its own process")


def _execute_seconds(notebook: nbformat.NotebookNode, folder: Path) -> float:
    started = time.perf_counter()
    course.execute_notebook(notebook, folder)
    return time.perf_counter() - started


def notebook_times() -> list[tuple[str, float]]:
    """(notebook, seconds) for each course notebook run offline in a fresh kernel, as tests run it; nothing is saved."""
    times = []
    for path in course.course_notebooks():
        times.append((path.stem, _execute_seconds(nbformat.read(path, as_version=4), path.parent)))
        print(f"  {path.stem}: {times[-1][1]:.1f} s", flush=True)
    return times


def floor_seconds() -> float:
    """The median of three runs of a notebook whose one cell imports agents: kernel start, import, shutdown."""
    with tempfile.TemporaryDirectory() as folder:
        return statistics.median(_execute_seconds(nbformat.from_dict(_FLOOR), Path(folder)) for _ in range(3))


def warm_setup_seconds() -> float:
    """What every course.py command spends checking that .venv matches the pins (median of five)."""
    durations = []
    for _ in range(5):
        started = time.perf_counter()
        if course.ensure_environment() is None:
            raise RuntimeError(".venv is not ready; run python3 course.py test once first.")
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


def cold_setup_seconds() -> float:
    """course.py's first run on a fresh copy of the repository: a new .venv and the pinned install, no pip cache."""
    with tempfile.TemporaryDirectory() as folder:
        for name in ("course.py", "pyproject.toml", "requirements-lock.txt", "README.md"):
            shutil.copy(course.ROOT / name, folder)
        ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
        shutil.copytree(course.ROOT / "src", Path(folder) / "src", ignore=ignore)
        base_python = getattr(sys, "_base_executable", sys.executable)  # the Python that made .venv, not .venv's
        started = time.perf_counter()
        done = subprocess.run(
            [base_python, "-c", "import sys, course; sys.exit(course.ensure_environment() is None)"],
            cwd=folder, env={**os.environ, "PIP_NO_CACHE_DIR": "1"},
        )
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError("the fresh install failed (pip's error is above).")
    return seconds


# A slice of what a Colab runtime has installed before the setup cell runs (its kernel, the data stack, HTTP).
_COLAB_PREINSTALLED = ("ipykernel", "ipywidgets", "numpy", "pandas", "requests", "httpx", "pydantic", "aiohttp",
                       "jinja2", "pyyaml", "tqdm")


def _megabytes(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 1e6


def colab_setup(source: Path = course.ROOT) -> list[tuple[float, float]]:
    """The setup cell's install as in Colab: a fresh venv that already holds a slice of Colab's packages, then
    `pip install -e` of a copy of the course at `source`, no pip cache; then notebook 05's install of the LiteLLM
    extra, when `source` has it. (seconds, MB added to the venv) for each install."""
    with tempfile.TemporaryDirectory() as folder:
        venv, copy = Path(folder) / "venv", Path(folder) / "course"
        copy.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(source / name, copy)
        shutil.copytree(source / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        base_python = getattr(sys, "_base_executable", sys.executable)
        pip = [course.venv_python(venv), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        if subprocess.run([base_python, "-m", "venv", venv]).returncode or subprocess.run(
                [*pip, *_COLAB_PREINSTALLED]).returncode:
            raise RuntimeError("could not build the Colab-like venv (pip's error is above).")
        extras = tomllib.loads((source / "pyproject.toml").read_text())["project"]["optional-dependencies"]
        figures = []
        for target in [str(copy), *([f"{copy}[litellm]"] if "litellm" in extras else [])]:
            before = _megabytes(venv)
            started = time.perf_counter()
            done = subprocess.run([*pip, "-e", target], env={**os.environ, "PIP_NO_CACHE_DIR": "1"})
            figures.append((time.perf_counter() - started, _megabytes(venv) - before))
            if done.returncode:
                raise RuntimeError("the Colab-style install failed (pip's error is above).")
        return figures


def machine() -> str:
    """Cores, CPU model, operating system and Python: what the figures depend on."""
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    system = platform.platform(terse=True)
    try:
        system = next(line.split("=", 1)[1].strip('"') for line in Path("/etc/os-release").read_text().splitlines()
                      if line.startswith("PRETTY_NAME="))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores ({cpu}), {system}, Python {platform.python_version()}"


def report(cold: bool) -> str:
    """Run every measurement and return the Markdown report."""
    print("course: benchmarking (the notebooks take a few minutes)", flush=True)
    rows = []
    if cold:
        rows.append(("Cold set-up: new .venv and pinned install, no pip cache", f"{cold_setup_seconds():.0f} s",
                     "`course.py`'s first run on a fresh copy"))
        (seconds, megabytes), *litellm = colab_setup()
        rows.append(("Colab-style set-up: the setup cell's install, no pip cache",
                     f"{seconds:.0f} s, {megabytes:.0f} MB",
                     f"a fresh venv holding {', '.join(_COLAB_PREINSTALLED)}, then `pip install -e` of the course"))
        rows.extend(("Colab-style: notebook 05 adds the LiteLLM extra", f"{seconds:.0f} s, {megabytes:.0f} MB",
                     "`pip install -e course[litellm]` after the setup cell's install")
                    for seconds, megabytes in litellm)
    rows.append(("Warm set-up: check that .venv matches the pins", f"{warm_setup_seconds() * 1000:.0f} ms",
                 "before every command"))
    rows.append(("Offline model: one `decide()`", *decision_latency()))
    rows.append(("Local server: one chat completion", *server_round_trip()))
    rows.append(("Local server: a classroom at once", *server_under_load()))
    rows.append(("Chat service (24): simulated users, offline model", *chat_load.bench()))
    floor = floor_seconds()
    times = notebook_times()
    lines = [
        f"Measured on {datetime.date.today().isoformat()}: {machine()}.",
        f"Command: `python3 course.py bench{' --cold' if cold else ''}`.",
        "",
        "| What | Time | How |",
        "| --- | --- | --- |",
        *(f"| {what} | {figure} | {how} |" for what, figure, how in rows),
        "",
        "Each notebook run offline in a fresh kernel, one at a time, next to the floor: a kernel that only imports "
        "`agents` (start, import, shut down).",
        "",
        "| Notebook | Offline run | Above the floor |",
        "| --- | --- | --- |",
        f"| floor: `import agents` | {floor:.1f} s | |",
        *(f"| {name} | {seconds:.1f} s | {round(seconds - floor, 1) + 0.0:+.1f} s |" for name, seconds in times),
        f"| all {len(times)} | {sum(s for _, s in times):.0f} s | {sum(s - floor for _, s in times):+.0f} s |",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    try:
        text = report(cold=argv == ["--cold"])
    except RuntimeError as error:
        print(f"course: {error}", file=sys.stderr)
        return 1
    course.BUILD.mkdir(exist_ok=True)
    (course.BUILD / "bench.md").write_text(text)
    print(text + "\ncourse: wrote build/bench.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
