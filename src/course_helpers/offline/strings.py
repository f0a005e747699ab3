"""String fields: the words of a message a string parameter wants, by its name, format and cue words."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .entities import CLOCK, CURRENCIES, UNITS, Found, weekday_name
from .filling import MISSING, Filling, field_words
from .text import clauses, content_words, proper_nouns, split_identifier

_ENTITY = {"name", "city", "location", "place", "country", "person", "company", "destination", "origin",
           "recipient", "sender", "author", "customer", "airport", "team", "region", "state", "language",
           "town", "username", "who", "contact", "attendee", "guest", "assignee", "owner", "venue", "hotel"}
_ENTITY_STEMS = content_words(" ".join(_ENTITY | {"people", "participants", "members", "names", "invitees"}))
REASON = {"reason", "reasoning", "explanation", "rationale", "justification", "why"}
_REPLY = {"answer", "response", "reply", "output", "result", "final"}
_SUMMARY = {"summary", "gist", "headline"}
_TEXTUAL = {"query", "text", "topic", "subject", "term", "keyword", "search", "phrase", "input", "question", "prompt",
            "content", "body", "message", "fact", "note", "memory", "request", "task", "instruction", "title",
            "description", "comment", "caption", "label", "q", "preference", "instructions", "details"}
# Which cue before a quote says which kind of field it fills: 'called "notes.txt"' is a name, 'saying "hi"' a body.
_CUE_FIELDS = {"called": {"name", "filename", "file", "title", "label"}, "named": {"name", "filename", "file", "label"},
               "titled": {"title", "subject", "name", "heading"}, "entitled": {"title", "subject", "name"},
               "subject": {"subject", "title"}, "saying": {"body", "content", "text", "message", "note"},
               "says": {"body", "content", "text", "message"}, "reading": {"body", "content", "text", "message"},
               "text": {"body", "content", "text", "message"}, "message": {"body", "content", "text", "message"}}
# Words that lead into the part of a request a text field wants, by the kind of field.
_LEADS = {"body": r"saying|says|say|that|reading|telling (?:them|him|her)", "query": r"about|regarding|for|on|of",
          "any": r"about|regarding|for|on|that|called|named|titled|saying|says|say|of|with|to"}
REQUEST_VERBS = frozenset("""find search look show get give tell list fetch check book send write create make add
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


def _is_entity(name: str) -> bool:
    """Whether a field names people, places or things by their proper names (`city`, `attendees`)."""
    return bool(content_words(name) & _ENTITY_STEMS)


def list_items(text: str) -> list[tuple[str, str]]:
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


def string_value(schema: dict[str, Any], name: str, hints: set[str], filling: Filling, required: bool) -> Any:
    own, fmt, found = field_words(name), schema.get("format"), filling.found
    words = own | hints
    if words & REASON:
        return _reason(filling)
    if own & _REPLY and filling.reply:
        return filling.reply
    if own & _SUMMARY:
        return _key_sentence(filling.text)
    mail = {"subject", "body"} & {w for sibling in filling.siblings for w in field_words(sibling)}
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
        if named is not MISSING:
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
        return filling.chose(name, match.group(), "the phone number") if match else MISSING
    quote = _quote(name, filling)
    if quote is not MISSING:
        return quote
    if _is_entity(name):
        return _entity(name, filling, required)
    if own & _TEXTUAL:
        phrase = _text_phrase(own, filling.text, required)
        return filling.chose(name, phrase[0], phrase[1]) if phrase else MISSING
    noun = noun_phrase(filling) if required else None  # an optional field is left out rather than guessed
    return filling.chose(name, noun[0], noun[1]) if noun else MISSING


def _typed(candidates: list[Found], name: str, filling: Filling, what: str) -> Any:
    for item in candidates:
        if filling.take(item):
            return filling.chose(name, item.value, what)
    return MISSING


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
            return MISSING
        filling.take(hour)
        return filling.chose(name, hour.value + (":00+00:00" if fmt == "time" else ""), f"'{hour.raw}'")
    if day is None and hour is None:
        return MISSING
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
        return MISSING
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
    return MISSING


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
    return MISSING


def _identifier(own: set[str], name: str, filling: Filling) -> Any:
    ids = filling.found.ids
    matching = [i for i in ids if i.cue in own] + ids
    return _typed(matching, name, filling, "the id in the message")


def _quote(name: str, filling: Filling, *, cued_only: bool = False) -> Any:
    """Quoted text, matched to the field its cue word names (`called "x"` is a name, `saying "y"` a body)."""
    own = field_words(name)
    free = [q for q in filling.found.quotes if f"@{q.start}" not in filling.used]
    others = {w for sibling in filling.siblings if sibling != name for w in field_words(sibling)}
    mine = [q for q in free if own & _CUE_FIELDS.get(q.cue, set())]
    theirs = [q for q in free if others & _CUE_FIELDS.get(q.cue, set()) and not own & _CUE_FIELDS.get(q.cue, set())]
    for quote in mine + ([] if cued_only else [q for q in free if q not in theirs]):
        filling.take(quote)
        return filling.chose(name, quote.value, f"the quoted text after '{quote.cue}'" if quote.cue else "quoted")
    return MISSING


# A trip's two ends: `from Paris to Rome`. A field for one end takes only the name its preposition marks.
_ORIGIN = {"origin", "source", "departure", "start", "from"}
_DESTINATION = {"destination", "dest", "arrival", "target", "to"}


def _entity(name: str, filling: Filling, required: bool) -> Any:
    own = field_words(name)
    ends = {w for sibling in filling.siblings for w in field_words(sibling)}
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
    noun = noun_phrase(filling) if required else None
    return filling.chose(name, noun[0], noun[1]) if noun else MISSING


def _trip_end(name: str, end: str, filling: Filling) -> Any:
    """`flights to Rome` names a destination only: the origin is asked for, not copied from it."""
    for noun in proper_nouns(filling.text):
        marked = re.search(rf"\b(?:{'from|leaving' if end == 'from' else 'to|into|for|towards'})\s+{re.escape(noun)}\b",
                           filling.text)
        before_to = end == "from" and re.search(rf"\b{re.escape(noun)}\s+to\s+[A-Z]", filling.text)
        if noun not in filling.used and (marked or before_to):
            filling.used.add(noun)
            return filling.chose(name, noun, f"the name after '{end}'" if marked else "the name before 'to'")
    return MISSING


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
    while words and (bare(words[0]) in REQUEST_VERBS or (
            bare(words[0]) in _POLITE if statement else not content_words(words[0]))):
        words.pop(0)
    return _trim(" ".join(words), statement) if words else None


def _trim(phrase: str, statement: bool = False) -> str | None:
    phrase = re.split(r"[?!;]|\.(?:\s|$)|,\s+(?:what|which|how|can|could|please|and)\b", phrase, maxsplit=1)[0]
    phrase = re.sub(r"\s+please$|^please\s+", "", phrase.strip(" \"'.,"), flags=re.IGNORECASE)
    if not statement:
        phrase = re.sub(rf"^{_DETERMINERS}", "", phrase, flags=re.IGNORECASE).strip()
    return phrase if content_words(phrase) else None


def bare(word: str) -> str:
    return word.lower().strip(".,!?;:'\"")


def noun_phrase(filling: Filling) -> tuple[str, str] | None:
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
        keep = (token[0].isalpha() and bool(content_words(token)) and bare not in REQUEST_VERBS | _NUMBER_NAMES
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
