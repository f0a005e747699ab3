"""Reading the conversation: the latest request, this turn's calls and results, and what came before."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .conversation import Message, ToolCall

HANDOFF_PREFIX = "transfer_to_"
# "that city", "that one", "there": words that point back at a value named earlier ("it" only when one is missing).
_REFERENCE = re.compile(r"\b(?:(?:that|this|the same)\s+(?!is\b|was\b|one\b)([a-z]+)|that one|(there))\b",
                        re.IGNORECASE)
_PRONOUN = re.compile(r"\b(?:it|them)\b", re.IGNORECASE)
_RECALL = re.compile(r"\bwhat\s+(?:did|was|were)\s+(?:i|my)\s+(?:\w+\s+){0,2}"
                     r"(?:ask|say|tell|question|message|request)", re.IGNORECASE)
_FIRST = re.compile(r"\b(?:first|start|beginning)\b", re.IGNORECASE)
# "My name is Ada." told earlier, then "What is my name?": facts the user stated about themselves.
_TOLD = re.compile(r"\bmy ([a-z]+(?: [a-z]+)?) is ([^.,;!?\n]+)", re.IGNORECASE)
_ASKED = re.compile(r"\b(?:what(?:'s| is)|do you (?:know|remember)|tell me) my ([a-z]+(?: [a-z]+)?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Reading:
    """What the model reads from the messages it is sent (instructions' prose is not read)."""

    request: str  # the latest user message
    asked: tuple[str, ...]  # every user message, oldest first
    made: tuple[ToolCall, ...]  # tool calls made since the latest user message
    results: tuple[tuple[str, str], ...]  # (tool name, output) of this turn's function tools
    earlier: tuple[ToolCall, ...]  # function tool calls of earlier turns, oldest first


def read(messages: Sequence[Message]) -> Reading:
    """Split the conversation into the request, this turn's work, and the history before it."""
    start = max((i for i, m in enumerate(messages) if m.role == "user"), default=-1)
    turn = messages[start + 1:]
    made = tuple(call for m in turn if m.role == "assistant" for call in m.tool_calls)
    names = {call.call_id: call.name for call in made}
    results = ((names.get(m.tool_call_id or "", "tool"), m.content) for m in turn if m.role == "tool")
    earlier = tuple(call for m in messages[:max(start, 0)] if m.role == "assistant" for call in m.tool_calls
                    if not call.name.startswith(HANDOFF_PREFIX))
    return Reading(
        request=messages[start].content if start >= 0 else "",
        asked=tuple(m.content for m in messages if m.role == "user"),
        made=made,
        results=tuple((name, out) for name, out in results if not name.startswith(HANDOFF_PREFIX)),
        earlier=earlier,
    )


def recall(reading: Reading) -> str | None:
    """An answer from the user's own earlier messages ("What did I ask you first?", "What is my name?"), or None."""
    before = reading.asked[:-1]
    if (asked := _ASKED.search(reading.request)) is not None:
        return _told(asked.group(1).lower(), before)
    if not _RECALL.search(reading.request):
        return None
    if not before:
        return "This is the first thing you have asked me in this conversation."
    first = bool(_FIRST.search(reading.request))
    return f"You {'first' if first else 'last'} asked: \u201c{before[0] if first else before[-1]}\u201d"


def _told(subject: str, before: tuple[str, ...]) -> str | None:
    """ "Your name is Ada." when an earlier message said "My name is Ada"; None when none said it."""
    for message in reversed(before):
        for told, value in _TOLD.findall(message):
            if told.lower() == subject or told.lower().split()[-1] == subject.split()[-1]:
                return f"Your {subject} is {value.strip()}."
    return None


def with_references_resolved(text: str, reading: Reading, wanted: str | None) -> tuple[str, str] | None:
    """The text with "that city" or "there" (or, when a value is `wanted`, "it") replaced by the latest matching
    value named earlier, and that value; None when there is no reference or no earlier value."""
    match = _REFERENCE.search(text) or (_PRONOUN.search(text) if wanted else None)
    if match is None:
        return None
    noun = match.group(1) if match.re is _REFERENCE else None
    value = latest_value(reading, noun or wanted or "")
    if value is None:
        return None
    replacement = f"in {value}" if match.re is _REFERENCE and match.group(2) else value
    return f"{text[:match.start()]}{replacement}{text[match.end():]}", value


def latest_value(reading: Reading, noun: str) -> str | None:
    """The latest string argument of an earlier call whose parameter is named like `noun`, else any."""
    values = [(key, value) for call in reversed(reading.earlier + reading.made)
              for key, value in call.arguments.items() if isinstance(value, str) and value.strip()]
    named = [value for key, value in values if noun.lower() in key.lower() or key.lower() in noun.lower()]
    return (named or [value for _, value in values] or [None])[0]
