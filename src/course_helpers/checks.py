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

__all__ = ["Hint", "Verdict", "checker", "is_blank", "listed", "offline_run_config"]

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
    """

    def blank(args: tuple[Any, ...]) -> bool:
        if value_answer:
            return any(arg is ... or arg is None for arg in args)
        return any(is_blank(arg) for arg in args)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def check_async(*args: Any, **kwargs: Any) -> Verdict:
                if blank(args):
                    return _report_blank(blank_hint)
                try:
                    message = await fn(*args, **kwargs)
                except Exception as error:
                    return _report_error(error, blank_hint)
                return _report_success(message)

            return check_async

        @functools.wraps(fn)
        def check(*args: Any, **kwargs: Any) -> Verdict:
            if blank(args):
                return _report_blank(blank_hint)
            try:
                message = fn(*args, **kwargs)
            except Exception as error:
                return _report_error(error, blank_hint)
            return _report_success(message)

        return check

    return decorate


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
