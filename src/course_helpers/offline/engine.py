"""The offline model's decision: call tools, hand off, ask, or answer, like a very literal LLM.

A pipeline: read the conversation (request.py), choose tools and handoffs by words and meaning (choice.py,
meaning.py), fill their values (values.py for a schema's structure, strings.py for string fields, filling.py for
what has been used), or answer in words (answers.py). It reads only what a real model is sent, except the prose
of the instructions, and gives a reason for each choice.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from typing import Any

from .answers import answer_from_tool_results, plain_answer
from .choice import choose
from .conversation import Decision, Message, ToolSpec
from .filling import Filling
from .request import read, recall
from .values import fill_object


def count_tokens(text: str) -> int:
    """A deterministic token estimate: about four characters per token, as for English text."""
    return math.ceil(len(text) / 4)


def token_usage(messages: Sequence[Message], tools: Sequence[ToolSpec], decision: Decision) -> tuple[int, int]:
    """(input, output) tokens: messages, call arguments and tool schemas in; text or calls out."""
    sent = [m.content for m in messages] + [json.dumps(c.arguments) for m in messages for c in m.tool_calls]
    sent += [json.dumps({"name": t.name, "description": t.description, "parameters": t.parameters}) for t in tools]
    produced = [decision.text or decision.refusal or ""] + [f"{c.name}{json.dumps(c.arguments)}" for c in decision.tool_calls]
    return sum(map(count_tokens, sent)), sum(map(count_tokens, produced))


def decide(
    messages: Sequence[Message],
    tools: Sequence[ToolSpec] = (),
    output_schema: dict[str, Any] | None = None,
    *,
    tool_choice: str = "auto",
) -> Decision:
    """Decide the next assistant turn from the conversation so far."""
    reading = read(messages)
    results = list(reading.results)
    if tool_choice != "none" and tools:
        conversation = _digest(messages)
        choice = choose(reading, tools, tool_choice, lambda i, name, args: _call_id(conversation, i, name, args))
        if choice.calls:
            return Decision(text=None, tool_calls=choice.calls, why=choice.why)
        if choice.question and output_schema is None:
            return Decision(text=choice.question, tool_calls=(), why=choice.why)

    if results:
        reply, why = answer_from_tool_results(results), "answered from the tool results"
    elif (recalled := recall(reading)) is not None:
        reply, why = recalled, "answered from the user's earlier messages in the conversation"
    else:
        reply, why = plain_answer(reading.request)
    if output_schema is None:
        return Decision(text=reply, tool_calls=(), why=why)
    evidence = "\n".join([reading.request, *(output for _, output in results)])
    filling = Filling(text=evidence, reply=reply)
    value = fill_object(output_schema, filling)
    if filling.refusal:  # a refusal the SDK raises as ModelRefusalError, not JSON that fails to validate
        return Decision(text=None, tool_calls=(), why=f"refused: {filling.refusal}", refusal=filling.refusal)
    notes = "; ".join(filling.notes) or "no field needed a decision"
    return Decision(text=json.dumps(value, ensure_ascii=False), tool_calls=(),
                    why=f"filled the output schema from the message: {notes}")


def _digest(messages: Sequence[Message]) -> str:
    return json.dumps([[m.role, m.content, m.tool_call_id, [[c.call_id, c.name, c.arguments] for c in m.tool_calls]]
                       for m in messages], sort_keys=True, ensure_ascii=False)


def _call_id(conversation: str, index: int, name: str, arguments: dict[str, Any]) -> str:
    """Deterministic, and unique per conversation and call (the SDK adapter also keeps them unique per run)."""
    seed = f"{conversation}|{index}|{name}|{json.dumps(arguments, sort_keys=True)}"
    return "call_" + hashlib.sha256(seed.encode()).hexdigest()[:12]
