"""Checkers for notebook 23: trimming a history to a token budget by whole turns, and retrying a turn on a branch."""

from __future__ import annotations

import inspect
from typing import Any

from agents import Agent
from agents.extensions.memory import AdvancedSQLiteSession

from course_helpers.checks import Hint, checker, reference_solution
from course_helpers.offline import OfflineModel, count_tokens

__all__ = ["check_retry_turn", "check_within_budget"]


def _user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def _reply(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]}


def _text(item: dict[str, Any]) -> str:
    content = item.get("content") or item.get("output") or item.get("arguments") or ""
    if isinstance(content, list):
        content = " ".join(part.get("text", "") for part in content)
    return str(content)


def _tokens(item: dict[str, Any]) -> int:
    """The checker's own measure: about four characters per token, as the offline model counts."""
    return count_tokens(_text(item))


# Three turns: a plain one, one with a reasoning item and a tool call, and a short last one.
_PARIS = [_user("My name is Ada, and I am planning a trip to Lisbon in May."), _reply("Lisbon in May is lovely.")]
_WEATHER = [
    _user("What is the weather in Lisbon today?"),
    {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Look up the weather."}]},
    {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city": "Lisbon"}'},
    {"type": "function_call_output", "call_id": "call_1", "output": "sunny, 24 degrees"},
    _reply("It is sunny in Lisbon, 24 degrees."),
]
_THANKS = [_user("Thanks! What is 12 * 7?"), _reply("12 * 7 = 84")]
_HISTORY = _PARIS + _WEATHER + _THANKS


def _total(items: list[Any]) -> int:
    return sum(_tokens(item) for item in items)


_LAST_TWO = _WEATHER + _THANKS
_BUDGET = _total(_LAST_TWO) + _total(_PARIS[-1:])  # room for the oldest reply, not for its question too


def _describe(items: list[Any]) -> str:
    turns = sum(1 for item in items if isinstance(item, dict) and item.get("role") == "user")
    return f"{len(items)} items ({turns} turn{'s' * (turns != 1)})"


def _call(within_budget: Any, items: list[dict[str, Any]], budget: int) -> list[Any]:
    kept = within_budget([dict(item) for item in items], budget, _tokens)
    if inspect.isawaitable(kept):
        kept.close()
        raise Hint("`within_budget` should be a plain `def`: it only picks items from a list, nothing to await.")
    if kept is None:
        raise Hint("it returned None: `return` the list of items to send.")
    if not isinstance(kept, list):
        raise Hint(f"return a list of items (a slice of `items`), not a {type(kept).__name__}.")
    return kept


@checker("find where each turn starts (the user messages), then keep the newest turns while their tokens fit.")
def check_within_budget(within_budget: Any) -> str:
    """Check `within_budget(items, budget, tokens)`: the newest whole turns that fit, the newest one always."""
    kept = _call(within_budget, _HISTORY, _BUDGET)
    if kept == _HISTORY:
        raise Hint(f"it kept all {len(_HISTORY)} items, {_total(_HISTORY)} tokens, over the budget of "
                   f"{_BUDGET}: drop the oldest turns until the rest fits.")
    if kept and kept[0] not in (_PARIS[0], _WEATHER[0], _THANKS[0]):
        raise Hint(f"the kept items start with a {kept[0].get('role') or kept[0].get('type')!r} item, in the "
                   "middle of a turn: cut only where a user message begins, so no reply loses its question.")
    if kept != _HISTORY[len(_HISTORY) - len(kept):]:
        raise Hint("the kept items should be the newest ones, in their original order: a slice from the end.")
    if _total(kept) > _BUDGET:
        raise Hint(f"the kept items add up to {_total(kept)} tokens, over the budget of {_BUDGET}.")
    if kept != _LAST_TWO:
        raise Hint(f"you kept {_describe(kept)}, but the two newest turns fit the budget ({_total(_LAST_TWO)} "
                   f"tokens of {_BUDGET}): keep adding older whole turns while they fit.")
    if _call(within_budget, _HISTORY, 10_000) != _HISTORY:
        raise Hint("with a budget larger than the whole history, every item should be kept.")
    if _call(within_budget, _HISTORY, 1) != _THANKS:
        raise Hint("when even the newest turn is over the budget, keep that one turn anyway: a request "
                   "without the latest exchange would make no sense.")
    if _call(within_budget, [], 100) != []:
        raise Hint("an empty history should give an empty list.")
    return "it keeps the newest whole turns that fit, never cuts a turn, and always keeps the newest one."


_TURNS = ["What is 12 * 7?", "What is 84 + 16?", "What is 100 - 1?"]
_RETRY = "What is 84 - 16?"


async def _session_with_three_turns() -> AdvancedSQLiteSession:
    session = AdvancedSQLiteSession(session_id="retry-check", create_tables=True)
    await session.add_items([item for question, answer in zip(_TURNS, ["84", "100", "99"])
                             for item in (_user(question), _reply(answer))])
    return session


async def _turns(session: AdvancedSQLiteSession, branch_id: str) -> list[str]:
    return [turn["content"] for turn in await session.get_conversation_turns(branch_id=branch_id)]


@checker("call `await session.create_branch_from_turn(turn)`, then run `message` with `session=session`.")
async def check_retry_turn(retry_turn: Any) -> str:
    """Check `retry_turn(session, agent, turn, message)`: a new branch from `turn`, with `message` run on it."""
    if not inspect.iscoroutinefunction(retry_turn):
        raise Hint("write `async def retry_turn(...)`: the session's methods and `Runner.run` are awaited.")
    session = await _session_with_three_turns()
    try:
        agent = Agent(name="Assistant", instructions="Answer briefly.", model=OfflineModel())
        branch = await retry_turn(session, agent, 2, _RETRY)
        main = await _turns(session, "main")
        branches = {entry["branch_id"] for entry in await session.list_branches()}
        if main != _TURNS:
            raise Hint(f"the main branch changed to {main}: create a branch first, so `main` keeps all three "
                       "turns, then run the message on the branch.")
        if branch is None:
            raise Hint("return the branch id that `create_branch_from_turn` gives you.")
        if branch not in branches:
            raise Hint(f"{branch!r} is not one of the session's branches ({sorted(branches)}): return the id "
                       "that `create_branch_from_turn` returned.")
        on_branch = await _turns(session, branch)
        if on_branch == _TURNS[:1]:
            raise Hint("the branch holds only the turn before turn 2: run the message on it with "
                       "`await Runner.run(agent, message, session=session)`.")
        if on_branch != [_TURNS[0], _RETRY]:
            raise Hint(f"the branch's turns are {on_branch}, but branching from turn 2 and asking again should "
                       f"give {[_TURNS[0], _RETRY]}: pass `turn` to `create_branch_from_turn`.")
        await session.switch_to_branch(branch)
        reply = _text((await session.get_items())[-1])
    finally:
        session.close()
    return f"the new branch asks {_RETRY!r} after turn 1 (reply: {reply!r}); main keeps all three turns."


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.


@reference_solution(check_within_budget)
def _within_budget():
    """Walk the turns from the newest: a turn is a user message and everything after it. Add a whole turn's tokens
    while the total stays within the budget; the newest turn goes in whatever it costs. Return one slice."""

    def within_budget(items, budget, tokens):
        starts = [i for i, item in enumerate(items) if item.get("role") == "user"]
        keep_from = starts[-1] if starts else len(items)  # the newest turn, always
        for start in reversed(starts[:-1]):
            if sum(tokens(item) for item in items[start:]) > budget:
                break
            keep_from = start
        return items[keep_from:]

    return within_budget


@reference_solution(check_retry_turn)
def _retry_turn():
    """`create_branch_from_turn(turn)` copies the turns before `turn` into a new branch and switches the session
    to it; a run with `session=session` then adds to that branch. Return the id it gave you."""
    from agents import Runner

    async def retry_turn(session, agent, turn, message):
        branch_id = await session.create_branch_from_turn(turn)
        await Runner.run(agent, message, session=session)
        return branch_id

    return retry_turn
