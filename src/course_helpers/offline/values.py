"""Fill a JSON-schema value from a message, the way a careful, very literal model would."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .entities import CLOCK, CURRENCIES, UNITS, Entities, Found, read, weekday_name
from .schema import MAX_NESTING, RECURSION_DEPTH, Unfillable, bounded_number, bounded_string, problems, resolve
from .text import clauses, content_words, proper_nouns, split_identifier, surface_words

_MISSING = object()
_ENTITY = {"name", "city", "location", "place", "country", "person", "company", "destination", "origin",
           "recipient", "sender", "author", "customer", "airport", "team", "region", "state", "language",
           "town", "username", "who", "contact", "attendee", "guest", "assignee", "owner", "venue", "hotel"}
_ENTITY_STEMS = content_words(" ".join(_ENTITY | {"people", "participants", "members", "names", "invitees"}))
_REASON = {"reason", "reasoning", "explanation", "rationale", "justification", "why"}
_REPLY = {"answer", "response", "reply", "output", "result", "final"}
_SUMMARY = {"summary", "gist", "headline"}
_TEXTUAL = {"query", "text", "topic", "subject", "term", "keyword", "search", "phrase", "input", "question", "prompt",
            "content", "body", "message", "fact", "note", "memory", "request", "task", "instruction", "title",
            "description", "comment", "caption", "label", "q", "preference", "instructions", "details"}
_TOTAL, _COUNT, _MEAN = {"total", "sum", "subtotal"}, {"count", "num", "number"}, {"average", "mean", "avg"}
_NEUTRAL = ("other", "unknown", "neutral", "none", "general", "misc", "miscellaneous", "unspecified", "n/a", "mixed")
# Which cue before a quote says which kind of field it fills: 'called "notes.txt"' is a name, 'saying "hi"' a body.
_CUE_FIELDS = {"called": {"name", "filename", "file", "title", "label"}, "named": {"name", "filename", "file", "label"},
               "titled": {"title", "subject", "name", "heading"}, "entitled": {"title", "subject", "name"},
               "subject": {"subject", "title"}, "saying": {"body", "content", "text", "message", "note"},
               "says": {"body", "content", "text", "message"}, "reading": {"body", "content", "text", "message"},
               "text": {"body", "content", "text", "message"}, "message": {"body", "content", "text", "message"}}
# Words that lead into the part of a request a text field wants, by the kind of field.
_LEADS = {"body": r"saying|says|say|that|reading|telling (?:them|him|her)", "query": r"about|regarding|for|on|of",
          "any": r"about|regarding|for|on|that|called|named|titled|saying|says|say|of|with|to"}
_REQUEST_VERBS = frozenset("""find search look show get give tell list fetch check book send write create make add
    remove delete cancel convert translate summarise summarize explain open read move copy rename upload download
    schedule set remind order buy bought pay track draft reply forward cook recommend suggest lookup calculate compute
    play start stop turn update call email plan invite text message share save store remember know need want have got
    like""".split())
_POLITE = frozenset("please can could would will you kindly just also".split())  # before a statement's words
_DETERMINERS = r"(?:the|a|an|my|our|your|some|any|this|that|these|those)\s+"
_NUMBER_ONLY = re.compile(r"-?\d[\d,.]*")
_NUMBER_NAMES = frozenset("one two three four five six seven eight nine ten eleven twelve dozen couple".split())
_META = frozenset("idea ideas suggestion suggestions recommendation recommendations tip tips option options example "
                  "examples advice".split())  # words for the asking, not for the thing asked about
_PREDICATES = frozenset("high low good bad healthy unhealthy safe rich better worse ok okay available possible ready "
                        "open closed true false right wrong enough vegan vegetarian free expensive cheap".split())
_VERB = re.compile(r"\b(?:is|are|was|were|be|been|has|have|had|do|does|did|can|could|should|would|will|want)\b", re.I)


@dataclass
class Filling:
    """The text being read, what has been used from it, and notes on each choice."""

    text: str
    reply: str | None = None
    root: Any = None
    used: set[str] = field(default_factory=set)
    signals: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    guessed: list[str] = field(default_factory=list)
    cues: dict[str, str] = field(default_factory=dict)  # argument -> the cue that supplied it
    refusal: str | None = None  # set when no value fits the schema: one sentence naming the cause and the fix
    siblings: tuple[str, ...] = ()
    tool: str = ""  # the tool these are arguments of: its own words (`weather` of get_weather) are never a value
    task: str = ""  # that tool's description ("Convert an amount to another unit": its one `unit` is the target)

    @property
    def found(self) -> Entities:
        """The typed values in the text (read once per text)."""
        return read(self.text)

    def take(self, item: Found) -> Found | None:
        """Mark a value as used so the next field gets another; None when it was used already."""
        key = f"@{item.start}"
        if key in self.used:
            return None
        self.used |= {key, str(item.value)}
        return item

    def chose(self, name: str, value: Any, cue: str) -> Any:
        """Record which cue supplied a value, for the `why`."""
        self.cues[name or "value"] = cue
        self.notes.append(f"{name or 'value'}={value!r} ({cue})")
        return value


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
        return _MISSING  # a recursive type, filled to a small depth
    schema = resolve(schema, filling.root)
    # The SDK inlines the root model, so a recursive type is also known by its title.
    kind = f"title:{schema['title']}" if "properties" in schema and "title" in schema else ""
    if kind and kind in trail and not required:
        return _MISSING
    trail = (*trail, reference or name, *([kind] if kind else []))
    options = schema.get("anyOf") or schema.get("oneOf")
    if options or isinstance(schema.get("type"), list):
        return _union(schema, options or [{"type": kind} for kind in schema["type"]], name, filling, required, trail)
    if "const" in schema:
        return schema["const"]
    found = _find(schema, name, filling, trail, required)
    if found is _MISSING and "default" in schema:
        return schema["default"]
    if found is _MISSING and required:
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
        if found is _MISSING or (nullable and attempt.guessed) or (len(concrete) > 1 and problems(found, choice)):
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
    return _MISSING


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
        return found if found is _MISSING else bounded_number(found, schema)
    found = _string(schema, name, hints, filling, required)
    return found if found is _MISSING else bounded_string(str(found), schema, filling.text)


def _object(schema: dict[str, Any], filling: Filling, trail: tuple[str, ...]) -> dict[str, Any]:
    properties = schema.get("properties", {})
    if not properties and isinstance(schema.get("additionalProperties"), dict):
        return _mapping(schema["additionalProperties"], filling)
    required = set(schema.get("required", []))
    words = lambda key: set(split_identifier(key).lower().split())  # noqa: E731
    # Reasons are written last so they can explain the other choices.
    order = sorted(properties, key=lambda key: bool(words(key) & _REASON))
    result: dict[str, Any] = {}
    outer, filling.siblings = filling.siblings, tuple(properties)
    for key in order:
        value = _value(properties[key], key, filling, required=key in required, trail=trail)
        if value is not _MISSING:
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
    if values is _MISSING and not low:
        return _MISSING
    if values is _MISSING:
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
        return picks or _MISSING
    if kind in ("integer", "number"):
        found = [bounded_number(n.value, items) for n in filling.found.numbers]
        return found or _MISSING
    if kind == "object" or "properties" in items:
        made = []
        elements = [text for text, _ in _elements(filling.text)]
        if not elements and not required:
            return _MISSING  # an optional list the message does not spell out stays out
        for element in elements or [filling.text]:
            part = Filling(element, filling.reply, filling.root, tool=filling.tool, task=filling.task)
            made.append(_value(items_schema, name, part, required=True, trail=trail))
            if part.guessed and not required:
                return _MISSING  # an optional list the message does not describe stays out
            filling.notes += part.notes
        return made
    if items.get("format") == "email" or "email" in content_words(name):
        return [f.raw for f in filling.found.emails] or _MISSING
    quoted = [q.value for q in filling.found.quotes]
    if len(quoted) > 1:
        return [bounded_string(q, items, filling.text) for q in quoted]
    # Names come first ("I visited Tokyo, Paris and Oslo" lists cities), then the items of a list.
    names = [n for n in proper_nouns(filling.text) if n not in filling.used and _bare(n.split()[0]) not in
             _REQUEST_VERBS]
    listed = names if len(names) > 1 else [label for _, label in _elements(filling.text)]
    if not listed and not quoted and (noun := _noun_phrase(filling)):
        listed = [noun[0]]
    return [bounded_string(v, items, filling.text) for v in listed or quoted] or _MISSING


def _is_entity(name: str) -> bool:
    """Whether a field names people, places or things by their proper names (`city`, `attendees`)."""
    return bool(content_words(name) & _ENTITY_STEMS)


def _elements(text: str) -> list[tuple[str, str]]:
    """The items of a list in the request, each as (its words, its noun): `bread for $3, milk and eggs` -> three."""
    for clause in _sentences(text):
        body = _strip_request(clause) or ""
        parts = [p.strip(" .?!") for p in re.split(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or|&|plus)\s+", body)]
        parts = [p for p in parts if p]
        if len(parts) > 1 and all(len(p.split()) <= 6 and not _VERB.search(p) for p in parts):
            labels = [_label(p) for p in parts]
            return [(p, label) for p, label in zip(parts, labels) if label]
    return []


def _label(part: str) -> str:
    """The noun of one list item: `three pears` -> `pears`, `milk for $1.50` -> `milk`."""
    head = re.split(r"\s+(?:for|at|with|from|costing|priced|to|into|in|on)\s+", part, maxsplit=1)[0]
    words = [w for w in head.split() if content_words(w) and not _NUMBER_ONLY.fullmatch(w.strip("$€£¥"))
             and w.lower() not in _NUMBER_NAMES and not re.fullmatch(r"[$€£¥]\S*", w)]
    return re.sub(rf"^{_DETERMINERS}", "", " ".join(words), flags=re.IGNORECASE)


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
    return _MISSING


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
    found, words = filling.found, _words(name) | hints
    numbers = found.numbers
    if words & _TOTAL and len(numbers) > 1:
        money = [m.value[0] for m in found.money]
        values = money if len(money) > 1 else [n.value for n in numbers]
        return filling.chose(name, _clean(sum(values)), f"the sum of {', '.join(map(_show, values))}")
    if words & _MEAN and len(numbers) > 1:
        values = [n.value for n in numbers]
        return filling.chose(name, _clean(sum(values) / len(values)), f"the mean of {', '.join(map(_show, values))}")
    if words & _COUNT and not _near(numbers, words, filling.text):
        elements = [label for _, label in _elements(filling.text)]
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
        return _MISSING
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


def _words(name: str) -> set[str]:
    return set(split_identifier(name).lower().split())


def _string(schema: dict[str, Any], name: str, hints: set[str], filling: Filling, required: bool) -> Any:
    own, fmt, found = _words(name), schema.get("format"), filling.found
    words = own | hints
    if words & _REASON:
        return _reason(filling)
    if own & _REPLY and filling.reply:
        return filling.reply
    if own & _SUMMARY:
        return _key_sentence(filling.text)
    mail = {"subject", "body"} & {w for sibling in filling.siblings for w in _words(sibling)}
    if fmt == "email" or ("email" in own and not own & _TEXTUAL) or own & {"recipient", "to", "cc", "bcc"} and (
            found.emails or mail):
        return _typed(found.emails, name, filling, "the email address")
    if fmt in ("uri", "url") or own & {"url", "uri", "link", "website", "href", "endpoint", "site"}:
        return _typed(found.urls, name, filling, "the URL")
    if fmt in ("date", "date-time", "time") or own & {"date", "day", "when", "deadline", "time", "weekday",
                                                     "datetime", "start", "end", "birthday", "due"}:
        return _moment(fmt, own, name, filling)
    if own & {"path", "file", "filename", "folder", "directory", "dir", "attachment", "document"} or (
            own & {"source", "src", "old", "new", "destination", "dest", "target"} and found.paths):
        named = _quote(name, filling, cued_only=True)
        if named is not _MISSING:
            return named
        folders = [p for p in found.paths if "/" in p.raw] if own & {"folder", "directory", "dir"} else []
        return _typed(folders + found.paths, name, filling, "the file name")
    if "currency" in own:
        return _currency(own, name, filling)
    if own & {"unit", "units"}:
        return _unit(own, name, hints, filling)
    if own & {"id", "code", "reference", "ref", "sku", "number", "tracking", "confirmation", "isbn"}:
        return _identifier(own, name, filling)
    if own & {"phone", "mobile", "tel"}:
        match = re.search(r"\+?\d[\d ()-]{6,}\d", filling.text)
        return filling.chose(name, match.group(), "the phone number") if match else _MISSING
    quote = _quote(name, filling)
    if quote is not _MISSING:
        return quote
    if _is_entity(name):
        return _entity(name, filling, required)
    if own & _TEXTUAL:
        phrase = _text_phrase(own, filling.text, required)
        return filling.chose(name, phrase[0], phrase[1]) if phrase else _MISSING
    noun = _noun_phrase(filling) if required else None  # an optional field is left out rather than guessed
    return filling.chose(name, noun[0], noun[1]) if noun else _MISSING


def _typed(candidates: list[Found], name: str, filling: Filling, what: str) -> Any:
    for item in candidates:
        if filling.take(item):
            return filling.chose(name, item.value, what)
    return _MISSING


def _moment(fmt: str | None, own: set[str], name: str, filling: Filling) -> Any:
    """Dates and times resolved against the fixed clock: ISO for `date`/`date-time`, a weekday for `day`."""
    dates, times = filling.found.dates, filling.found.times
    day = next((d for d in dates if f"@{d.start}" not in filling.used), None)
    if fmt == "date-time" and day is None and dates:
        day = dates[0]  # one day mentioned, several fields: they share it
    hour = next((t for t in times if f"@{t.start}" not in filling.used), None)
    wants_time = fmt == "time" or (own & {"time"} and not own & {"date", "datetime"} and fmt != "date-time")
    if wants_time:
        if hour is None:
            return _MISSING
        filling.take(hour)
        return filling.chose(name, hour.value + (":00+00:00" if fmt == "time" else ""), f"'{hour.raw}'")
    if day is None and hour is None:
        return _MISSING
    when = day.value if day else CLOCK.date()
    if fmt == "date-time" or (fmt != "date" and own & {"datetime", "start", "end"} and hour is not None):
        clock = hour.value if hour else "00:00"
        for item in (day, hour):
            if item:
                filling.take(item)
        value = datetime.fromisoformat(f"{when.isoformat()}T{clock}").replace(tzinfo=CLOCK.tzinfo).isoformat()
        raw = " ".join(i.raw for i in (day, hour) if i)
        return filling.chose(name, value, f"'{raw}', from {CLOCK:%Y-%m-%d %H:%M}")
    if day is None:
        return _MISSING
    filling.take(day)
    if fmt != "date" and own & {"day", "weekday"} and "date" not in own:
        return filling.chose(name, weekday_name(day.value), f"'{day.raw}'")
    return filling.chose(name, day.value.isoformat(), f"'{day.raw}', from {CLOCK:%Y-%m-%d}")


def _currency(own: set[str], name: str, filling: Filling) -> Any:
    text = filling.text
    mentions = [(m.start(), CURRENCIES[m.group().lower()]) for m in
                re.finditer(r"[$€£¥]|\b(?:" + "|".join(k for k in CURRENCIES if k.isalpha()) + r")\b", text,
                            re.IGNORECASE)]
    if own & {"to", "target"}:
        after = [c for s, c in mentions if re.search(r"\b(?:to|into|in)\s*$", text[max(0, s - 8) : s], re.I)]
        mentions = [(0, c) for c in after] + mentions
    for start, code in mentions:
        if f"${code}" not in filling.used:
            filling.used.add(f"${code}")
            return filling.chose(name, code, "the currency named")
    return _MISSING


# A lone `unit` whose tool or description converts *to* it is the unit asked for, not the amount's own.
_TARGET = re.compile(r"\bto (?:another|a different|a new|the target|the wanted|the desired)\b|\btarget\b", re.I)


def _unit(own: set[str], name: str, hints: set[str], filling: Filling) -> Any:
    """`350 fahrenheit` -> `fahrenheit`; a target unit (`to celsius`, `how many ml`) for a `to_unit`."""
    text = filling.text
    wanted = [m for m in re.finditer(r"\b(?:to|into|in)\s+([A-Za-z]+)|\bhow many\s+([A-Za-z]+)", text, re.I)
              if (m.group(1) or m.group(2)).lower() in UNITS]
    targets = [(m.group(1) or m.group(2), m.start()) for m in wanted]
    sources = [(q.value[1], q.start) for q in filling.found.quantities]
    lone_target = not ({"from", "source"} & own or any("unit" in s for s in filling.siblings if s != name)) and (
        _TARGET.search(filling.task) or hints & {"target"})
    order = targets + sources if own & {"to", "target"} or lone_target else sources + targets
    for unit, start in order:
        if f"~{unit.lower()}" not in filling.used:
            filling.used.add(f"~{unit.lower()}")
            return filling.chose(name, unit, "the unit after the number" if (unit, start) in sources
                                 else "the unit asked for")
    return _MISSING


def _identifier(own: set[str], name: str, filling: Filling) -> Any:
    ids = filling.found.ids
    matching = [i for i in ids if i.cue in own] + ids
    return _typed(matching, name, filling, "the id in the message")


def _quote(name: str, filling: Filling, *, cued_only: bool = False) -> Any:
    """Quoted text, matched to the field its cue word names (`called "x"` is a name, `saying "y"` a body)."""
    own = _words(name)
    free = [q for q in filling.found.quotes if f"@{q.start}" not in filling.used]
    others = {w for sibling in filling.siblings if sibling != name for w in _words(sibling)}
    mine = [q for q in free if own & _CUE_FIELDS.get(q.cue, set())]
    theirs = [q for q in free if others & _CUE_FIELDS.get(q.cue, set()) and not own & _CUE_FIELDS.get(q.cue, set())]
    for quote in mine + ([] if cued_only else [q for q in free if q not in theirs]):
        filling.take(quote)
        return filling.chose(name, quote.value, f"the quoted text after '{quote.cue}'" if quote.cue else "quoted")
    return _MISSING


# A trip's two ends: `from Paris to Rome`. A field for one end takes only the name its preposition marks.
_ORIGIN = {"origin", "source", "departure", "start", "from"}
_DESTINATION = {"destination", "dest", "arrival", "target", "to"}


def _entity(name: str, filling: Filling, required: bool) -> Any:
    own = _words(name)
    ends = {w for sibling in filling.siblings for w in _words(sibling)}
    if own & _ORIGIN and ends & _DESTINATION or own & _DESTINATION and ends & _ORIGIN:
        return _trip_end(name, "from" if own & _ORIGIN else "to", filling)
    for noun in proper_nouns(filling.text):
        if noun not in filling.used and not _NUMBER_ONLY.fullmatch(noun):
            filling.used.add(noun)
            return filling.chose(name, noun, "a name in the message")
    match = re.search(r"\b(?:in|at|to|from|for|near)\s+([a-z][\w\-]*(?:\s+[a-z][\w\-]*)?)\s*[?.!]?$",
                      filling.text.strip(), re.IGNORECASE)
    if match and match.group(1) not in filling.used:
        filling.used.add(match.group(1))
        return filling.chose(name, match.group(1), "the place after the preposition")
    called = re.search(r"\b(?:called|named)\s+([\w-]+)", filling.text, re.IGNORECASE)
    if called and called.group(1) not in filling.used:
        filling.used.add(called.group(1))
        return filling.chose(name, called.group(1), f"the word after '{called.group().split()[0]}'")
    noun = _noun_phrase(filling) if required else None
    return filling.chose(name, noun[0], noun[1]) if noun else _MISSING


def _trip_end(name: str, end: str, filling: Filling) -> Any:
    """`flights to Rome` names a destination only: the origin is asked for, not copied from it."""
    for noun in proper_nouns(filling.text):
        marked = re.search(rf"\b(?:{'from|leaving' if end == 'from' else 'to|into|for|towards'})\s+{re.escape(noun)}\b",
                           filling.text)
        before_to = end == "from" and re.search(rf"\b{re.escape(noun)}\s+to\s+[A-Z]", filling.text)
        if noun not in filling.used and (marked or before_to):
            filling.used.add(noun)
            return filling.chose(name, noun, f"the name after '{end}'" if marked else "the name before 'to'")
    return _MISSING


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!;])\s+|\n+", text.strip()) if s.strip()] or [text]


def _text_phrase(own: set[str], text: str, required: bool) -> tuple[str, str] | None:
    """The part of a request a text field wants: `search the docs for refund policy` -> `refund policy`.

    An optional field is filled only when a lead word made for it is there ("saying ..." for a body).
    """
    # A statement (a body, a fact to remember) keeps its own words, "my" included; a query is a bare noun phrase.
    statement = bool(own & {"body", "content", "text", "message", "note", "fact", "memory"})
    kind = "body" if statement else "query"
    first = (clauses(text) or [text])[0]
    # "called"/"named" lead to a name, not to a statement ("my partner is called Sam" is the whole fact).
    any_leads = _LEADS["any"].replace("called|named|titled|", "") if statement else _LEADS["any"]
    for leads in (_LEADS[kind], any_leads) if required else (_LEADS[kind],):
        phrase = _lead_phrase(first, leads, statement)
        if phrase:
            return phrase, "the words after the request's lead word"
    phrase = _strip_request(first, statement) if required else None
    return (phrase, "the request without its opening words") if phrase else None


def _lead_phrase(clause: str, leads: str, statement: bool = False) -> str | None:
    match = re.search(rf"\b(?:{leads})\s+(.+)", clause, re.IGNORECASE)
    return _trim(match.group(1), statement) if match else None


def _strip_request(clause: str, statement: bool = False) -> str | None:
    """`Can you find me the refund policy?` -> `refund policy`: the words after the opening request words."""
    words = clause.split()
    while words and (_bare(words[0]) in _REQUEST_VERBS or (
            _bare(words[0]) in _POLITE if statement else not content_words(words[0]))):
        words.pop(0)
    return _trim(" ".join(words), statement) if words else None


def _trim(phrase: str, statement: bool = False) -> str | None:
    phrase = re.split(r"[?!;]|\.(?:\s|$)|,\s+(?:what|which|how|can|could|please|and)\b", phrase, maxsplit=1)[0]
    phrase = re.sub(r"\s+please$|^please\s+", "", phrase.strip(" \"'.,"), flags=re.IGNORECASE)
    if not statement:
        phrase = re.sub(rf"^{_DETERMINERS}", "", phrase, flags=re.IGNORECASE).strip()
    return phrase if content_words(phrase) else None


def _bare(word: str) -> str:
    return word.lower().strip(".,!?;:'\"")


def _noun_phrase(filling: Filling) -> tuple[str, str] | None:
    """The thing a request is about, not its verbs or the tool's own words: `a recipe with tomatoes` -> `tomatoes`."""
    title = filling.root.get("title", "") if isinstance(filling.root, dict) else ""
    tool_words = content_words(f"{str(title).removesuffix('_args')} {split_identifier(filling.tool)}")
    first = (clauses(filling.text) or [filling.text])[0]
    tokens = re.findall(r"[A-Za-z][\w'-]*|\d[\d.,]*|[^\sA-Za-z\d]", first)
    runs: list[tuple[list[str], str]] = []
    run: list[str] = []
    lead = ""
    for token in tokens:
        bare = token.lower()
        keep = (token[0].isalpha() and bool(content_words(token)) and bare not in _REQUEST_VERBS | _NUMBER_NAMES
                and not content_words(token) <= tool_words and bare not in UNITS
                and f"@{token}" not in filling.used)
        if keep:
            run.append(token)
            continue
        if run:
            runs.append((run, lead))
            run = []
        lead = bare if token[0].isalpha() and not re.fullmatch(_DETERMINERS.strip(r"\s+"), bare) else lead
    if run:
        runs.append((run, lead))
    if not runs:
        return None
    led = [r for r in runs if r[1] in {"with", "of", "for", "about", "containing", "using", "on", "have", "got"}]
    # "Is lentil dal high in protein?": a yes/no question is about its subject, the first noun phrase.
    subject = not led and re.match(r"\s*(?:is|are|was|were|does|do|did|has|have)\b", first, re.IGNORECASE)
    words, cue = led[0] if led else runs[0] if subject else runs[-1]
    while len(words) > 1 and (words[-1].lower() in _META or subject and words[-1].lower() in _PREDICATES):
        words = words[:-1]  # "a vegetarian dinner idea" is about the dinner; "is dal high in ..." about the dal
    return " ".join(words), f"the words after '{cue}'" if cue else "the noun in the request"


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
