"""Tests for the exercise-checker machinery in course_helpers.checks."""

import asyncio
import dataclasses
from typing import Generic, TypeVar

import pytest
from pydantic import BaseModel

from course_helpers.checks import Hint, Verdict, checker, is_blank, listed

T = TypeVar("T")


@checker("write a function that doubles its argument.")
def check_double(double):
    if double(2) != 4:
        raise Hint(f"double(2) returned {double(2)!r}; it should return 4.")
    return "double works."


@checker("write an async function that doubles its argument.")
async def check_double_async(double):
    if await double(2) != 4:
        raise Hint("await double(2) should give 4.")
    return "async double works."


def blank_pass(x):
    pass


def blank_ellipsis_with_docstring(x):
    """Double x."""
    ...


async def blank_async(x): ...


def not_implemented(x):
    raise NotImplementedError


def wrong(x):
    return x + 1


def broken(x):
    return x / 0


def right(x):
    return x * 2


async def right_async(x):
    return x * 2


async def wrong_async(x):
    return x


@pytest.mark.parametrize(
    "answer", [..., None, blank_pass, blank_ellipsis_with_docstring, blank_async, not_implemented]
)
def test_blank_answers_get_the_blank_hint(answer, capsys):
    assert not check_double(answer)
    out = capsys.readouterr().out
    assert out == "✏️ Not attempted yet — write a function that doubles its argument.\n"


def test_a_hint_is_printed_for_a_wrong_answer(capsys):
    assert not check_double(wrong)
    out = capsys.readouterr().out
    assert out == "🤔 Not quite — double(2) returned 3; it should return 4.\n"


def test_an_unexpected_exception_becomes_one_line_naming_it(capsys):
    assert not check_double(broken)
    out = capsys.readouterr().out
    expected = "🤔 Not quite — your code raised ZeroDivisionError: division by zero. Fix it"
    assert out.startswith(expected)
    assert out.count("\n") == 1 and "Traceback" not in out


def test_a_multiline_exception_message_is_kept_on_one_line(capsys):
    def raises_multiline(x):
        raise ValueError("first line\nsecond line")

    assert not check_double(raises_multiline)
    assert "ValueError: first line second line." in capsys.readouterr().out


def test_a_right_answer_prints_the_success_message(capsys):
    assert check_double(right)
    assert capsys.readouterr().out == "✅ double works.\n"


def test_success_without_a_message_still_says_so(capsys):
    @checker("fill it in.")
    def check_anything(answer):
        return None

    assert check_anything(1)
    assert capsys.readouterr().out == "✅ Correct.\n"


def test_the_checker_keeps_the_check_functions_name_and_docstring():
    @checker("fill it in.")
    def check_named(answer):
        """Checks a thing."""

    assert (check_named.__name__, check_named.__doc__) == ("check_named", "Checks a thing.")


def test_async_checks_make_an_awaitable_checker(capsys):
    assert asyncio.iscoroutinefunction(check_double_async)
    assert asyncio.run(check_double_async(right_async))
    assert not asyncio.run(check_double_async(wrong_async))
    assert not asyncio.run(check_double_async(blank_async))
    assert capsys.readouterr().out.splitlines() == [
        "✅ async double works.",
        "🤔 Not quite — await double(2) should give 4.",
        "✏️ Not attempted yet — write an async function that doubles its argument.",
    ]


def test_async_checks_report_unexpected_exceptions(capsys):
    async def broken_async(x):
        raise KeyError("missing")

    assert not asyncio.run(check_double_async(broken_async))
    assert "your code raised KeyError: 'missing'." in capsys.readouterr().out


def test_every_positional_argument_is_checked_for_blanks(capsys):
    @checker("fill in both.")
    def check_pair(first, second):
        return "both there."

    assert not check_pair(1, ...)
    assert check_pair(1, 2)


class EmptyPlain: ...


@dataclasses.dataclass
class EmptyDataclass:
    """Fields go here."""


class EmptyGeneric(Generic[T]):
    pass


@dataclasses.dataclass
class WithField:
    name: str


class WithMethod:
    def __init__(self):
        self.items = []


@dataclasses.dataclass
class WithPostInitOnly:
    def __post_init__(self):
        pass


class EmptyModel(BaseModel):
    ...


class ModelWithField(BaseModel):
    drink: str


class ModelWithValidatorOnly(BaseModel):
    def describe(self) -> str:
        return "an order"


@pytest.mark.parametrize("cls", [EmptyPlain, EmptyDataclass, EmptyGeneric, EmptyModel])
def test_empty_classes_are_blank(cls):
    assert is_blank(cls)


class EmptySubclass(ValueError):
    pass


@pytest.mark.parametrize("cls", [WithField, WithMethod, WithPostInitOnly, EmptySubclass, ModelWithField,
                                 ModelWithValidatorOnly])
def test_classes_with_content_are_not_blank(cls):
    assert not is_blank(cls)


@pytest.mark.parametrize("answer", [0, "", [], right, lambda x: x, print, WithField("a")])
def test_real_values_are_not_blank(answer):
    assert not is_blank(answer)


def test_functions_without_readable_source_are_left_to_the_check():
    namespace = {}
    exec("def made_by_exec(x):\n    ...\n", namespace)
    assert not is_blank(namespace["made_by_exec"])


def test_a_checker_returns_a_verdict_with_the_printed_message(capsys):
    passed, failed = check_double(right), check_double(wrong)
    assert isinstance(passed, Verdict) and passed.passed is True and bool(passed) is True
    assert failed.passed is False and bool(failed) is False
    assert capsys.readouterr().out.splitlines() == [passed.message, failed.message]


def test_a_verdict_displays_nothing_in_ipython_where_a_bool_would_add_out_false(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    formatter = InteractiveShell.instance().display_formatter
    assert formatter.format(False)[0] == {"text/plain": "False"}  # the stray Out[n] a bare bool gave
    assert formatter.format(check_double(wrong)) == ({}, {})
    assert formatter.format(check_double(right)) == ({}, {})


def test_a_value_answer_counts_only_ellipsis_and_none_as_blank(capsys):
    @checker("write the tool dict.", value_answer=True)
    def check_tool_dict(tool):
        if not isinstance(tool, dict):
            raise Hint(f"the tool is a dict, not a {type(tool).__name__}.")
        return "a dict."

    assert not check_tool_dict(...) and not check_tool_dict(blank_pass)
    assert capsys.readouterr().out.splitlines() == [
        "✏️ Not attempted yet — write the tool dict.",
        "🤔 Not quite — the tool is a dict, not a function.",
    ]


def test_listed_joins_names_for_a_sentence():
    assert [listed(["a"]), listed(["a", "b"]), listed(["a", "b", "c"])] == ["a", "a and b", "a, b and c"]
