"""Choosing tools and handoffs: one best tool per thing asked, by words and by meaning, with their arguments."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from .conversation import ToolCall, ToolSpec
from .filling import Filling
from .meaning import RELATED, meaning_words, similarity
from .request import HANDOFF_PREFIX, Reading, with_references_resolved
from .text import CALENDAR, STOPWORDS, content_words, parts, split_identifier, stem, surface_words
from .values import fill_object

_NAME_WEIGHT = 3  # a word of the tool's name counts three times a word of its description
_CLEARLY = 0.45  # how close a request's word must be to a destructive tool's verb to count as asking for it
# Tools that change or spend something: called only when the request clearly asks for that action.
_DESTRUCTIVE = frozenset(stem(w) for w in """delete remove cancel send pay transfer refund erase drop wipe purge
    destroy revoke terminate unsubscribe charge purchase buy withdraw archive overwrite reset kill""".split())
# Request shapes that ask for an action without naming it, and the words they imply.
_IMPLIED = tuple((re.compile(pattern, re.IGNORECASE), words) for pattern, words in (
    (r"\bhow (?:many|much) [a-z]+ (?:is|are|in|make|equals?) (?:a |an )?[\d.]", "convert"),
    (r"\bwhat (?:should|can|could|shall) (?:i|we) (?:make|cook|eat)\b|\b(?:dinner|lunch|breakfast|meal) ideas?\b",
     "recipe cook"),
    (r"\bmoney back\b", "refund"),
    (r"\bwhere(?:'s| is| are) my\b", "track status"),
    (r"\bwhat(?:'s| is| are) (?:in|on|inside)\b", "list"),
    (r"\bdo you (?:sell|have|stock|carry)\b|\b(?:do|did) (?:i|we) have (?:any|anything|an?)\b", "search find"),
    (r"\bget rid of\b|\bthrow (?:it |them )?away\b", "delete remove"),
))
# Imperative verbs and the tool verbs they ask for ("Show me report.pdf" reads it).
_VERBS = {"show": "read display view", "open": "read", "display": "read show", "view": "read show", "rename": "move",
          "email": "send email", "mail": "send email", "buy": "pay purchase", "put": "create add",
          "schedule": "create add", "plan": "create", "switch": "turn", "lookup": "find search get", "make": "create"}
_POLITE = re.compile(r"^(?:(?:please|kindly|ok|okay|so|now|hey|hi)[, ]+|(?:can|could|would|will) you (?:please )?|"
                     r"i(?:'d| would) like (?:you )?to |i want (?:you )?to |i need (?:you )?to )*", re.IGNORECASE)
# A sentence that tells about the user rather than asking for something: context for the request before it.
_CONTEXT = re.compile(r"^(?:my\s+\w+(?:\s+\w+)?\s+(?:is|are)|i\s+am|i'm|this is|we are|our\s+\w+\s+(?:is|are))\b",
                      re.IGNORECASE)
# Words that start a follow-up which leans on the previous turn: "And tomorrow?", "What about Rome?".
_FOLLOW_UP = ("and ", "what about", "how about", "same for", "also ", "now ", "then ")


@dataclass(frozen=True)
class Match:
    """A tool chosen for one part of the request, and why."""

    tool: ToolSpec
    score: float
    hits: tuple[str, ...]  # the request's words that matched, as written
    clause: str
    because: str = ""  # set when the choice was not made by matching words
    named: bool = False  # a word of the tool's name itself is in the request
    preset: tuple[dict[str, Any], Filling] | None = None  # a follow-up's arguments, decided with the previous call


@dataclass(frozen=True)
class Choice:
    """Calls to make, or a question to ask instead; `why` explains either."""

    calls: tuple[ToolCall, ...] = ()
    question: str | None = None
    why: str = ""


def choose(reading: Reading, tools: Sequence[ToolSpec], tool_choice: str, call_id) -> Choice:
    """The calls for this turn (or a clarifying question), given the conversation so far."""
    functions = [t for t in tools if not t.is_handoff]
    handoffs = [t for t in tools if t.is_handoff]
    request = reading.request
    forced = next((t for t in tools if t.name == tool_choice), None)
    if forced is not None:
        matches = [Match(forced, 0, (), request, because="tool_choice named it")]
    else:
        matches = _function_matches(reading, functions)
        # Route first, then act: a handoff is only chosen before any tool has run in this turn.
        handoff = _best(request, handoffs, tools) if not reading.made else None
        if handoff is not None and handoff.score > max((m.score for m in matches), default=0):
            matches = [handoff]
    if not matches and tool_choice == "required":
        best = _best(request, tools, tools, threshold=False) or Match(tools[0], 0, (), request)
        matches = [replace(best, because="tool_choice='required' and this tool matched best")]
    if not matches:
        return _which_tool(request, functions) if not reading.made else Choice()

    latest = "\n".join(output for _, output in reading.results)
    calls, reasons, missing = [], [], []
    seen = {(c.name, json.dumps(c.arguments, sort_keys=True)) for c in reading.made}
    for match in matches:
        sources = [text for text in (latest, match.clause, request) if text]
        arguments, filling = _arguments(match, sources, reading)
        if filling.guessed and not match.because.startswith("tool_choice"):
            missing.append((match, list(filling.guessed)))
            continue
        key = (match.tool.name, json.dumps(arguments, sort_keys=True))
        if key in seen:
            continue
        seen.add(key)
        calls.append(ToolCall(call_id=call_id(len(calls), match.tool.name, arguments), name=match.tool.name,
                              arguments=arguments))
        reasons.append(_explain(match, arguments, filling))
    if not calls and missing and not reading.made:
        match, guessed = missing[0]
        return Choice(question=ask_for(match.tool, guessed[0]),
                      why=f"{match.tool.name} fits ({_because(match)}), but the conversation does not say its "
                          f"{', '.join(guessed)}, so it asked instead of guessing")
    return Choice(calls=tuple(calls), why="; ".join(reasons))


def ask_for(tool: ToolSpec, parameter: str) -> str:
    """A short question for a missing value: read_file's `path` -> "Which file should I read?"."""
    words = split_identifier(parameter).lower().split()
    named = split_identifier(tool.name.removeprefix(HANDOFF_PREFIX)).lower().split()
    place = next((w for w in named if w in ("file", "directory", "folder")), "file")
    noun = place if words[-1] in ("path", "filename") or words[:1] == ["file"] else " ".join(
        w for w in words if w not in ("id", "name", "number")) or " ".join(words)
    action = [w for w in named if stem(w) not in {stem(n) for n in noun.split()}]
    verb, rest = (action[0], " ".join(action[1:])) if action else ("use", "")
    kind = _schema(tool).get("properties", {}).get(parameter, {}).get("type")
    if kind in ("integer", "number") and words[-1] not in ("amount", "quantity", "count", "total", "id", "number"):
        return f"How many {noun} should I {verb} the {rest} for?" if rest else f"How many {noun} should I {verb}?"
    which = "What" if words[-1] in ("amount", "quantity", "count", "total") else "Which"
    preposition, _, place = rest.partition(" ")
    if preposition in ("to", "from", "into", "onto", "in", "on", "for", "with") and place:  # add_to_cart's product
        return f"{which} {noun} should I {verb} {preposition} the {place}?"
    return f"{which} {noun} should I use to {verb} the {rest}?" if rest else f"{which} {noun} should I {verb}?"


