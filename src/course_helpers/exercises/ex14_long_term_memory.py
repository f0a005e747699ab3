"""Checkers for notebook 14: memories in dynamic instructions, and forgetting everything about a topic."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from agents import Agent, RunContextWrapper

from course_helpers.checks import reference_solution, Hint, checker
from course_helpers.memory import Memory, MemoryStore

__all__ = ["check_forget_about", "check_memory_instructions"]

_SAVED_ON = datetime(2025, 6, 2, 9, 0, tzinfo=timezone.utc)
_TEA = [
    "My favourite tea is jasmine.",
    "I drink green tea every afternoon.",
    "I never drink tea after 6 pm.",
    "I bought a new teapot last week, for tea with friends.",
]
_OTHERS = ["I live in Lisbon.", "My sister Maria lives in Porto."]


@dataclass
class _MemoryContext:
    """The same shape as the notebook's MemoryContext: the store, and the user's latest message."""

    store: MemoryStore
    message: str


class _RecordingStore(MemoryStore):
    """A MemoryStore that remembers what the learner's code asked of it: `search` queries, and `all()` calls."""

    def __init__(self) -> None:
        super().__init__(clock=lambda: _SAVED_ON)
        self.asked: list[str] = []

    def search(self, query: str, limit: int = 5) -> list[Memory]:
        self.asked.append(f"search({query!r})")
        return super().search(query, limit)

    def all(self) -> list[Memory]:
        self.asked.append("all()")
        return super().all()


def _store(texts: list[str]) -> _RecordingStore:
    store = _RecordingStore()
    for text in texts:
        store.add(text)
    return store


async def _instructions(memory_instructions: Any, store: MemoryStore, message: str) -> str:
    """Call the learner's function as the SDK would, and insist on a string."""
    text = memory_instructions(RunContextWrapper(_MemoryContext(store, message)), Agent(name="Assistant"))
    if inspect.isawaitable(text):
        text = await text
    if not isinstance(text, str):
        raise Hint(f"return the instructions as one string, not a {type(text).__name__}.")
    return text


@checker("search `ctx.context.store` for `ctx.context.message` and return instructions that list what you found.")
async def check_memory_instructions(memory_instructions: Any) -> str:
    """Check dynamic instructions that include up to 3 memories relevant to the latest message."""
    with _store(_TEA + _OTHERS) as store:
        text = await _instructions(memory_instructions, store, "Which tea should I make?")
        included = [memory for memory in _TEA + _OTHERS if memory in text]
        if not included:
            raise Hint(
                "none of the relevant memories is in your instructions: put each found memory's `.text` "
                "in the string you return."
            )
        if "Memory(" in text:
            raise Hint(
                "your instructions hold the Memory objects' repr (ids, datetimes, quotes), which the model has to "
                "read around: put each memory's `.text` in the string, one per line."
            )
        if any(memory in text for memory in _OTHERS):
            raise Hint(
                "your instructions include memories that have nothing to do with the message (Lisbon, Porto): "
                "use `ctx.context.store.search(ctx.context.message, limit=3)` rather than `all()`."
            )
        if len(included) > 3:
            raise Hint(f"{len(included)} memories were included; keep the prompt short with `limit=3`.")
        expected = [memory.text for memory in store.search("Which tea should I make?", limit=3)]
        if set(included) != set(expected):
            raise Hint(
                f"for 'Which tea should I make?' expected the 3 best matches, {expected}; you included {included}."
            )
        store.asked.clear()
        where = await _instructions(memory_instructions, store, "Where do I live?")
        if "I live in Lisbon." not in where or any(memory in where for memory in _TEA):
            asked = " and ".join(store.asked) or "nothing"
            raise Hint(
                f"for the message 'Where do I live?' your code asked the store for {asked}, so the instructions "
                "miss the Lisbon memory: use `ctx.context.store.search(ctx.context.message, limit=3)`."
            )
        nothing = await _instructions(memory_instructions, store, "Tell me a joke.")
        if not nothing.strip() or any(memory in nothing for memory in _TEA + _OTHERS):
            raise Hint("when nothing matches, still return instructions (without memories), not an empty string.")
    return "the instructions carry the 3 most relevant memories for each message, and none when nothing matches."


_GARDEN = [f"Garden note {n}: the roses need water." for n in range(1, 8)]


@checker("search the store for `topic`, call `store.forget(memory.id)` for each match, and return the count.")
def check_forget_about(forget_about: Any) -> str:
    """Check that `forget_about(store, topic)` deletes every matching memory, and only those."""
    with _store(_GARDEN + _OTHERS) as store:
        forgotten = forget_about(store, "roses")
        left = [memory.text for memory in store.all()]
        if left == _GARDEN + _OTHERS:
            raise Hint("nothing was deleted: call `store.forget(memory.id)` for each memory the search finds.")
        if not left:
            raise Hint(
                "every memory is gone, including Lisbon and Porto: forget only the memories the search finds "
                "(no `clear()`)."
            )
        if not all(text in left for text in _OTHERS):
            raise Hint("memories about other topics were deleted: forget only the ones `store.search(topic)` finds.")
        still = [text for text in left if text in _GARDEN]
        if len(still) == len(_GARDEN) - 1:
            raise Hint("only one memory was forgotten: loop over every search result, not just the first.")
        if len(still) == len(_GARDEN) - 5:
            raise Hint(
                "2 of the 7 matching memories are still there: `search` returns at most `limit` memories "
                "(5 by default). Search again until nothing is found, or pass a larger `limit`."
            )
        if still:
            raise Hint(f"{len(still)} matching memories are still there; forget every one the search finds.")
        if forgotten != len(_GARDEN):
            raise Hint(f"the memories are gone, but return how many you forgot ({len(_GARDEN)}), not {forgotten!r}.")
    return "all 7 memories about roses are forgotten, the others stay, and the count is right."


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.


@reference_solution(check_memory_instructions)
def _memory_instructions():
    """Search with the user's message: `ctx.context.store.search(ctx.context.message, limit=3)`. Put each memory's
    `.text` on a line of the instructions, and write a sentence of your own for when the search finds nothing."""

    def memory_instructions(ctx, agent):
        memories = ctx.context.store.search(ctx.context.message, limit=3)
        known = "\n".join(f"- {memory.text}" for memory in memories) or "- nothing relevant yet"
        return f"You are a helpful assistant. What you remember about the user:\n{known}"

    return memory_instructions


@reference_solution(check_forget_about)
def _forget_about():
    """`store.search(topic)` returns at most `limit` memories (5 by default), so one search may not find them all:
    search again until it finds nothing, forgetting each memory by its `.id` and counting."""

    def forget_about(store, topic):
        forgotten = 0
        while found := store.search(topic):  # search again: each search returns at most 5
            for memory in found:
                forgotten += store.forget(memory.id)
        return forgotten

    return forget_about
