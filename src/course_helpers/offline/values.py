"""Fill a JSON-schema value from a message, the way a careful, very literal model would."""

from __future__ import annotations

import re
from typing import Any

from .entities import Found
from .filling import MISSING, Filling, field_words
from .schema import MAX_NESTING, RECURSION_DEPTH, Unfillable, bounded_number, bounded_string, problems, resolve
from .strings import REASON, REQUEST_VERBS, bare, list_items, noun_phrase, string_value
from .text import content_words, proper_nouns, split_identifier, surface_words

_TOTAL, _COUNT, _MEAN = {"total", "sum", "subtotal"}, {"count", "num", "number"}, {"average", "mean", "avg"}
_NEUTRAL = ("other", "unknown", "neutral", "none", "general", "misc", "miscellaneous", "unspecified", "n/a", "mixed")


def fill_object(schema: Any, filling: Filling) -> dict[str, Any]:
    """Arguments for a tool, or a structured output: one value per property, valid against the schema.

    When no valid value can be written, `filling.refusal` says why in one sentence and `{}` comes back.
    """
    filling.root = schema if filling.root is None else filling.root
    if schema is True or schema == {}:
        return {}  # any value is valid, and an empty object says the least
    try:
        value = _value(schema, "", filling, required=True, trail=("#",))
        wrong = problems(value, schema)
    except Unfillable as error:
        filling.refusal = f"The offline model cannot fill this schema: {error}."
        return {}
    except RecursionError:
        filling.refusal = (f"The offline model cannot fill this schema: it nests more than {MAX_NESTING} levels "
                           "deep; flatten the type.")
        return {}
    if wrong:
        filling.refusal = f"The offline model's value does not fit the schema ({wrong[0]}); simplify the schema."
    return value if isinstance(value, dict) else {}


def _value(schema: Any, name: str, filling: Filling, *, required: bool, trail: tuple[str, ...]) -> Any:
    if sum(1 for step in trail if not step.startswith("title:")) > MAX_NESTING:
        raise Unfillable(f"it nests more than {MAX_NESTING} levels deep; flatten the type")
    reference = schema.get("$ref", "") if isinstance(schema, dict) else ""
    if reference and trail.count(reference) >= RECURSION_DEPTH and not required:
        return MISSING  # a recursive type, filled to a small depth
    schema = resolve(schema, filling.root)
    # The SDK inlines the root model, so a recursive type is also known by its title.
    kind = f"title:{schema['title']}" if "properties" in schema and "title" in schema else ""
    if kind and kind in trail and not required:
        return MISSING
    trail = (*trail, reference or name, *([kind] if kind else []))
    options = schema.get("anyOf") or schema.get("oneOf")
    if options or isinstance(schema.get("type"), list):
        return _union(schema, options or [{"type": kind} for kind in schema["type"]], name, filling, required, trail)
    if "const" in schema:
        return schema["const"]
    found = _find(schema, name, filling, trail, required)
    if found is MISSING and "default" in schema:
        return schema["default"]
    if found is MISSING and required:
        return _fallback(schema, name, filling, trail)
    return found


def _union(schema: dict[str, Any], options: list[Any], name: str, filling: Filling, required: bool,
           trail: tuple[str, ...]) -> Any:
    """`Optional[X]`, `X | Y` and discriminated unions: the option the message supports, else null."""
    base = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf", "type", "discriminator")}
    resolved = []
    for option in options:
        try:
            resolved.append((option, resolve(option, filling.root)))
        except Unfillable:
            continue
    nullable = any(r.get("type") == "null" for _, r in resolved)
    concrete = [(o, r) for o, r in resolved if r.get("type") != "null"]
    concrete.sort(key=lambda pair: -_support(pair[1], filling))
    for option, choice in concrete:
        attempt = Filling(filling.text, filling.reply, filling.root, set(filling.used), set(filling.signals),
                          tool=filling.tool, task=filling.task)
        try:
            found = _value({**base, **option} if "$ref" not in option else option, name, attempt,
                           required=required and not nullable, trail=trail)
        except Unfillable:
            continue
        if found is MISSING or (nullable and attempt.guessed) or (len(concrete) > 1 and problems(found, choice)):
            continue  # an optional value the message does not give is null, not a guess
        filling.used, filling.signals = attempt.used, attempt.signals
        filling.notes += attempt.notes
        filling.guessed += attempt.guessed
        filling.cues.update(attempt.cues)
        return found
    if nullable:
        return None
    if required:
        raise Unfillable(f"no option of {name or 'the value'}'s union could be filled; give it a simpler type")
    return MISSING


