"""Model variants: the offline engine with habits real models have, to test that notebooks hold on any model.

A notebook's checks should hold whatever the model's style. Each variant keeps the offline engine's
decisions (which tool, which agent, which facts) and changes only how a real model might deliver them:
prose around answers, a sentence beside tool calls, one tool call per turn, reasoning items, other ids,
spaced JSON. The local server serves any of them: `OfflineServer(variant="chatty")`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from .offline.conversation import Decision, Message, ToolCall, ToolSpec
from .offline.engine import decide

__all__ = ["VARIANTS", "Variant", "variant_named"]


@dataclass(frozen=True)
class Variant:
    """How a model delivers the offline engine's decisions; the decisions themselves are the engine's."""

    name: str
    description: str
    prose: bool = False  # "Sure! ..." before a plain-text answer and an offer of more help after it
    preamble: bool = False  # a short sentence beside every batch of tool calls
    one_call_per_turn: bool = False  # calls that the engine makes together come one per model turn
    reasoning: bool = False  # a reasoning summary before every output
    spaced_json: bool = False  # arguments and structured output as indented JSON, not compact
    id_style: str = "offline"  # "offline", "openai", "anthropic" or "gemini": how tool-call ids look

    def decide(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec] = (),
        output_schema: dict[str, Any] | None = None,
        *,
        tool_choice: str = "auto",
    ) -> Decision:
        """The engine's next turn, delivered in this variant's style."""
        if self.one_call_per_turn:
            decision = _one_call_at_a_time(messages, tools, output_schema, tool_choice)
        else:
            decision = decide(messages, tools, output_schema, tool_choice=tool_choice)
        calls = tuple(self._styled_call(call) for call in decision.tool_calls)
        text = decision.text
        if text is not None and output_schema is not None and self.spaced_json:
            text = json.dumps(json.loads(text), ensure_ascii=False, indent=2)
        elif text is not None and output_schema is None and self.prose:
            text = f"Sure! {text}\n\nLet me know if there is anything else I can help with."
        preamble = None
        if calls and self.preamble:
            names = " and ".join(dict.fromkeys(call.name for call in calls))
            preamble = f"Let me use {names} for that."
        reasoning = None
        if self.reasoning:
            reasoning = f"The user wants an answer. I should {'call ' + calls[0].name if calls else 'reply'}."
        return replace(decision, text=text, tool_calls=calls, preamble=preamble, reasoning=reasoning)

    def _styled_call(self, call: ToolCall) -> ToolCall:
        text = json.dumps(call.arguments, ensure_ascii=False, indent=1) if self.spaced_json else None
        return replace(call, call_id=_styled_id(call.call_id, self.id_style), arguments_text=text)


def _styled_id(call_id: str, style: str) -> str:
    """A deterministic id in a provider's style, derived from the engine's id so it stays unique."""
    digest = hashlib.sha256(call_id.encode()).hexdigest()
    if style == "openai":
        return f"call_{digest[:24]}"
    if style == "anthropic":
        return f"toolu_01{digest[:22]}"
    if style == "gemini":
        return f"function-call-{int(digest[:15], 16)}"
    return call_id


def _one_call_at_a_time(
    messages: Sequence[Message], tools: Sequence[ToolSpec], output_schema: dict[str, Any] | None, tool_choice: str
) -> Decision:
    """The engine's decision as if each of its batches of calls were made one call per turn.

    It replays the turn: the engine decides on the conversation with this turn's single calls regrouped into
    the batches it would have made, and the first call of a batch not yet made is the next one to make.
    """
    start = max((i for i, m in enumerate(messages) if m.role == "user"), default=-1)
    replayed = list(messages[: start + 1])
    made: dict[str, tuple[ToolCall, Message | None]] = {}  # (name, arguments) -> the call and its result
    by_id: dict[str, str] = {}
    for message in messages[start + 1 :]:
        for call in message.tool_calls:
            made[_key(call)] = (call, None)
            by_id[call.call_id] = _key(call)
        if message.role == "tool" and message.tool_call_id in by_id:
            key = by_id[message.tool_call_id]
            made[key] = (made[key][0], message)
    unused = dict(made)
    for _ in range(len(made) + 1):
        decision = decide(replayed, tools, output_schema, tool_choice=tool_choice)
        missing = [call for call in decision.tool_calls if _key(call) not in unused]
        if not unused and not decision.tool_calls:
            return decision
        if missing and (len(missing) < len(decision.tool_calls) or not unused):
            return replace(decision, tool_calls=(missing[0],))  # the next call of this batch, or of a new one
        if not decision.tool_calls or missing:
            break  # the replay no longer matches what happened (a forced tool_choice, say)
        batch = [unused.pop(_key(call)) for call in decision.tool_calls]
        replayed.append(Message("assistant", "", tuple(call for call, _ in batch)))
        replayed += [result for _, result in batch if result is not None]
    decision = decide(messages, tools, output_schema, tool_choice=tool_choice)
    return replace(decision, tool_calls=decision.tool_calls[:1])


def _key(call: ToolCall) -> str:
    return json.dumps([call.name, call.arguments], sort_keys=True)


VARIANTS: dict[str, Variant] = {
    variant.name: variant
    for variant in (
        Variant("offline", "the offline engine as it is"),
        Variant("chatty", "prose around answers, a sentence beside tool calls, indented JSON, Anthropic-style ids",
                prose=True, preamble=True, spaced_json=True, id_style="anthropic"),
        Variant("one-at-a-time", "one tool call per turn, so more turns; Gemini-style ids",
                one_call_per_turn=True, id_style="gemini"),
        Variant("reasoning", "a reasoning item before every output, a sentence beside tool calls, OpenAI-style ids",
                reasoning=True, preamble=True, id_style="openai"),
    )
}


def variant_named(name: str) -> Variant:
    """The variant called `name`, or a one-sentence error listing the others."""
    try:
        return VARIANTS[name]
    except KeyError:
        raise ValueError(f"No model variant {name!r}: choose one of {', '.join(VARIANTS)}.") from None
