"""How the offline model answers in words: tool results, arithmetic, the course's answer file."""

from __future__ import annotations

import json
import re
from functools import lru_cache

from ..paths import data_dir
from .calculator import TooBig, evaluate, shown
from .text import content_words

FALLBACK = (
    "I am the offline course model, so I can only call tools, hand off, fill output schemas, "
    "do arithmetic and answer this course's own questions. Set OPENAI_API_KEY or GEMINI_API_KEY "
    "(see 00_start_here) to ask a real LLM."
)
_SPOKEN = [(r"\bplus\b", "+"), (r"\bminus\b", "-"), (r"\btimes\b|\bmultiplied by\b|×", "*"),
           (r"\bdivided by\b|÷", "/"), (r"\bto the power of\b|\^", "**"), (r"(?<=\d)\s*x\s*(?=\d)", "*")]


def answer_from_tool_results(results: list[tuple[str, str]]) -> str:
    """A readable sentence from `(tool name, output)` pairs."""
    sentences = []
    for name, output in results:
        readable = _readable(output)
        if re.search(r"[.!?]$", readable) and len(readable.split()) > 2:
            sentences.append(readable)
        else:
            sentences.append(f"{name.replace('_', ' ').capitalize()} returned {readable}.")
    return " ".join(sentences)


def _readable(output: str) -> str:
    try:
        data = json.loads(output)
    except (json.JSONDecodeError, TypeError):
        return output.strip()
    if isinstance(data, dict):
        return ", ".join(f"{key.replace('_', ' ')}: {_readable(json.dumps(value))}" for key, value in data.items())
    if isinstance(data, list):
        return ", ".join(_readable(json.dumps(item)) for item in data)
    return str(data)


def arithmetic(message: str) -> str | None:
    """`What is 12 * (3 + 4)?` -> `12 * (3 + 4) = 84`; a plain sentence when it is too large; None when no sum."""
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", message)  # 1,000 is one thousand
    for pattern, symbol in _SPOKEN:
        text = re.sub(pattern, f" {symbol} ", text, flags=re.IGNORECASE)
    candidates = re.findall(r"(?:\d+(?:\.\d+)?e[-+]?\d+|[\d.()\s+\-*/%])+", text, flags=re.IGNORECASE)
    for candidate in sorted(candidates, key=len, reverse=True):
        expression = " ".join(candidate.split()).strip(" .")
        if not re.search(r"[\d)]\s*(\*\*|//|[+\-*/%])\s*[-+]?\s*[\d(.]", expression):
            continue
        try:
            return f"{_short(expression)} = {shown(evaluate(expression))}"
        except TooBig as reason:
            return f"{_short(expression)} is too large for the offline model to compute: {reason}."
        except ZeroDivisionError:
            return f"{_short(expression)} has no value: it divides by zero."
        except ValueError:
            continue
    return None


def _short(expression: str) -> str:
    return expression if len(expression) <= 60 else f"{expression[:40]} … {expression[-15:]}"


@lru_cache(maxsize=1)
def _answer_file() -> tuple[tuple[frozenset[str], str], ...]:
    path = data_dir() / "offline_answers.json"
    entries = json.loads(path.read_text(encoding="utf-8"))["answers"] if path.exists() else []
    return tuple((frozenset(content_words(" ".join(e["keywords"]))), e["answer"]) for e in entries)


def course_answer(message: str) -> str | None:
    """The answer file's entry whose keywords all appear in the message (the most specific wins)."""
    words = content_words(message)
    matches = [(len(keys), answer) for keys, answer in _answer_file() if keys and keys <= words]
    return max(matches)[1] if matches else None


def plain_answer(message: str) -> tuple[str, str]:
    """An answer with no tools: arithmetic, the answer file, or the honest fallback; and why."""
    if (sum_ := arithmetic(message)) is not None:
        return sum_, "computed the arithmetic in the message"
    if (known := course_answer(message)) is not None:
        return known, "found the question in data/offline_answers.json"
    return FALLBACK, "no tool, handoff or known answer matched, so it said what it can do"
