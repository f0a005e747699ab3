"""Fill a JSON-schema value from a message, the way a very literal model would."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .text import clauses, content_words, numbers, proper_nouns, quoted, split_identifier, surface_words

_MISSING = object()
_ENTITY = {"name", "city", "location", "place", "country", "person", "company", "destination", "origin",
           "recipient", "sender", "author", "customer", "airport", "team", "region", "state", "language",
           "town", "username", "who", "contact"}
_REASON = {"reason", "reasoning", "explanation", "rationale", "justification", "why"}
_REPLY = {"answer", "response", "reply", "output", "result", "final"}
_SUMMARY = {"summary", "gist", "headline", "title"}
_DATE = {"date", "day", "when", "deadline", "time", "weekday"}
_TEXTUAL = {"query", "text", "topic", "subject", "term", "keyword", "search", "phrase", "input", "question", "prompt",
            "content", "body", "message", "fact", "note", "memory", "request", "task", "instruction", "item"}
_PHRASE_LEAD = r"\b(?:about|regarding|for|on|that|called|named|titled|saying|says|say|of|to)\s+(.+)"
_DATE_RE = (r"\b\d{4}-\d{2}-\d{2}\b|\b(?:today|tomorrow|tonight|yesterday)\b|"
            r"\b(?:next\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|"
            r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?\b")


@dataclass
class Filling:
    """The text being read, what has been used from it, and notes on each choice."""

    text: str
    reply: str | None = None
    root: dict[str, Any] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    signals: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    guessed: list[str] = field(default_factory=list)

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Follow a local `$ref` such as `#/$defs/Address`."""
        while "$ref" in schema:
            target: Any = self.root
            for part in schema["$ref"].lstrip("#/").split("/"):
                target = target[part]
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema


def fill_object(schema: dict[str, Any], filling: Filling) -> dict[str, Any]:
    """Arguments for a tool, or a structured output: one value per property."""
    filling.root = filling.root or schema
    value = _value(schema, "", filling, required=True)
    return value if isinstance(value, dict) else {}


def _value(schema: dict[str, Any], name: str, filling: Filling, *, required: bool) -> Any:
    schema = filling.resolve(schema)
    options = schema.get("anyOf") or schema.get("oneOf")
    kinds = schema.get("type")
    if options or isinstance(kinds, list):
        choices = options or [{**schema, "type": kind} for kind in kinds]
        resolved = [filling.resolve(choice) for choice in choices]
        concrete = [choice for choice in resolved if choice.get("type") != "null"]
        nullable = len(concrete) < len(choices)
        for choice in concrete:
            found = _value({**schema, **choice, "anyOf": None, "oneOf": None, "type": choice.get("type")},
                           name, filling, required=required and not nullable)
            if found is not _MISSING:
                return found
        return None if nullable else _MISSING
    found = _find(schema, name, filling)
    if found is _MISSING and "default" in schema:
        return schema["default"]
    if found is _MISSING and required:
        return _fallback(schema, name, filling)
    return found


def _find(schema: dict[str, Any], name: str, filling: Filling) -> Any:
    kind = schema.get("type", "object" if "properties" in schema else "string")
    hints = content_words(f"{split_identifier(name)} {schema.get('title', '')} {schema.get('description', '')}")
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return _enum(schema["enum"], name, hints, filling)
    if kind == "object":
        return _object(schema, filling)
    if kind == "array":
        return _array(schema, name, filling)
    if kind == "boolean":
        return _boolean(name, hints, filling)
    if kind in ("integer", "number"):
        return _number(schema, name, hints, filling)
    return _string(name, hints, filling)


def _object(schema: dict[str, Any], filling: Filling) -> dict[str, Any]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    words = lambda key: set(split_identifier(key).lower().split())  # noqa: E731
    # Reasons are written last so they can explain the other choices.
    order = sorted(properties, key=lambda key: bool(words(key) & _REASON))
    result: dict[str, Any] = {}
    for key in order:
        value = _value(properties[key], key, filling, required=key in required)
        if value is not _MISSING:
            result[key] = value
    return {key: result[key] for key in properties if key in result}


def _array(schema: dict[str, Any], name: str, filling: Filling) -> Any:
    items = filling.resolve(schema.get("items", {}))
    if "enum" in items:
        picks = [v for v in items["enum"] if content_words(str(v)) & content_words(filling.text)]
        return picks or _MISSING
    if items.get("type") in ("integer", "number"):
        found = numbers(filling.text)
        return [int(n) if items["type"] == "integer" else n for n in found] or _MISSING
    if items.get("type") == "object" or "properties" in items:
        return [_object(items, filling)]
    names = proper_nouns(filling.text) or quoted(filling.text)
    if names:
        return names
    listed = re.split(r",\s*|\s+and\s+", _phrase(filling.text) or "")
    return [part.strip() for part in listed if part.strip()] or _MISSING


