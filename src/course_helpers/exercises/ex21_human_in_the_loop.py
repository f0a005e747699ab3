"""Checkers for notebook 21: an approval function for big refunds, and deciding a saved run exactly once."""

from __future__ import annotations

import asyncio
import inspect
import tempfile
from pathlib import Path
from typing import Any

from agents import Agent, RunContextWrapper, Runner, RunState, function_tool

from course_helpers.checks import Hint, checker, offline_run_config, reference_solution
from course_helpers.offline import OfflineModel

__all__ = ["check_decide_saved_run", "check_refund_needs_review"]

_GUARD_SECONDS = 10  # far longer than a right answer takes; stops a loop that never ends from hanging the notebook
_AMOUNTS = {40: False, 100: False, 101: True, 900: True}  # refund -> should a person review it?


def _refund_desk(needs_approval: Any) -> tuple[Agent, list[tuple[str, int]]]:
    """An agent on the offline model whose refund tool uses `needs_approval`, and the list of refunds it pays."""
    paid: list[tuple[str, int]] = []

    @function_tool(needs_approval=needs_approval)
    def issue_refund(order_id: str, amount: int) -> str:
        """Refund `amount` whole dollars for an order."""
        paid.append((order_id, amount))
        return f"Refunded ${amount} for order {order_id}."

    return Agent(name="Support", instructions="Refund orders.", tools=[issue_refund], model=OfflineModel()), paid


async def _asked(policy: Any, amount: int) -> Any:
    decision = policy(RunContextWrapper(context=None), {"order_id": "5120", "amount": amount}, "call_1")
    return await decision if inspect.isawaitable(decision) else decision


@checker("return `params['amount'] > 100`: True means the refund waits for a person.")
async def check_refund_needs_review(refund_needs_review: Any) -> str:
    """Check the policy on amounts around $100, then in real runs of a refund tool that uses it."""
    try:
        answers = {amount: await _asked(refund_needs_review, amount) for amount in _AMOUNTS}
    except KeyError as error:
        raise Hint(f"`params` holds the tool's arguments by name, 'order_id' and 'amount'; {error} is not one.")
    if odd := [answer for answer in answers.values() if not isinstance(answer, bool)]:
        raise Hint(f"return True (a person reviews) or False (paid at once); yours returned {odd[0]!r}.")
    if answers == {amount: not wanted for amount, wanted in _AMOUNTS.items()}:
        raise Hint("it is the other way round: return True for the refunds a person must review, the big ones.")
    if all(answers.values()):
        raise Hint("every refund waits for a person; only those over $100 should.")
    if answers[100] and not answers[40]:
        raise Hint("$100 itself is paid at once ('up to and including'): compare with `> 100`, not `>= 100`.")
    if answers != _AMOUNTS:
        wrong = [f"${amount}" for amount, wanted in _AMOUNTS.items() if answers[amount] != wanted]
        raise Hint(f"the answer for {', '.join(wrong)} is wrong: refunds over $100 wait, the rest are paid at once.")
    agent, paid = _refund_desk(refund_needs_review)
    small = await Runner.run(agent, "Refund $40 for order 5120", run_config=offline_run_config())
    large = await Runner.run(agent, "Refund $900 for order 8800", run_config=offline_run_config())
    if small.interruptions or not large.interruptions or paid != [("5120", 40)]:
        raise Hint("called directly it decides well, but in a run it did not: make it take `(context, params, call_id)`.")
    return "in real runs the $40 refund was paid at once and the $900 one waited for a person."


@checker("load with `RunState.from_string(agent, path.read_text())`, decide, resume, write the result's state back.")
async def check_decide_saved_run(decide_saved_run: Any) -> str:
    """Check that a saved paused refund is approved (or rejected), resumed, saved back, and paid exactly once."""
    agent, paid = _refund_desk(True)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run.json"
        for approve in (True, False):
            paused = await Runner.run(agent, "Refund $120 for order 7731", run_config=offline_run_config())
            path.write_text(paused.to_state().to_string())
            paid.clear()
            result = await _call(decide_saved_run, agent, path, approve)
            verb = "approve" if approve else "reject"
            if result is None or not hasattr(result, "final_output"):
                raise Hint(f"return the result of `await Runner.run(agent, state)`; yours returned {result!r}.")
            if result.interruptions:
                raise Hint(f"the resumed run still waits: {verb} every item in `state.get_interruptions()` first.")
            if paid != ([("7731", 120)] if approve else []):
                raise Hint(f"with approve={approve} the refund was paid {len(paid)} time(s): "
                           "`state.approve(item)` when approve is true, `state.reject(item)` when it is false.")
            saved = await _saved_state(agent, path)
            if saved.get_interruptions():
                raise Hint("the file still holds the paused run, so a second call would decide it again: "
                           "write `result.to_state().to_string()` back to `path`.")
            await _call(decide_saved_run, agent, path, True)
            if paid != ([("7731", 120)] if approve else []):
                raise Hint("calling it a second time paid again: after resuming, only resume a run that still waits.")
    return "the approved refund was paid once, the rejected one never, and a second call changed nothing."


async def _call(decide_saved_run: Any, agent: Agent, path: Path, approve: bool) -> Any:
    outcome = decide_saved_run(agent, path, approve)
    if not inspect.isawaitable(outcome):
        raise Hint("make it `async def decide_saved_run(...)`: loading a state and resuming a run are awaited.")
    try:
        return await asyncio.wait_for(outcome, _GUARD_SECONDS)
    except asyncio.TimeoutError:
        raise Hint(f"it did not finish within {_GUARD_SECONDS} s: does a loop wait for something that never comes?")


async def _saved_state(agent: Agent, path: Path) -> RunState:
    try:
        return await RunState.from_string(agent, path.read_text())
    except Exception:
        raise Hint("the file at `path` is no longer a saved run: write `result.to_state().to_string()` to it.")


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.


@reference_solution(check_refund_needs_review)
def _refund_needs_review():
    """The SDK calls it with the tool's arguments as a dict, by name: `params["amount"]`. True means wait."""

    async def refund_needs_review(context, params, call_id):
        return params["amount"] > 100  # $100 itself is paid at once

    return refund_needs_review


@reference_solution(check_decide_saved_run)
def _decide_saved_run():
    """Writing the *resumed* run back over the file is what makes a second call harmless: it finds nothing waiting."""

    async def decide_saved_run(agent, path, approve):
        state = await RunState.from_string(agent, path.read_text())
        for item in state.get_interruptions():
            if approve:
                state.approve(item)
            else:
                state.reject(item)
        result = await Runner.run(agent, state)
        path.write_text(result.to_state().to_string())
        return result

    return decide_saved_run
