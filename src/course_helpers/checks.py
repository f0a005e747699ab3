"""Exercise checkers: turn a learner's answer into one line of kind, specific feedback."""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import textwrap
from collections.abc import Sequence
from typing import Any, Callable, Generic, TypeVar

from pydantic import BaseModel

from . import progress

__all__ = ["Hint", "Verdict", "checker", "is_blank", "listed", "offline_run_config", "reference_solution",
           "solution_source"]

_T = TypeVar("_T")
_FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)


class Hint(Exception):
    """Raise inside a check function to tell the learner what to change."""


@dataclasses.dataclass(frozen=True)
class Verdict:
    """What a checker returns: true when the answer passed. The checker has printed `message`, so IPython shows
    nothing more (a bare bool would add an `Out[n]: False` under it)."""

    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def _ipython_display_(self) -> None:
        """Display nothing: the message is already printed once, above."""


def checker(blank_hint: str, *, value_answer: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Turn `fn(answer, ...) -> str | None` into a checker that prints feedback and returns a `Verdict`.

    The checker never raises. A blank answer (see `is_blank`, or code that raises
    NotImplementedError) prints "✏️ Not attempted yet — <blank_hint>"; `raise Hint(msg)` in
    `fn` prints "🤔 Not quite — <msg>"; any other exception prints its type and message;
    success prints "✅ <message returned by fn>". If `fn` is async the checker is async too.
    With `value_answer=True` (the answer is a dict, a string...), only `...` and None are blank:
    a function or class passed instead is an answer of the wrong kind, for `fn` to judge.
    A course checker (one in `course_helpers.exercises`) records each verdict in the learner's progress file
    (`course_helpers.progress`); every checker has `.hint()` and `.solution()` (see `reference_solution`).
    """

    def blank(args: tuple[Any, ...]) -> bool:
        if value_answer:
            return any(arg is ... or arg is None for arg in args)
        return any(is_blank(arg) for arg in args)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        exercise = _exercise_id(fn)
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def check_async(*args: Any, **kwargs: Any) -> Verdict:
                if blank(args):
                    return _recorded(exercise, _report_blank(blank_hint))
                try:
                    message = await fn(*args, **kwargs)
                except Exception as error:
                    return _recorded(exercise, _report_error(error, blank_hint))
                return _recorded(exercise, _report_success(message))

            return _with_help(check_async, exercise, blank_hint)

        @functools.wraps(fn)
        def check(*args: Any, **kwargs: Any) -> Verdict:
            if blank(args):
                return _recorded(exercise, _report_blank(blank_hint))
            try:
                message = fn(*args, **kwargs)
            except Exception as error:
                return _recorded(exercise, _report_error(error, blank_hint))
            return _recorded(exercise, _report_success(message))

        return _with_help(check, exercise, blank_hint)

    return decorate


def reference_solution(
    check: Callable[..., Any], *, given: Callable[[], dict[str, Any]] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Make the decorated function `check`'s reference solution, shown only when the learner asks.

    Its docstring is the nudge `check.hint()` prints; its body, up to the last line, is the answer cell
    `check.solution()` prints; that last line returns what the notebook passes to `check`. Its parameters are
    names the notebook defined before the exercise; `given()` makes them as the notebook does, for the tests.
    """

    def register(solution: Callable[..., Any]) -> Callable[..., Any]:
        if not isinstance(_definition(solution).body[-1], ast.Return):
            raise TypeError(f"{solution.__name__} must end with `return` and the checker's arguments.")
        solution.given = given or dict  # type: ignore[attr-defined]
        check.reference = solution  # type: ignore[attr-defined]
        return solution

    return register


def solution_source(solution: Callable[..., Any]) -> str:
    """The answer cell a reference solution holds: its body without the docstring and the final `return`."""
    definition = _definition(solution)
    body = definition.body
    has_docstring = isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    start = body[0].end_lineno if has_docstring else body[0].lineno - 1
    lines = _source(solution).splitlines()[start : body[-1].lineno - 1]
    return textwrap.dedent("\n".join(lines)).strip("\n")


def _with_help(check: Callable[..., Any], exercise: str | None, blank_hint: str) -> Callable[..., Any]:
    """Give a checker its exercise id and the learner's two ways to ask for help, a nudge and the solution."""
    check.exercise = exercise  # type: ignore[attr-defined]
    check.reference = None  # type: ignore[attr-defined]
    check.hint = functools.partial(_show_hint, check, blank_hint)  # type: ignore[attr-defined]
    check.solution = functools.partial(_show_solution, check)  # type: ignore[attr-defined]
    return check


def _show_hint(check: Any, blank_hint: str) -> None:
    nudge = inspect.getdoc(check.reference) if check.reference else None
    print(f"💡 {' '.join((nudge or blank_hint).split())}")  # one line: the notebook wraps it to its width


def _show_solution(check: Any) -> None:
    if check.reference is None:
        print(f"This exercise has no reference solution yet; `{check.__name__}.hint()` gives a nudge.")
        return
    print(f"# One way to pass {check.__name__} (yours may differ):\n{solution_source(check.reference)}")


def _exercise_id(fn: Callable[..., Any]) -> str | None:
    """"ex01_dataclasses.check_inventory_item" for the course's checkers; None (nothing recorded) for others."""
    package, _, module = fn.__module__.rpartition(".")
    return f"{module}.{fn.__name__}" if package == "course_helpers.exercises" else None


def _recorded(exercise: str | None, verdict: Verdict) -> Verdict:
    if exercise is not None:
        progress.record(exercise, verdict.passed)
    return verdict


def _source(function: Callable[..., Any]) -> str:
    return textwrap.dedent(inspect.getsource(function))


def _definition(function: Callable[..., Any]) -> ast.FunctionDef | ast.AsyncFunctionDef:
    return next(node for node in ast.walk(ast.parse(_source(function))) if isinstance(node, _FUNCTION_NODES))


def listed(names: Sequence[str]) -> str:
    """Names for a sentence: "amount", "amount and currency", "a, b and c"."""
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else list(names))