def _support(option: dict[str, Any], filling: Filling) -> int:
    """How much the message speaks for one option of a union: its constant tag, title or property names."""
    words = content_words(filling.text)
    tags = [str(p.get("const", "")) + " " + " ".join(map(str, p.get("enum", [])))
            for p in option.get("properties", {}).values() if isinstance(p, dict)]
    described = f"{option.get('title', '')} {' '.join(tags)}"
    named = content_words(" ".join(option.get("properties", {})))
    return len(content_words(described) & words) * 2 + len(named & words)


def _find(schema: dict[str, Any], name: str, filling: Filling, trail: tuple[str, ...], required: bool) -> Any:
    kind = schema.get("type") or ("object" if "properties" in schema or "additionalProperties" in schema else
                                  "array" if "items" in schema else "string")
    hints = content_words(f"{split_identifier(name)} {schema.get('title', '')} {schema.get('description', '')}")
    if "enum" in schema:
        return _enum(schema["enum"], name, filling)
    if kind == "null":
        return None
    if kind == "object":
        return _object(schema, filling, trail)
    if kind == "array":
        return _array(schema, name, filling, trail, required)
    if kind == "boolean":
        return _boolean(name, hints, filling)
    if kind in ("integer", "number"):
        found = _number(name, hints, filling)
        return found if found is MISSING else bounded_number(found, schema)
    found = string_value(schema, name, hints, filling, required)
    return found if found is MISSING else bounded_string(str(found), schema, filling.text)


def _object(schema: dict[str, Any], filling: Filling, trail: tuple[str, ...]) -> dict[str, Any]:
    properties = schema.get("properties", {})
    if not properties and isinstance(schema.get("additionalProperties"), dict):
        return _mapping(schema["additionalProperties"], filling)
    required = set(schema.get("required", []))
    words = lambda key: set(split_identifier(key).lower().split())  # noqa: E731
    # Reasons are written last so they can explain the other choices.
    order = sorted(properties, key=lambda key: bool(words(key) & REASON))
    result: dict[str, Any] = {}
    outer, filling.siblings = filling.siblings, tuple(properties)
    for key in order:
        value = _value(properties[key], key, filling, required=key in required, trail=trail)
        if value is not MISSING:
            result[key] = value
    filling.siblings = outer
    return {key: result[key] for key in properties if key in result}


def _mapping(values: dict[str, Any], filling: Filling) -> dict[str, Any]:
    """A `dict[str, X]`: `3 apples and 2 pears` -> {"apples": 3, "pears": 2}; `colour: red` -> {"colour": "red"}."""
    kind = resolve(values, filling.root).get("type")
    if kind in ("integer", "number"):
        # "Ada scored 3 and Grace 5": names with their numbers; else "3 apples", "apples: 3".
        named = [(k, n) for k, n in re.findall(r"\b([A-Z][a-z][\w-]*)\s+(?:[a-z]+\s+){0,2}?(\d+(?:\.\d+)?)",
                                                filling.text) if content_words(k)]
        pairs = named or [(k or k2, n or n2) for n, k, k2, n2 in re.findall(
            r"(\d+(?:\.\d+)?)\s+([A-Za-z][\w-]*)|([A-Za-z][\w-]*)\s*[:=]\s*(\d+(?:\.\d+)?)", filling.text)]
        found = {key: float(number) for key, number in pairs}
        return {k: int(v) if kind == "integer" else v for k, v in found.items()}
    if kind in (None, "string"):
        return dict(re.findall(r"([A-Za-z][\w-]*)\s*[:=]\s*([^,;\n]+?)\s*(?=[,;\n]|$)", filling.text))
    return {}