def _which_tool(request: str, functions: list[ToolSpec]) -> Choice:
    """The request names only a word that three or more tools share ("my files"): ask which is meant."""
    shared = _common_words(functions) & content_words(request)
    candidates = [t.name for t in functions if _words(t)[0] & shared]
    if len(candidates) < 3:
        return Choice()
    words = ", ".join(surface_words(request, shared))
    return Choice(question=f"What would you like me to do with {words}? I can use {', '.join(candidates[:6])}.",
                  why=f"{len(candidates)} tools share the word {words}, which does not say which one is meant, "
                      "so it asked instead of calling them all")


def _function_matches(reading: Reading, functions: list[ToolSpec]) -> list[Match]:
    """The best function tool for each thing the request asks for, skipping tools already used this turn."""
    called = {call.name for call in reading.made}
    fresh = [t for t in functions if t.name not in called]
    request = reading.request
    matches: list[Match] = []
    for part in parts(request) or [request]:
        if matches and _CONTEXT.match(part):
            # "Sign me up for a card. My name is Ada.": the second sentence completes the first request.
            matches[-1] = replace(matches[-1], clause=f"{matches[-1].clause}. {part}")
            continue
        match = _best(part, fresh, functions)
        if match is None and matches and _fills(matches[-1].tool, part):
            # "weather in Tokyo, Paris and Rome": a later part reuses the first part's tool.
            match = Match(matches[-1].tool, 0, (), part, because=f"'{part}' asks for the same tool again")
        if match is not None:
            matches.append(match)
    if not matches:
        whole = _best(request, fresh, functions)
        matches = [whole] if whole else _follow_up(reading, fresh)
    if len(matches) == 1 and matches[0].preset is None and not _fills(matches[0].tool, matches[0].clause):
        matches = _per_item(matches[0], request)  # the tool was asked for in one place, its values listed in another
    # Once a tool has answered, another runs only if the request names it ("weather in the capital of France").
    if any(not call.name.startswith(HANDOFF_PREFIX) for call in reading.made):
        named = {m.tool.name for m in matches if m.named}
        matches = [m for m in matches if m.tool.name in named]
    return matches