def offline_run_config() -> Any:
    """A `RunConfig` on the offline model with tracing off: a check judges the same under any provider."""
    from agents import RunConfig

    from .offline import OfflineModel

    return RunConfig(model=OfflineModel(), tracing_disabled=True)


def is_blank(answer: Any) -> bool:
    """True for `...`, `None`, a function whose body is only `...`/`pass`, or an empty class or pydantic model."""
    if answer is ... or answer is None:
        return True
    if inspect.isclass(answer):
        return _is_empty_class(answer)
    if inspect.isfunction(answer):
        return _has_empty_body(answer)
    return False


def _report(passed: bool, message: str) -> Verdict:
    print(message)
    return Verdict(passed, message)


def _report_blank(blank_hint: str) -> Verdict:
    return _report(False, f"✏️ Not attempted yet — {blank_hint}")


def _report_error(error: Exception, blank_hint: str) -> Verdict:
    if isinstance(error, NotImplementedError):
        return _report_blank(blank_hint)
    if isinstance(error, Hint):
        return _report(False, f"🤔 Not quite — {error}")
    detail = " ".join(str(error).split()) or "(no message)"
    return _report(
        False, f"🤔 Not quite — your code raised {type(error).__name__}: {detail}. Fix it and run this check again."
    )


def _report_success(message: str | None) -> Verdict:
    return _report(True, f"✅ {message or 'Correct.'}")


def _has_empty_body(function: Callable[..., Any]) -> bool:
    """True when the function's source body holds only `...`, `pass` or a docstring."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return False  # No readable source (e.g. built with exec): let the check judge it.
    definitions = [node for node in ast.walk(tree) if isinstance(node, _FUNCTION_NODES)]
    if not definitions:
        return False
    definition = definitions[0]
    return all(
        isinstance(statement, ast.Pass)
        or (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))
        for statement in definition.body
    )


class _PlainEmpty:
    pass


class _GenericEmpty(Generic[_T]):
    pass


@dataclasses.dataclass(frozen=True)
class _DataclassEmpty:
    pass


# Names Python, typing and dataclasses put on a class whose body is only `...`.
_CLASS_NAMES = set(vars(_PlainEmpty)) | set(vars(_GenericEmpty))
_DATACLASS_NAMES = _CLASS_NAMES | set(vars(_DataclassEmpty)) | {"__slots__"}


def _is_empty_class(cls: type) -> bool:
    """True for a class with no base class of its own (or only pydantic's) and nothing defined in its body."""
    if issubclass(cls, BaseModel):
        methods = [value for value in vars(cls).values() if inspect.isfunction(value)]
        return cls.__bases__ == (BaseModel,) and not cls.model_fields and not methods
    if vars(cls).get("__annotations__") or any(base not in (object, Generic) for base in cls.__bases__):
        return False  # An empty subclass (e.g. `class MyError(Exception): pass`) can be a full answer.
    allowed = _DATACLASS_NAMES if dataclasses.is_dataclass(cls) else _CLASS_NAMES
    return set(vars(cls)) <= allowed | {"__annotations__"}
