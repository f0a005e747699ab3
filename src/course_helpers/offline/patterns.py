"""A string that matches a schema's `pattern`: taken from the text when it holds one, else written from the regex."""

from __future__ import annotations

import re
import re._constants as sre  # Python's own regex parser: the pattern is read exactly as `re` reads it
import re._parser as sre_parse
from typing import Any

_STRETCH = (0, 1, 2, 4, 8, 16, 32, 64)  # extra repetitions tried so a string reaches its minimum length
_CANDIDATES = "a0A_-. "  # characters tried, in order, for a negated class or `.`


class NoMatch(ValueError):
    """The pattern cannot be matched within the length bounds; the message says why."""


def matching(pattern: str, sources: list[str], low: int = 0, high: int | None = None) -> str:
    """A string for which `re.search(pattern, s)` holds and whose length is within [low, high]."""
    fits = lambda s: low <= len(s) <= (high if high is not None else len(s)) and re.search(pattern, s)  # noqa: E731
    unanchored = pattern.removeprefix("^").removesuffix("$")
    try:
        for source in sources:
            if source and fits(source):
                return source
            for match in re.finditer(unanchored, source or ""):
                if match.group() and fits(match.group()):
                    return match.group()
        parsed = sre_parse.parse(pattern)
    except (re.error, OverflowError, RecursionError) as error:
        raise NoMatch(f"the pattern {pattern!r} could not be read ({error})") from None
    for extra in _STRETCH:
        try:
            written = _write(parsed, extra, {})
        except (NoMatch, RecursionError):
            break
        if fits(written):
            return written
    raise NoMatch(f"the offline model could not write a string matching {pattern!r}"
                  f"{f' with {low} to {high} characters' if low or high is not None else ''}; simplify the pattern")


def _write(parsed: Any, extra: int, groups: dict[int, str]) -> str:
    out = []
    for op, arg in parsed:
        out.append(_piece(op, arg, extra, groups))
    return "".join(out)


def _piece(op: Any, arg: Any, extra: int, groups: dict[int, str]) -> str:
    if op is sre.LITERAL:
        return chr(arg)
    if op is sre.NOT_LITERAL:
        return next(c for c in _CANDIDATES if ord(c) != arg)
    if op is sre.ANY:
        return "a"
    if op is sre.IN:
        return _member(arg)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
        least, most, item = arg
        count = least + extra if most is sre.MAXREPEAT else min(most, least + extra)
        return "".join(_write(item, extra, groups) for _ in range(count))
    if op is sre.SUBPATTERN:
        group, _, _, item = arg
        text = _write(item, extra, groups)
        if group is not None:
            groups[group] = text
        return text
    if op is sre.BRANCH:
        return _write(arg[1][0], extra, groups)
    if op is sre.GROUPREF:
        return groups.get(arg, "")
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return ""  # anchors and lookarounds write nothing; the result is checked afterwards
    raise NoMatch(f"the regex feature {op} is not written by the offline model")


def _member(items: list[tuple[Any, Any]]) -> str:
    """A character of a class like `[A-Z0-9_]`, `\\d` or `[^,]`."""
    negated = bool(items) and items[0][0] is sre.NEGATE
    members = items[1:] if negated else items
    if not negated:
        op, arg = members[0]
        if op is sre.LITERAL:
            return chr(arg)
        if op is sre.RANGE:
            return chr(arg[0])
        if op is sre.CATEGORY:
            return _category(arg)
    for candidate in _CANDIDATES:
        inside = any(_contains(op, arg, candidate) for op, arg in members)
        if inside != negated:
            return candidate
    raise NoMatch("no character fits the character class")


def _contains(op: Any, arg: Any, char: str) -> bool:
    if op is sre.LITERAL:
        return ord(char) == arg
    if op is sre.RANGE:
        return arg[0] <= ord(char) <= arg[1]
    if op is sre.CATEGORY:
        return re.fullmatch(f"[{_CLASSES[arg]}]", char) is not None
    return False


_CLASSES = {sre.CATEGORY_DIGIT: r"\d", sre.CATEGORY_NOT_DIGIT: r"\D", sre.CATEGORY_WORD: r"\w",
            sre.CATEGORY_NOT_WORD: r"\W", sre.CATEGORY_SPACE: r"\s", sre.CATEGORY_NOT_SPACE: r"\S"}


def _category(category: Any) -> str:
    return {sre.CATEGORY_DIGIT: "0", sre.CATEGORY_WORD: "a", sre.CATEGORY_SPACE: " ", sre.CATEGORY_NOT_DIGIT: "a",
            sre.CATEGORY_NOT_WORD: "-", sre.CATEGORY_NOT_SPACE: "a"}.get(category, "a")