def _array(schema: dict[str, Any], name: str, filling: Filling, trail: tuple[str, ...], required: bool) -> Any:
    items_schema = schema.get("items", {})
    reference = items_schema.get("$ref", "") if isinstance(items_schema, dict) else ""
    if reference and trail.count(reference) >= RECURSION_DEPTH:
        return []  # a recursive list stops here
    items = resolve(items_schema, filling.root)
    values = _items(items, items_schema, name, filling, trail, required)
    low, high = schema.get("minItems", 0), schema.get("maxItems")
    if values is MISSING and not low:
        return MISSING
    if values is MISSING:
        values = []
        filling.guessed.append(name)
    values = values[:high] if high is not None else values
    while len(values) < low:
        values.append(_value(items_schema, name, filling, required=True, trail=trail))
    return values


def _items(items: dict[str, Any], items_schema: Any, name: str, filling: Filling, trail: tuple[str, ...],
           required: bool) -> Any:
    kind = items.get("type")
    if "enum" in items:
        picks = [v for v in items["enum"] if content_words(str(v)) & content_words(filling.text)]
        return picks or MISSING
    if kind in ("integer", "number"):
        found = [bounded_number(n.value, items) for n in filling.found.numbers]
        return found or MISSING
    if kind == "object" or "properties" in items:
        made = []
        elements = [text for text, _ in list_items(filling.text)]
        if not elements and not required:
            return MISSING  # an optional list the message does not spell out stays out
        for element in elements or [filling.text]:
            part = Filling(element, filling.reply, filling.root, tool=filling.tool, task=filling.task)
            made.append(_value(items_schema, name, part, required=True, trail=trail))
            if part.guessed and not required:
                return MISSING  # an optional list the message does not describe stays out
            filling.notes += part.notes
        return made
    if items.get("format") == "email" or "email" in content_words(name):
        return [f.raw for f in filling.found.emails] or MISSING
    quoted = [q.value for q in filling.found.quotes]
    if len(quoted) > 1:
        return [bounded_string(q, items, filling.text) for q in quoted]
    # Names come first ("I visited Tokyo, Paris and Oslo" lists cities), then the items of a list.
    names = [n for n in proper_nouns(filling.text) if n not in filling.used and bare(n.split()[0]) not in
             REQUEST_VERBS]
    listed = names if len(names) > 1 else [label for _, label in list_items(filling.text)]
    if not listed and not quoted and (noun := noun_phrase(filling)):
        listed = [noun[0]]
    return [bounded_string(v, items, filling.text) for v in listed or quoted] or MISSING


def _enum(options: list[Any], name: str, filling: Filling) -> Any:
    # A currency sign counts as its code, so "€12" matches the option "EUR".
    text_words = content_words(filling.text) | {m.value[1].lower() for m in filling.found.money}
    scored = []
    for index, option in enumerate(options):
        hits = content_words(str(option)) & text_words
        exact = bool(re.search(rf"\b{re.escape(str(option).lower())}\b", filling.text.lower()))
        scored.append((len(hits) + (2 if exact else 0), -index, option, hits))
    score, _, best, hits = max(scored)
    if score > 0:
        filling.signals |= set(surface_words(filling.text, hits)) or {str(best).lower()}
        return filling.chose(name, best, "its words appear in the message")
    related = _by_meaning(options, filling.text)
    if related is not None:
        option, word = related
        filling.signals.add(word)
        return filling.chose(name, option, f"'{word}' in the message means much the same")
    return MISSING


def _by_meaning(options: list[Any], text: str) -> tuple[Any, str] | None:
    """The option a word of the message is closest to in meaning, when one is close enough."""
    try:
        from .meaning import meaning_words, related_pairs
    except ImportError:  # word meaning is an optional layer: words alone still work
        return None
    words = meaning_words(text)
    best = None
    for option in options:
        for word, _, score in related_pairs(words, meaning_words(str(option)) or [str(option).lower()]):
            if best is None or score > best[0]:
                best = (score, option, word)
    return (best[1], best[2]) if best else None


