"""The learner's progress: every checker's verdict, kept in a small file in their own work area (my-work/)."""

from __future__ import annotations

import datetime
import importlib
import json
import os
import pkgutil
from collections.abc import Iterable
from pathlib import Path

__all__ = ["exercises", "progress_file", "record", "reset", "show", "table", "verdicts"]

_FILE_NAME = "progress.jsonl"
_PARTS = (("Part I · Foundations", range(0, 21)), ("Part II · Production", range(21, 100)))
_BAR = 20


def progress_file() -> Path | None:
    """Where verdicts go: `COURSE_PROGRESS` if set (`off` keeps none, as in the tests), else
    my-work/progress.jsonl in the course's folder (the learner's own, which git ignores)."""
    if configured := os.environ.get("COURSE_PROGRESS"):
        return None if configured == "off" else Path(configured)
    root = _course_root()
    return root / "my-work" / _FILE_NAME if root else Path.home() / ".agents-course" / _FILE_NAME


def record(exercise: str, passed: bool) -> None:
    """Append one verdict. A file that cannot be written is skipped: progress never breaks a checker."""
    path = progress_file()
    if path is None:
        return
    line = json.dumps({"exercise": exercise, "passed": passed,
                       "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as file:
            file.write(line + "\n")
    except OSError:
        pass


def verdicts() -> list[dict]:
    """Every verdict recorded, oldest first; missing, unreadable or corrupted lines are left out."""
    path = progress_file()
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines() if path else []
    except OSError:
        return []
    found = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("exercise"), str) and entry.get("passed") in (True, False):
            found.append(entry)
    return found


def reset() -> bool:
    """Forget every verdict; true when there was a file to remove."""
    path = progress_file()
    if path is None:
        return False
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def exercises() -> dict[str, list[str]]:
    """Each notebook's exercises, by module ("ex01_dataclasses"), as the checkers' ids, in the module's order.
    In a clone, only modules whose notebook is there (notebooks/01_dataclasses.ipynb) count."""
    from . import exercises as package

    root = _course_root()
    found: dict[str, list[str]] = {}
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name):
        notebook = root / "notebooks" / f"{module_info.name[2:]}.ipynb" if root else None
        if not module_info.name.startswith("ex") or (notebook and not notebook.is_file()):
            continue
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        found[module_info.name] = [value.exercise for value in vars(module).values()
                                   if str(getattr(value, "exercise", "")).startswith(module_info.name + ".")]
    return found


def table(done: Iterable[str] | None = None) -> str:
    """Part I and Part II, one row per notebook: exercises done (passed at least once) out of all, with a bar."""
    done = set(done) if done is not None else {entry["exercise"] for entry in verdicts() if entry["passed"]}
    by_module = exercises()
    lines = []
    for title, numbers in _PARTS:
        modules = [name for name in by_module if int(name[2:4]) in numbers and by_module[name]]
        if not modules:
            continue
        total = sum(len(by_module[name]) for name in modules)
        finished = sum(exercise in done for name in modules for exercise in by_module[name])
        lines.append(f"{title}: {finished} of {total} exercises done  {_bar(finished, total)}")
        for name in modules:
            count = sum(exercise in done for exercise in by_module[name])
            mark = "✅" if count == len(by_module[name]) else "  "
            lines.append(f"  {mark} {name[2:4]} {name[5:]:<32} {count}/{len(by_module[name])}")
        lines.append("")
    return "\n".join(lines).rstrip()


def show() -> None:
    """Print the progress table."""
    print(table())


def _course_root() -> Path | None:
    """The course's folder when this package runs from a clone (as in `course.py lab` and Colab)."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "pyproject.toml").is_file() and (parent / "notebooks").is_dir():
            return parent
    return None


def _bar(done: int, total: int) -> str:
    filled = round(_BAR * done / total) if total else 0
    return f"[{'█' * filled}{'░' * (_BAR - filled)}] {round(100 * done / total) if total else 0}%"


def main(argv: list[str]) -> int:
    """`python3 course.py progress [--reset]`: print the table, or forget every verdict."""
    path = progress_file()
    if argv == ["--reset"]:
        try:
            print(f"Progress reset: removed {path}." if reset() else "Progress reset: there was nothing recorded yet.")
        except OSError as error:
            print(f"Progress was not reset: {path} could not be removed ({error.strerror}); remove it by hand.")
            return 1
        return 0
    print(table())
    print(f"\nVerdicts are kept in {path}; `python3 course.py progress --reset` forgets them." if path
          else "\nProgress is not recorded here (COURSE_PROGRESS=off).")
    return 0
