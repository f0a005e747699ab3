"""Every exercise has a nudge and a reference solution, shown only on request, and the solution passes its checker."""

import ast
import asyncio
import importlib
import inspect

import pytest

import course
from course_helpers import progress
from course_helpers.checks import checker, solution_source

# The exercises of the course's notebooks (the README's syllabus): a notebook still being written is left out.
COURSE = {path.stem for path in course.course_notebooks()}
CHECKS = [
    (module, exercise.rpartition(".")[2])
    for module, exercises in progress.exercises().items()
    if module[2:] in COURSE
    for exercise in exercises
]


def checker_of(module, name):
    return getattr(importlib.import_module(f"course_helpers.exercises.{module}"), name)


def arguments(check):
    """What the notebook passes to the checker, made by running the reference solution."""
    made = check.reference(**check.reference.given())
    made = asyncio.run(made) if inspect.iscoroutine(made) else made
    return made if isinstance(made, tuple) else (made,)


def run(check, *args):
    verdict = check(*args)
    return asyncio.run(verdict) if inspect.iscoroutine(verdict) else verdict


def test_every_course_notebook_with_exercises_has_its_module():
    numbers = {module[2:4] for module, _ in CHECKS}
    for notebook in course.course_notebooks():
        source = notebook.read_text(encoding="utf-8")
        if "course_helpers.exercises." in source:
            assert notebook.name[:2] in numbers, f"{notebook.name} calls checkers the progress table does not list"


@pytest.mark.parametrize(("module", "name"), CHECKS)
def test_the_reference_solution_passes_its_checker(module, name, capsys):
    check = checker_of(module, name)
    assert check.reference is not None, f"{module}.{name} has no @reference_solution"
    assert run(check, *arguments(check)), capsys.readouterr().out
    assert capsys.readouterr().out.startswith("✅")


@pytest.mark.parametrize(("module", "name"), CHECKS)
def test_the_solution_shown_is_a_whole_answer_cell(module, name, capsys):
    check = checker_of(module, name)
    check.solution()
    shown = capsys.readouterr().out
    assert shown.startswith(f"# One way to pass {name} (yours may differ):\n")
    code = shown.split("\n", 1)[1]
    assert code.strip() and "..." not in code, code
    ast.parse(code)  # a cell a learner can paste as it is
    assert code.rstrip("\n") == solution_source(check.reference)


@pytest.mark.parametrize(("module", "name"), CHECKS)
def test_the_hint_is_a_nudge_of_its_own(module, name, capsys):
    check = checker_of(module, name)
    check.hint()
    nudge = capsys.readouterr().out
    assert nudge.startswith("💡 ") and len(nudge) > 40
    check(...) if not inspect.iscoroutinefunction(check) else asyncio.run(check(...))
    assert nudge[2:].strip() not in capsys.readouterr().out, "the nudge only repeats the blank hint"


def test_a_checker_without_a_solution_says_so(capsys):
    @checker("write it.")
    def check_nothing(answer):
        return "fine."

    check_nothing.hint()
    check_nothing.solution()
    assert capsys.readouterr().out.splitlines() == [
        "💡 write it.",
        "This exercise has no reference solution yet; `check_nothing.hint()` gives a nudge.",
    ]
