"""How the offline model answers in words: tool results, arithmetic, the course's answer file."""

from __future__ import annotations

import ast
import json
import operator
import re
from functools import lru_cache

from ..paths import data_dir
from .text import content_words

FALLBACK = (
    "I am the offline course model, so I can only call tools, hand off, fill output schemas, "
    "do arithmetic and answer this course's own questions. Set OPENAI_API_KEY or GEMINI_API_KEY "
    "(see 00_start_here) to ask a real LLM."
)
_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
              ast.Pow: operator.pow, ast.Mod: operator.mod, ast.FloorDiv: operator.floordiv,
              ast.USub: operator.neg, ast.UAdd: operator.pos}
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
    """`What is 12 * (3 + 4)?` -> `12 * (3 + 4) = 84`; None when there is no sum to do."""
    text = message
    for pattern, symbol in _SPOKEN:
        text = re.sub(pattern, f" {symbol} ", text, flags=re.IGNORECASE)
    candidates = re.findall(r"[\d.()\s+\-*/%]+", text)
    for candidate in sorted(candidates, key=len, reverse=True):
        expression = " ".join(candidate.split())
        if not re.search(r"\d\s*(\*\*|[+\-*/%])\s*[\d(]", expression):
            continue
        try:
            value = _evaluate(ast.parse(expression, mode="eval").body)
        except (SyntaxError, ValueError, ZeroDivisionError, OverflowError, TypeError):
            continue
        shown = int(value) if float(value).is_integer() else round(value, 6)
        return f"{expression} = {shown}"
    return None


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > 100:
            raise ValueError("exponent too large")
        return _OPERATORS[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate(node.operand))
    raise ValueError("not arithmetic")


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