def _per_item(whole: Match, request: str) -> list[Match]:
    """ "I have chicken and rice, what should I make?": one part asks for the tool; each listed item is a call."""
    items = [part for part in parts(request) if _fills(whole.tool, part)]
    if len(items) < 2:
        return [whole]
    return [replace(whole, clause=item, because=f"{_because(whole)}; '{item}' is one item of the list in it")
            for item in items]


def _follow_up(reading: Reading, fresh: list[ToolSpec]) -> list[Match]:
    """ "And in Rome?" after a weather question: the previous turn's tool, with the new value."""
    previous = reading.earlier[-1] if reading.earlier and not reading.made else None
    tool = next((t for t in fresh if previous and t.name == previous.name), None)
    text = reading.request.strip()
    if tool is None or not (text.lower().startswith(_FOLLOW_UP) or len(text.split()) <= 4):
        return []
    filling = Filling(text=text, tool=tool.name, task=tool.description)
    found = {k: v for k, v in fill_object(_schema(tool), filling).items() if k not in filling.guessed
             and not (k in previous.arguments and str(v).lower() in CALENDAR)}
    if not found or all(previous.arguments.get(k) == v for k, v in found.items()):
        return []
    kept = {k: v for k, v in previous.arguments.items() if k not in found}
    filling.notes[:] = [note for note in filling.notes if note.split("=")[0] in found]
    filling.notes += [f"{k}={v!r} (kept from the previous call)" for k, v in kept.items()]
    filling.guessed.clear()
    because = f"'{text}' follows up on the previous {tool.name} call with a new value"
    return [Match(tool, 0, (), text, because=because, preset=({**previous.arguments, **found}, filling))]


def _best(text: str, tools: Sequence[ToolSpec], every: Sequence[ToolSpec], *, threshold: bool = True) -> Match | None:
    """The tool whose words (or words of the same meaning) best match the text; None when none clearly does."""
    implied = _implied(text)
    wanted = content_words(text) | content_words(" ".join(implied))
    common = _common_words(every)
    best: Match | None = None
    for tool in tools:
        name_words, other_words = _words(tool)
        name_hits, other_hits = name_words & wanted, (other_words - name_words) & wanted
        meant = _meant(text, tool, name_hits | other_hits)
        # A word of the same meaning counts as much as the same word would, scaled by how close it is.
        score = _NAME_WEIGHT * len(name_hits) + len(other_hits)
        score += sum((_NAME_WEIGHT if in_name else 1) * closeness for _, in_name, closeness in meant.values())
        distinct = (name_hits - common) or any(in_name for _, in_name, _ in meant.values())
        # Routing needs one clear word; a function tool needs a distinctive name word or two described words.
        clear = bool(distinct) or len(other_hits) + len(meant) >= (1 if tool.is_handoff else 2)
        if threshold and not tool.is_handoff and _destructive(tool) and not _asks_for_action(text, tool, implied):
            continue
        if (clear or not threshold) and score > 0 and (best is None or score > best.score):
            hits = (*surface_words(text, set(name_hits | other_hits)), *(f"{w} (~{m})" for w, (m, _, _) in meant.items()),
                    *(f"{w} (implied by the question)" for w in sorted(implied) if stem(w) in name_hits | other_hits))
            best = Match(tool, score, hits, text, named=bool(name_hits))
    return best


def _meant(text: str, tool: ToolSpec, exact: set[str]) -> dict[str, tuple[str, bool, float]]:
    """The request's words that mean what a word of the tool's name or description means (not the same word):
    word -> (the tool's word, whether it is in the name, closeness)."""
    name, other = _meaning_words(tool)
    found: dict[str, tuple[str, bool, float]] = {}
    for word in meaning_words(text):
        if stem(word) in exact:
            continue
        scored = [(similarity(word, w), w in name, w) for w in (*name, *other) if stem(w) != stem(word)]
        closeness, in_name, match = max(scored, default=(0.0, False, ""))
        if closeness >= RELATED:
            found[word] = (match, in_name, closeness)
    return found


