"""The offline model's decision: call tools, hand off, or answer, like a very literal LLM.

It reads only what a real model would be sent (the conversation, the tools with their
JSON schemas, the output schema) and decides deterministically, with a reason for each choice.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from .answers import answer_from_tool_results, plain_answer
from .conversation import Decision, Message, ToolCall, ToolSpec
from .text import clauses, content_words, split_identifier, surface_words
from .values import Filling, fill_object

_NAME_WEIGHT = 3  # a word of the tool's name counts three times a word of its description
_HANDOFF_PREFIX = "transfer_to_"


@dataclass(frozen=True)
class _Match:
    tool: ToolSpec
    score: int
    hits: frozenset[str]
    clause: str
    because: str = ""  # set when the choice was not made by matching words


def count_tokens(text: str) -> int:
    """A deterministic token estimate: about four characters per token, as for English text."""
    return math.ceil(len(text) / 4)


def token_usage(messages: Sequence[Message], tools: Sequence[ToolSpec], decision: Decision) -> tuple[int, int]:
    """(input, output) tokens: messages, call arguments and tool schemas in; text or calls out."""
    sent = [m.content for m in messages] + [json.dumps(c.arguments) for m in messages for c in m.tool_calls]
    sent += [json.dumps({"name": t.name, "description": t.description, "parameters": t.parameters}) for t in tools]
    produced = [decision.text or ""] + [f"{c.name}{json.dumps(c.arguments)}" for c in decision.tool_calls]
    return sum(map(count_tokens, sent)), sum(map(count_tokens, produced))


def decide(
    messages: Sequence[Message],
    tools: Sequence[ToolSpec] = (),
    output_schema: dict[str, Any] | None = None,
    *,
    tool_choice: str = "auto",
) -> Decision:
    """Decide the next assistant turn from the conversation so far."""
    start = max((i for i, m in enumerate(messages) if m.role == "user"), default=-1)
    request = messages[start].content if start >= 0 else ""
    turn = list(messages[start + 1 :])
    made = [call for m in turn if m.role == "assistant" for call in m.tool_calls]
    names = {call.call_id: call.name for call in made}
    results = [(names.get(m.tool_call_id or "", "tool"), m.content) for m in turn if m.role == "tool"]
    results = [(name, output) for name, output in results if not name.startswith(_HANDOFF_PREFIX)]

    if tool_choice != "none" and tools:
        calls, why = _choose_calls(request, tools, made, results, tool_choice, _digest(messages))
        if calls:
            return Decision(text=None, tool_calls=tuple(calls), why=why)

    if results:
        reply, why = answer_from_tool_results(results), "answered from the tool results"
    else:
        reply, why = plain_answer(request)
    if output_schema is None:
        return Decision(text=reply, tool_calls=(), why=why)
    evidence = "\n".join([request, *(output for _, output in results)])
    filling = Filling(text=evidence, reply=reply)
    value = fill_object(output_schema, filling)
    notes = "; ".join(filling.notes) or "no field needed a decision"
    return Decision(text=json.dumps(value, ensure_ascii=False), tool_calls=(),
                    why=f"filled the output schema from the message: {notes}")


def _choose_calls(
    request: str,
    tools: Sequence[ToolSpec],
    made: list[ToolCall],
    results: list[tuple[str, str]],
    tool_choice: str,
    conversation: str,
) -> tuple[list[ToolCall], str]:
    functions = [t for t in tools if not t.is_handoff]
    handoffs = [t for t in tools if t.is_handoff]
    # Route first, then act: a handoff is only chosen before any tool has run in this turn.
    may_hand_off = not made
    forced = next((t for t in tools if t.name == tool_choice), None)

    if forced is not None:
        matches = [_Match(forced, 0, frozenset(), request, because="tool_choice named it")]
    else:
        matches = _function_matches(request, functions, made)
        handoff = _best(request, handoffs) if may_hand_off else None
        best_function = max((m.score for m in matches), default=0)
        if handoff is not None and handoff.score > best_function:
            matches = [handoff]
    if not matches and tool_choice == "required":
        best = _best(request, tools, threshold=False) or _Match(tools[0], 0, frozenset(), request)
        matches = [replace(best, because="tool_choice='required' and this tool matched best")]

    # Arguments come from the request; once tools have answered, from their results first.
    latest = "\n".join(output for _, output in results)
    calls, reasons, seen = [], [], {(c.name, json.dumps(c.arguments, sort_keys=True)) for c in made}
    for match in matches:
        sources = [text for text in (latest, match.clause, request) if text]
        arguments, filling = _arguments(match.tool, sources)
        key = (match.tool.name, json.dumps(arguments, sort_keys=True))
        if key in seen:
            continue
        seen.add(key)
        call_id = _call_id(conversation, len(calls), match.tool.name, arguments)
        calls.append(ToolCall(call_id=call_id, name=match.tool.name, arguments=arguments))
        reasons.append(_explain(match, arguments, filling))
    return calls, "; ".join(reasons)


def _digest(messages: Sequence[Message]) -> str:
    return json.dumps([[m.role, m.content, m.tool_call_id, [[c.call_id, c.name, c.arguments] for c in m.tool_calls]]
                       for m in messages], sort_keys=True, ensure_ascii=False)


def _call_id(conversation: str, index: int, name: str, arguments: dict[str, Any]) -> str:
    """Deterministic, and unique per conversation and call, even when a filter hides earlier calls."""
    seed = f"{conversation}|{index}|{name}|{json.dumps(arguments, sort_keys=True)}"
    return "call_" + hashlib.sha256(seed.encode()).hexdigest()[:12]


def _function_matches(request: str, functions: list[ToolSpec], made: list[ToolCall]) -> list[_Match]:
    """The best function tool for each thing the request asks for, skipping tools already used."""
    called = {call.name for call in made}
    fresh = [t for t in functions if t.name not in called]
    matches: list[_Match] = []
    parts = clauses(request)
    for clause in parts or [request]:
        match = _best(clause, fresh)
        if match is None and matches and _fills(matches[-1].tool, clause):
            # "weather in Tokyo and Paris": the second part reuses the first part's tool.
            match = _Match(matches[-1].tool, 0, frozenset(), clause, because=f"'{clause}' asks for the same tool again")
        if match is not None:
            matches.append(match)
    if not matches and len(parts) > 1:
        whole = _best(request, fresh)
        matches = [whole] if whole else []
    return matches


def _best(text: str, tools: Sequence[ToolSpec], *, threshold: bool = True) -> _Match | None:
    """The tool whose words best match the text; None when none clearly does."""
    wanted = content_words(text)
    best: _Match | None = None
    for tool in tools:
        name_words, other_words = _words(tool)
        name_hits, other_hits = name_words & wanted, (other_words - name_words) & wanted
        score = _NAME_WEIGHT * len(name_hits) + len(other_hits)
        # Routing needs one clear word; a function tool needs its name or two described words.
        clear = bool(name_hits) or len(other_hits) >= (1 if tool.is_handoff else 2)
        if (clear or not threshold) and score > 0 and (best is None or score > best.score):
            best = _Match(tool, score, frozenset(name_hits | other_hits), text)
    return best


def _words(tool: ToolSpec) -> tuple[set[str], set[str]]:
    """A tool's name words, and the words of its description and parameters."""
    name = tool.name.removeprefix(_HANDOFF_PREFIX) if tool.is_handoff else tool.name
    properties = (tool.parameters or {}).get("properties", {})
    params = " ".join(f"{split_identifier(k)} {v.get('description', '')}" for k, v in properties.items())
    return content_words(name), content_words(f"{tool.description} {params}")


def _schema(tool: ToolSpec) -> dict[str, Any]:
    return tool.parameters or {"type": "object", "properties": {}}


def _fills(tool: ToolSpec, clause: str) -> bool:
    """Whether the clause alone supplies every argument the tool needs."""
    return not _arguments(tool, [clause])[1].guessed


def _arguments(tool: ToolSpec, sources: list[str]) -> tuple[dict[str, Any], Filling]:
    """Arguments from the first source that supplies them all; else the last source's best guess."""
    for text in sources:
        filling = Filling(text=text)
        arguments = fill_object(_schema(tool), filling)
        if not filling.guessed:
            break
    return arguments, filling


def _explain(match: _Match, arguments: dict[str, Any], filling: Filling) -> str:
    kind = "handed off with" if match.tool.is_handoff else "called"
    matched = ", ".join(surface_words(match.clause, set(match.hits)))
    because = match.because or f"the request matched {matched} (score {match.score})"
    shown = json.dumps(arguments, ensure_ascii=False)
    notes = f" [{'; '.join(filling.notes)}]" if filling.notes else ""
    return f"{kind} {match.tool.name}{shown} because {because}{notes}"