def _enum(options: list[Any], name: str, hints: set[str], filling: Filling) -> Any:
    text_words = content_words(filling.text)
    scored = []
    for index, option in enumerate(options):
        option_words = content_words(str(option))
        hits = option_words & text_words
        exact = str(option).lower() in filling.text.lower()
        scored.append((len(hits) + (2 if exact else 0), -index, option, hits))
    score, _, best, hits = max(scored)
    if score == 0:
        return _MISSING
    filling.signals |= set(surface_words(filling.text, hits)) or {str(best).lower()}
    filling.notes.append(f"{name or 'value'}={best!r} (its words appear in the message)")
    return best


def _boolean(name: str, hints: set[str], filling: Filling) -> bool:
    hits = surface_words(filling.text, hints & content_words(filling.text))
    filling.signals |= set(hits)
    filling.notes.append(f"{name}={bool(hits)} ({'matched ' + ', '.join(hits) if hits else 'no match'})")
    return bool(hits)


def _number(schema: dict[str, Any], name: str, hints: set[str], filling: Filling) -> Any:
    candidates = [(m.start(), m.group()) for m in re.finditer(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?", filling.text)]
    unused = [(pos, raw) for pos, raw in candidates if f"#{pos}" not in filling.used]
    if not unused:
        return _MISSING
    # Prefer the number closest to a word naming the field ("3 nights", "age 42").
    spots = [m.start() for hint in hints for m in re.finditer(rf"\b{re.escape(hint)}", filling.text.lower())]
    pos, raw = min(unused, key=lambda c: min((abs(c[0] - s) for s in spots), default=0))
    filling.used.add(f"#{pos}")
    value = float(raw.replace(",", ""))
    value = max(value, schema.get("minimum", value))
    value = min(value, schema.get("maximum", value))
    return int(value) if schema.get("type") == "integer" else value


def _string(name: str, hints: set[str], filling: Filling) -> Any:
    words = set(split_identifier(name).lower().split()) | hints
    if words & _REASON:
        return _reason(filling)
    if words & _REPLY and filling.reply:
        return filling.reply
    if words & _SUMMARY:
        return _key_sentence(filling.text)
    if words & _DATE:
        match = re.search(_DATE_RE, filling.text, re.IGNORECASE)
        return match.group() if match else _MISSING
    if "email" in words:
        match = re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", filling.text)
        return match.group() if match else _MISSING
    if words & _ENTITY:
        return _unused(proper_nouns(filling.text) + quoted(filling.text), filling) or _after_place_word(filling)
    if words & _TEXTUAL:
        return _unused(quoted(filling.text), filling) or _phrase(filling.text) or _MISSING
    return _unused(quoted(filling.text), filling) or _MISSING


def _unused(candidates: list[str], filling: Filling) -> Any:
    for candidate in candidates:
        if candidate not in filling.used:
            filling.used.add(candidate)
            return candidate
    return None


def _after_place_word(filling: Filling) -> Any:
    match = re.search(r"\b(?:in|at|to|from|for|near)\s+([a-z][\w\-]*(?:\s+[a-z][\w\-]*)?)\s*[?.!]?$",
                      filling.text.strip(), re.IGNORECASE)
    return match.group(1) if match else _MISSING


def _phrase(text: str) -> str | None:
    """The part of a request that names its subject: `search the docs for refund policy` -> `refund policy`."""
    first = clauses(text)[0] if clauses(text) else text
    match = re.search(_PHRASE_LEAD, first, re.IGNORECASE)
    phrase = (match.group(1) if match else first).strip(" ?.!\"'")
    return phrase or None


def _key_sentence(text: str) -> str:
    """The sentence that says the most (so greetings and sign-offs are skipped)."""
    sentences = re.split(r"(?<=[.?!])\s+", text.strip())
    sentence = max(sentences, key=lambda s: len(content_words(s)))
    words = sentence.split()
    return " ".join(words[:25]) + (" …" if len(words) > 25 else "")


def _reason(filling: Filling) -> str:
    if filling.signals:
        return "The message mentions: " + ", ".join(sorted(filling.signals)) + "."
    return "Nothing in the message matched the categories, so the defaults were used."


def _fallback(schema: dict[str, Any], name: str, filling: Filling) -> Any:
    kind = schema.get("type", "string")
    filling.guessed.append(name)
    if "enum" in schema:
        filling.notes.append(f"{name}={schema['enum'][0]!r} (nothing matched: first option)")
        return schema["enum"][0]
    defaults = {"integer": 0, "number": 0.0, "boolean": False, "array": [], "object": {}, "null": None}
    if kind in defaults:
        return defaults[kind]
    return _unused(proper_nouns(filling.text), filling) or _phrase(filling.text) or "unknown"