def _boolean(name: str, hints: set[str], filling: Filling) -> bool:
    hits = surface_words(filling.text, hints & content_words(filling.text))
    negated = [w for w in hits if re.search(rf"\b(?:not|no|never|isn't|aren't|wasn't|don't|doesn't)\s+(?:\w+\s+)?{w}",
                                            filling.text, re.IGNORECASE)]
    filling.signals |= set(hits)
    value = bool(hits) and not negated
    cue = f"'not {negated[0]}'" if negated else f"matched {', '.join(hits)}" if hits else "no match"
    return filling.chose(name, value, cue)


def _number(name: str, hints: set[str], filling: Filling) -> Any:
    found, words = filling.found, field_words(name) | hints
    numbers = found.numbers
    if words & _TOTAL and len(numbers) > 1:
        money = [m.value[0] for m in found.money]
        values = money if len(money) > 1 else [n.value for n in numbers]
        return filling.chose(name, _clean(sum(values)), f"the sum of {', '.join(map(_show, values))}")
    if words & _MEAN and len(numbers) > 1:
        values = [n.value for n in numbers]
        return filling.chose(name, _clean(sum(values) / len(values)), f"the mean of {', '.join(map(_show, values))}")
    if words & _COUNT and not _near(numbers, words, filling.text):
        elements = [label for _, label in list_items(filling.text)]
        if len(elements) > 1:
            return filling.chose(name, len(elements), f"counted {len(elements)} items: {', '.join(elements)}")
    if words & {"hour", "hours", "minute", "minutes"} and found.times:
        clock = next((t for t in found.times if f"@{t.start}" not in filling.used), found.times[0])
        filling.used.add(f"@{clock.start}")
        part = int(clock.value[:2] if words & {"hour", "hours"} else clock.value[3:])
        return filling.chose(name, part, f"the time {clock.raw}")
    typed = (found.percentages if words & {"percent", "percentage", "rate", "discount", "tip", "pct"} else
             [Found(m.start, m.raw, m.value[0]) for m in found.money] if words & {"price", "cost", "budget", "fee",
                                                                                  "amount", "money", "total"} else [])
    typed = typed or [Found(q.start, q.raw, q.value[0]) for q in found.quantities if words & {"amount", "quantity",
                                                                                              "value", "size"}]
    for item in typed:
        if filling.take(item):
            return filling.chose(name, _clean(item.value), f"'{item.raw}' in the message")
    unused = [n for n in numbers if f"@{n.start}" not in filling.used]
    if not unused:
        return MISSING
    # Prefer the number closest to a word naming the field ("3 nights", "age 42").
    spots = [m.start() for hint in hints for m in re.finditer(rf"\b{re.escape(hint)}", filling.text.lower())]
    pick = min(unused, key=lambda n: min((abs(n.start - s) for s in spots), default=0))
    filling.take(pick)
    return filling.chose(name, _clean(pick.value), f"the number {pick.raw} in the message")


def _near(numbers: list[Found], words: set[str], text: str) -> bool:
    """Whether a number stands right next to a word naming the field ("3 items", "count 4")."""
    lower = text.lower()
    return any(re.search(rf"{re.escape(n.raw)}\s+{w}|{w}\w*\s+(?:of\s+)?{re.escape(n.raw)}", lower)
               for n in numbers for w in words - _COUNT)


def _clean(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 10)


def _show(value: float) -> str:
    return str(_clean(value))


def _fallback(schema: dict[str, Any], name: str, filling: Filling, trail: tuple[str, ...]) -> Any:
    """A required value the message does not give: marked as guessed, and as neutral as the schema allows."""
    kind = schema.get("type", "string")
    filling.guessed.append(name)
    if "enum" in schema:
        options = schema["enum"]
        neutral = next((o for o in options if str(o).lower() in _NEUTRAL), None)
        if neutral is not None:
            return filling.chose(name, neutral, "nothing matched: the neutral option")
        return filling.chose(name, options[len(options) // 2] if len(options) > 2 else options[0],
                             "nothing matched: a guess")
    if kind in ("integer", "number"):
        return bounded_number(0, schema)
    if kind == "string":
        return bounded_string("", schema, filling.text) if _constrained(schema) else ""
    if kind == "object":
        return _object(schema, filling, trail)
    return {"boolean": False, "array": [], "null": None}.get(kind, "")


def _constrained(schema: dict[str, Any]) -> bool:
    return any(k in schema for k in ("pattern", "minLength", "format"))
