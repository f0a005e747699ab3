"""Evaluate an arithmetic expression without recursion, with bounded sizes, or say why it cannot."""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable

MAX_TERMS = 2000  # numbers in one expression
MAX_EXPONENT = 100  # the largest power computed exactly
MAX_DIGITS = 30  # digits shown exactly; larger results are shown rounded
_MAX_BITS = 100_000  # an intermediate integer larger than this is refused, not computed

_BINARY: dict[str, tuple[int, bool, Callable[[float, float], float]]] = {
    # symbol: (precedence, right-associative, function)
    "+": (1, False, operator.add), "-": (1, False, operator.sub),
    "*": (2, False, operator.mul), "/": (2, False, operator.truediv),
    "//": (2, False, operator.floordiv), "%": (2, False, operator.mod),
    "**": (4, True, operator.pow),
}
_UNARY_PRECEDENCE = 3  # -2 ** 2 is -(2 ** 2), as in Python
_TOKEN = re.compile(r"\s*((?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|\*\*|//|[-+*/%()])", re.IGNORECASE)


class TooBig(ValueError):
    """The expression or its result is too large to compute or show; the message says which."""


def evaluate(expression: str) -> int | float:
    """The value of `expression`; ValueError (or TooBig) when it is not arithmetic or too large."""
    tokens = _tokens(expression)
    if sum(1 for t in tokens if t[0].isdigit() or t[0] == ".") > MAX_TERMS:
        raise TooBig(f"it has more than {MAX_TERMS} numbers")
    values: list[int | float] = []
    pending: list[str] = []  # operators and "(" waiting; "neg"/"pos" are unary
    expect_operand = True
    for token in tokens:
        if expect_operand:
            if token in ("+", "-"):
                pending.append("neg" if token == "-" else "pos")
            elif token == "(":
                pending.append(token)
            elif token[0].isdigit() or token[0] == ".":
                values.append(int(token) if token.isdigit() else float(token))
                expect_operand = False
            else:
                raise ValueError("an operator is missing its number")
        elif token == ")":
            while pending and pending[-1] != "(":
                _apply(pending.pop(), values)
            if not pending:
                raise ValueError("unbalanced parentheses")
            pending.pop()
        elif token in _BINARY:
            precedence, right, _ = _BINARY[token]
            while pending and pending[-1] != "(" and _outranks(pending[-1], precedence, right):
                _apply(pending.pop(), values)
            pending.append(token)
            expect_operand = True
        else:
            raise ValueError("two numbers without an operator")
    if expect_operand:
        raise ValueError("the expression ends with an operator")
    while pending:
        if pending[-1] == "(":
            raise ValueError("unbalanced parentheses")
        _apply(pending.pop(), values)
    if len(values) != 1:
        raise ValueError("not one expression")
    return values[0]


def shown(value: int | float) -> str:
    """A result as a person reads it: exact when short, rounded to 7 significant digits when long."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 10**MAX_DIGITS:
        value = int(value)
    if isinstance(value, int):
        if abs(value) < 10**MAX_DIGITS:
            return str(value)
        exponent = int(math.log10(abs(value)))  # without str(): Python refuses str() of over 4,300 digits
        leading = abs(value) // 10 ** (exponent - 6)
        exponent, leading = (exponent + 1, leading // 10) if leading >= 10**7 else (exponent, leading)
        return f"{'-' if value < 0 else ''}{leading / 10**6:.6f}e+{exponent}"
    return str(round(value, 6)) if abs(value) < 10**MAX_DIGITS else f"{value:.6e}"


def _tokens(expression: str) -> list[str]:
    tokens, position = [], 0
    text = expression.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ValueError("not arithmetic")
        tokens.append(match.group(1))
        position = match.end()
    return tokens


def _outranks(waiting: str, precedence: int, right_associative: bool) -> bool:
    rank = _UNARY_PRECEDENCE if waiting in ("neg", "pos") else _BINARY[waiting][0]
    return rank > precedence or (rank == precedence and not right_associative)


def _apply(symbol: str, values: list[int | float]) -> None:
    if symbol in ("neg", "pos"):
        if not values:
            raise ValueError("a sign without a number")
        values.append(-values.pop() if symbol == "neg" else values.pop())
        return
    if len(values) < 2:
        raise ValueError("an operator is missing its number")
    right, left = values.pop(), values.pop()
    if symbol == "**" and abs(right) > MAX_EXPONENT and abs(left) not in (0, 1):
        raise TooBig(f"the exponent {shown(right)} is above {MAX_EXPONENT}")
    if symbol in ("/", "//", "%") and right == 0:
        raise ZeroDivisionError("division by zero")
    try:
        result = _BINARY[symbol][2](left, right)
    except OverflowError:
        raise TooBig("the result is too large for a floating-point number") from None
    if isinstance(result, complex):
        raise ValueError("the result is not a real number")  # (-8) ** 0.5
    if isinstance(result, int) and result.bit_length() > _MAX_BITS:
        raise TooBig("the result has more than 30,000 digits")
    if isinstance(result, float) and math.isinf(result):
        raise TooBig("the result is too large for a floating-point number")
    values.append(result)
