"""Checkers for notebook 13: carrying a conversation by hand, and undoing its last turn in a session."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

from agents import Agent, Runner, SQLiteSession
from agents.items import RunItemBase

from course_helpers.checks import reference_solution, Hint, checker, offline_run_config

__all__ = ["check_continue_conversation", "check_undo_last_turn"]

_FIRST, _NEXT = "What is 12 * 7?", "What is 84 + 16?"
_GUARD_SECONDS = 5  # far longer than a right answer takes; stops a loop that never ends from hanging the notebook



@checker("return `result.to_input_list()` plus a new user message `{'role': 'user', 'content': message}`.")
async def check_continue_conversation(continue_conversation: Any) -> str:
    """Check that `continue_conversation(result, message)` returns the whole history plus the new message."""
    agent = Agent(name="Assistant")
    first = await Runner.run(agent, _FIRST, run_config=offline_run_config())
    history = first.to_input_list()
    items = continue_conversation(first, _NEXT)
    if inspect.isawaitable(items):
        items.close()
        raise Hint("`continue_conversation` should be a plain `def`: it only builds a list, nothing to await.")
    if items is None:
        raise Hint(
            "it returned None. `list.append` changes a list in place and returns None: "
            "build the list, append to it, then `return` it (or return `history + [new_message]`)."
        )
    if not isinstance(items, list):
        raise Hint(f"return a list of input items, not a {type(items).__name__}.")
    if any(isinstance(item, RunItemBase) for item in items):
        raise Hint(
            "your list holds RunItem objects from `result.new_items`, which a run does not take as input: "
            "use `result.to_input_list()`, whose items are dicts."
        )
    if odd := [item for item in items if not isinstance(item, dict)]:
        raise Hint(
            f"every item should be a dict such as {{'role': 'user', 'content': '...'}}, but one is the "
            f"{type(odd[0]).__name__} {odd[0]!r}: wrap the new message as {{'role': 'user', 'content': message}}."
        )
    if not items or items[-1] != {"role": "user", "content": _NEXT}:
        raise Hint(
            f"the last item should be the new user message, {{'role': 'user', 'content': {_NEXT!r}}}; "
            f"yours ends with {items[-1] if items else 'nothing'}."
        )
    if len(items) == 1:
        raise Hint(
            "the list holds only the new message, so the model would not see the earlier turn: "
            "start from `result.to_input_list()`."
        )
    if items[:-1] != history:
        raise Hint(
            f"before the new message should come exactly `result.to_input_list()` ({len(history)} items: "
            f"the first question and the model's reply); you have {len(items) - 1}."
        )
    second = await Runner.run(agent, items, run_config=offline_run_config())
    total = len(second.to_input_list())
    return f"the next run was sent all {len(items)} items, and the conversation now holds {total}."


def _user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def _reply(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]}


_WEATHER_TURN = [
    _user("What is the weather in Tokyo?"),
    {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city": "Tokyo"}'},
    {"type": "function_call_output", "call_id": "call_1", "output": "sunny"},
    _reply("The weather in Tokyo is sunny."),
]
_SUM_TURN = [_user(_FIRST), _reply("12 * 7 = 84")]


async def _after_undo(undo_last_turn: Any, items: list[dict[str, Any]]) -> list[Any]:
    """Run the learner's function on a fresh in-memory session holding `items`; return what is left."""
    session = SQLiteSession("undo-check")
    try:
        await session.add_items(items)
        try:
            await asyncio.wait_for(undo_last_turn(session), _GUARD_SECONDS)
        except TimeoutError:
            raise Hint("`undo_last_turn` never finished: stop popping once the popped item is None.") from None
        except KeyError as error:
            raise Hint(
                f"it raised KeyError {error}: tool calls and tool outputs have no 'role' key, "
                "so read it with `item.get('role')`."
            ) from None
        except (TypeError, AttributeError) as error:
            if items:
                raise
            raise Hint(
                f"on an empty session it raised {type(error).__name__}: `pop_item()` returns None when "
                "there is nothing left, so stop when it does."
            ) from None
        return await session.get_items()
    finally:
        session.close()


@checker("pop items with `await session.pop_item()` until the item you popped is the user's message.")
async def check_undo_last_turn(undo_last_turn: Any) -> str:
    """Check that `undo_last_turn(session)` removes the last user message and everything after it."""
    if not inspect.iscoroutinefunction(undo_last_turn):
        raise Hint("write `async def undo_last_turn(session):` — the session's methods are coroutines to await.")
    left = await _after_undo(undo_last_turn, _SUM_TURN + _WEATHER_TURN)
    if left == _SUM_TURN + _WEATHER_TURN:
        raise Hint("nothing was removed: `await session.pop_item()` removes and returns the newest item.")
    if left == []:
        raise Hint("the whole conversation is gone. Only the last turn should go: pop, don't `clear_session()`.")
    if left == _SUM_TURN + _WEATHER_TURN[:-1]:
        raise Hint("only the reply was removed; keep popping until you have removed the user's message too.")
    if left == _SUM_TURN + _WEATHER_TURN[:2]:
        raise Hint(
            "you popped exactly two items, but this turn had a tool call: user message, function call, "
            "tool output, reply. Pop until the popped item has role 'user'."
        )
    if left != _SUM_TURN:
        raise Hint(
            f"after undoing, the session should hold the {len(_SUM_TURN)} items of the first turn; "
            f"it holds {len(left)}. Stop as soon as you pop an item whose role is 'user'."
        )
    if await _after_undo(undo_last_turn, _SUM_TURN) != []:
        raise Hint("a session with one turn should be empty after undoing it.")
    if await _after_undo(undo_last_turn, []) != []:
        raise Hint("an empty session should stay empty.")
    return "the last turn (user message, tool call, tool output and reply) is gone; the first turn stays."


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.


@reference_solution(check_continue_conversation)
def _continue_conversation():
    """`result.to_input_list()` gives the whole conversation of a run, the input it was given and every item it
    added, as input items; add one `{"role": "user", "content": ...}` dict after them, in a new list."""

    def continue_conversation(result, message):
        return result.to_input_list() + [{"role": "user", "content": message}]

    return continue_conversation


@reference_solution(check_undo_last_turn)
def _undo_last_turn():
    """Pop items from the newest end in a loop; stop after popping an item whose `"role"` is `"user"` (use
    `item.get("role")`, since tool items have none), or when `pop_item()` returns `None`."""

    async def undo_last_turn(session):
        while (item := await session.pop_item()) is not None:
            if item.get("role") == "user":  # the turn's first item: everything after it is gone too
                break

    return undo_last_turn
