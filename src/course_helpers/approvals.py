"""Paused runs kept safely: a signed state file, the pending call by id, and one sentence for each kind of bad input."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from agents import Agent, RunContextWrapper, RunState, ToolApprovalItem
from agents.exceptions import UserError

from course_helpers.errors import CourseError

__all__ = ["ApprovalError", "load_run", "pending_item", "save_run"]

_HINT = "See notebook 21, section Bad input."


class ApprovalError(CourseError):
    """A paused run cannot be decided or resumed as asked; the sentence says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message, hint=_HINT)


def pending_item(state: RunState, call: str | ToolApprovalItem) -> ToolApprovalItem:
    """The call waiting for approval in `state` with this call id (or the same call as `call`), to approve or reject."""
    call_id = call.call_id if isinstance(call, ToolApprovalItem) else call
    pending = state.get_interruptions()
    for item in pending:
        if item.call_id == call_id:
            return item
    which = f"This {call.name} call" if isinstance(call, ToolApprovalItem) else f"The call {call_id!r}"
    waiting = ", ".join(item.name or "a tool" for item in pending) or "nothing"
    raise ApprovalError(
        f"{which} is not waiting for approval in this run (waiting: {waiting}): it was decided and resumed "
        "already, or it belongs to another run, so take the item from this state's get_interruptions()."
    )


def save_run(state: RunState, path: str | Path, key: bytes) -> None:
    """Write `state` to `path` as JSON with an HMAC-SHA256 signature, so that `load_run` notices any change."""
    snapshot = state.to_json()
    record = {"signature": _sign(snapshot, key), "run_state": snapshot}
    Path(path).write_text(json.dumps(record, indent=1), encoding="utf-8")


async def load_run(agent: Agent[Any], path: str | Path, key: bytes) -> RunState:
    """Read a run saved by `save_run`, check its signature, and rebuild it on `agent`'s graph to resume."""
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
        signature, snapshot = record["signature"], record["run_state"]
    except (ValueError, TypeError, KeyError) as error:
        raise ApprovalError(
            f"The state file {Path(path).name} is not a saved run ({type(error).__name__}: it is cut short, "
            "damaged or another file): restore it from your store, or start the run again from the request."
        ) from None
    if not isinstance(signature, str) or not hmac.compare_digest(signature, _sign(snapshot, key)):
        raise ApprovalError(
            f"The state file {Path(path).name} does not match its signature, so it was changed after it was saved "
            "(or signed with another key): do not resume it; start the run again from the original request."
        )
    saved_agent = snapshot.get("current_agent", {}).get("name")
    try:
        state = await RunState.from_json(agent, snapshot)
    except UserError as error:
        if "agent not found" not in str(error):
            raise
        raise ApprovalError(
            f"The saved run is with the agent {saved_agent!r}, which is not in the graph of {agent.name!r} you "
            "passed: resume with the same starting agent (and handoffs) the run was started with."
        ) from None
    await _check_tools(state, snapshot)
    return state


def _sign(snapshot: dict[str, Any], key: bytes) -> str:
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


async def _check_tools(state: RunState, snapshot: dict[str, Any]) -> None:
    """Every pending tool call must name a tool its agent still has, or the resumed run would fail on it."""
    agent = state._current_agent  # the agent the run resumes with; RunState has no public name for it
    have = {tool.name for tool in await agent.get_all_tools(RunContextWrapper(context=None))}  # MCP tools too
    for function in (snapshot.get("last_processed_response") or {}).get("functions", []):
        if (name := function["tool"]["name"]) not in have:
            raise ApprovalError(
                f"The saved run waits to call {name!r} on the agent {agent.name!r}, which has no such tool now: "
                "resume with the same agent graph the run was started with (same agents, same tools)."
            )
