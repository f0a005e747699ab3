"""The model-variance harness: every notebook, unchanged, through each provider wire against local model variants.

A learner with a key runs the same notebooks on a real model. This runs each notebook as such a learner would
(`setup()` picks a real provider from the environment) against the local server, which answers with the offline
engine's decisions in the style of a variant: prose around answers, one tool call per turn, reasoning items.
A run passes when no cell has an error output, except cells tagged `raises-exception`. It proves the notebooks
do not depend on the offline model's wording, turn count, parallelism, ids or JSON layout, and that each wire
(Responses, Chat Completions, LiteLLM) carries every notebook; it cannot judge what a real model would decide.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat

import course
from course_helpers.server import OfflineServer

KEY = "sk-variance-harness"  # any key: the local server accepts every one
CELL_TIMEOUT = 120  # seconds; offline, the slowest cell takes a few, so a hang fails fast instead of stalling CI


@dataclass(frozen=True)
class Wire:
    """A provider a learner picks, paired with the model variant the local server plays on it."""

    name: str
    provider: str
    variant: str

    def environment(self, base_url: str) -> dict[str, str]:
        """The settings a learner would make for this provider, pointed at the local server at `base_url`."""
        env = course.offline_environment(os.environ)
        env["COURSE_PROVIDER"] = self.provider
        if self.provider == "offline":  # the stored outputs' own settings, to compare a wire with
            return env
        if self.provider == "openai":  # the default model id, and the Responses API, as with a real key
            env.update(OPENAI_API_KEY=KEY, OPENAI_BASE_URL=base_url)
        elif self.provider == "openai-compatible":
            env.update(COURSE_BASE_URL=base_url, COURSE_MODEL="course-offline", COURSE_API_KEY=KEY)
        else:
            env.update(COURSE_BASE_URL=base_url, COURSE_MODEL="openai/course-offline", COURSE_API_KEY=KEY)
        return env


# Every notebook runs once per wire; together the three runs cover every wire and every variant.
WIRES = (
    Wire("responses", "openai", "reasoning"),
    Wire("chat", "openai-compatible", "chatty"),
    Wire("litellm", "litellm", "one-at-a-time"),
)


def wire_named(name: str) -> Wire:
    for wire in WIRES:
        if wire.name == name:
            return wire
    raise ValueError(f"No wire {name!r}: choose one of {', '.join(w.name for w in WIRES)}.")


def errors_in(notebook: nbformat.NotebookNode) -> list[str]:
    """One line per error output of a cell not tagged raises-exception: cell number, error and its first line."""
    found = []
    for number, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or "raises-exception" in cell.metadata.get("tags", []):
            continue
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                first_line = next((line for line in cell.source.splitlines() if line.strip()), "")
                found.append(f"cell {number} ({first_line.strip()[:60]}): {output.ename}: {output.evalue[:300]}")
    return found


def run_notebook(path: Path, wire: Wire, server: OfflineServer) -> list[str]:
    """Execute the notebook at `path` through `wire` against `server`; return its errors (none: it passed)."""
    notebook = nbformat.read(path, as_version=4)
    env = wire.environment(server.base_url)
    course.execute_notebook(notebook, path.parent, allow_errors=True, env=env, timeout=CELL_TIMEOUT)
    return errors_in(notebook)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python3 course.py variance", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: every notebook of the syllabus)")
    parser.add_argument("--wire", action="append", choices=[w.name for w in WIRES], help="only this wire (repeatable)")
    args = parser.parse_args(argv)
    paths = args.notebooks or course.course_notebooks()
    wires = [wire_named(name) for name in args.wire] if args.wire else list(WIRES)
    failed = 0
    for wire in wires:
        with OfflineServer(variant=wire.variant) as server:
            for path in paths:
                start = time.perf_counter()
                errors = run_notebook(path.resolve(), wire, server)
                status = "ok" if not errors else f"{len(errors)} error(s)"
                print(f"{wire.name:9} {wire.variant:13} {path.name:42} {status} ({time.perf_counter() - start:.1f} s)")
                for error in errors:
                    print(f"    {error}")
                failed += bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