def _common_words(tools: Sequence[ToolSpec]) -> set[str]:
    """Name words that three or more of the tools share ("file" in a filesystem server): weak evidence."""
    counts: dict[str, int] = {}
    for tool in tools:
        for word in _words(tool)[0]:
            counts[word] = counts.get(word, 0) + 1
    return {word for word, count in counts.items() if count >= 3}


def _destructive(tool: ToolSpec) -> set[str]:
    return {stem(word) for word in split_identifier(tool.name).lower().split()} & _DESTRUCTIVE


def _implied(text: str) -> set[str]:
    """Words the request asks for without writing them: its shape ("Do you sell ...") or its opening verb."""
    words = {word for pattern, implied in _IMPLIED if pattern.search(text) for word in implied.split()}
    opening = _POLITE.sub("", text.strip()).split(maxsplit=1)
    verb = opening[0].lower().strip(",.!?") if opening else ""
    return words | set(_VERBS.get(verb, "").split()) | ({verb} if verb and verb not in STOPWORDS else set())


def _asks_for_action(text: str, tool: ToolSpec, implied: set[str]) -> bool:
    """Whether the request names the tool's destructive action itself, or a word that clearly means it."""
    verbs = _destructive(tool)
    if verbs & content_words(f"{text} {' '.join(implied)}"):
        return True
    name_words = [w for w in _meaning_words(tool)[0] if stem(w) in verbs]
    return any(similarity(word, verb) >= _CLEARLY for word in meaning_words(text) for verb in name_words)


def _words(tool: ToolSpec) -> tuple[set[str], set[str]]:
    """A tool's name words, and the words of its description and parameters (stemmed)."""
    name, other = _texts(tool)
    return content_words(name), content_words(other)


def _meaning_words(tool: ToolSpec) -> tuple[list[str], list[str]]:
    name, other = _texts(tool)
    return meaning_words(name), meaning_words(other)


def _texts(tool: ToolSpec) -> tuple[str, str]:
    name = tool.name.removeprefix(HANDOFF_PREFIX) if tool.is_handoff else tool.name
    description = tool.description
    if tool.is_handoff:  # the SDK's own sentence names every target the same way: only the rest tells them apart
        description = description.split(" to handle the request.", 1)[-1]
    properties = (tool.parameters or {}).get("properties", {})
    params = " ".join(f"{split_identifier(k)} {v.get('description', '')}" for k, v in properties.items())
    return name, f"{description} {params}"


def _schema(tool: ToolSpec) -> dict[str, Any]:
    return tool.parameters or {"type": "object", "properties": {}}


def _fills(tool: ToolSpec, clause: str) -> bool:
    """Whether the clause alone supplies every argument the tool needs."""
    filling = Filling(text=clause, tool=tool.name, task=tool.description)
    fill_object(_schema(tool), filling)
    return not filling.guessed


def _arguments(match: Match, sources: list[str], reading: Reading) -> tuple[dict[str, Any], Filling]:
    """Arguments from the first source that supplies them all; "that city" is the latest city named earlier."""
    if match.preset is not None:
        return match.preset
    schema = _schema(match.tool)
    resolved = with_references_resolved(match.clause, reading, None)
    for text in ([resolved[0]] if resolved else []) + sources:
        filling = Filling(text=text, tool=match.tool.name, task=match.tool.description)
        arguments = fill_object(schema, filling)
        if not filling.guessed:
            break
    if filling.guessed:  # "What time is it?": "it" may name the value that is missing
        resolved = with_references_resolved(match.clause, reading, filling.guessed[0])
        retry = Filling(text=resolved[0], tool=match.tool.name, task=match.tool.description) if resolved else filling
        retried = fill_object(schema, retry) if resolved else arguments
        arguments, filling, text = (retried, retry, resolved[0]) if not retry.guessed else (arguments, filling, "")
    if resolved is not None and text == resolved[0]:
        filling.notes.append(f"the reference in {match.clause!r} is {resolved[1]!r}, named earlier")
    return arguments, filling


def _because(match: Match) -> str:
    return match.because or f"the request matched {', '.join(match.hits)} (score {match.score:g})"


def _explain(match: Match, arguments: dict[str, Any], filling: Filling) -> str:
    kind = "handed off with" if match.tool.is_handoff else "called"
    shown = json.dumps(arguments, ensure_ascii=False)
    notes = f" [{'; '.join(filling.notes)}]" if filling.notes else ""
    return f"{kind} {match.tool.name}{shown} because {_because(match)}{notes}"
