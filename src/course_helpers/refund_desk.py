"""A refund desk run as separate processes: one starts a refund and saves the paused run, another decides and resumes it.

    python -m course_helpers.refund_desk start FOLDER "Refund $120 for order 7731"
    python -m course_helpers.refund_desk decide FOLDER --approve 7731

`start` runs the agent until a refund waits for approval and writes the paused run to FOLDER/run.json; `decide`
loads it in a new process, approves the refunds for the orders given and rejects the others, resumes, and writes the
decided run back over the file. Every refund really paid is one row in FOLDER/refunds.db.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
from contextlib import closing
from pathlib import Path

from agents import Agent, RunContextWrapper, Runner, RunState, function_tool


@function_tool(needs_approval=True)
def issue_refund(context: RunContextWrapper[dict], order_id: str, amount: int) -> str:
    """Refund `amount` whole dollars for an order."""
    with closing(sqlite3.connect(context.context["ledger"])) as db, db:  # the run's context names the ledger
        db.execute("CREATE TABLE IF NOT EXISTS refunds (order_id TEXT, amount INTEGER)")
        db.execute("INSERT INTO refunds VALUES (?, ?)", (order_id, amount))
    return f"Refunded ${amount} for order {order_id}."


refund_desk = Agent(name="Refund desk", instructions="Refund orders when customers ask.", tools=[issue_refund])


def refunds_paid(folder: str | Path) -> list[tuple[str, int]]:
    """Every refund the desk has paid, oldest first: the rows of FOLDER/refunds.db."""
    ledger = Path(folder) / "refunds.db"
    if not ledger.exists():
        return []
    with closing(sqlite3.connect(ledger)) as db:
        return db.execute("SELECT order_id, amount FROM refunds ORDER BY rowid").fetchall()


async def start(folder: Path, request: str) -> None:
    """Run the request until it finishes or pauses, and save the run to FOLDER/run.json."""
    result = await Runner.run(refund_desk, request, context={"ledger": str(folder / "refunds.db")})
    (folder / "run.json").write_text(result.to_state().to_string(), encoding="utf-8")
    for item in result.interruptions:
        print(f"waiting for approval: {item.name} {item.arguments}")
    print(f"saved the run to run.json; {len(result.interruptions)} call(s) waiting, process ends")


async def decide(folder: Path, approve: set[str]) -> None:
    """Load FOLDER/run.json, approve refunds for the orders in `approve`, reject the rest, resume, save it back."""
    state = await RunState.from_string(refund_desk, (folder / "run.json").read_text(encoding="utf-8"))
    if not state.get_interruptions():
        print("nothing is waiting for approval in run.json")
        return
    while pending := state.get_interruptions():  # a resumed run may pause again on its next call
        for item in pending:
            order = str(json.loads(item.arguments or "{}").get("order_id", ""))
            if order in approve:
                state.approve(item)
            else:
                state.reject(item, rejection_message=f"A reviewer declined the refund for order {order}.")
            print(f"{'approved' if order in approve else 'rejected'}: {item.name} for order {order}")
        result = await Runner.run(refund_desk, state)
        state = result.to_state()
    (folder / "run.json").write_text(state.to_string(), encoding="utf-8")  # decided: a repeat finds nothing
    print("finished:", result.final_output)


def main(argv: list[str] | None = None) -> None:
    """Parse `start FOLDER REQUEST` or `decide FOLDER --approve ORDER...` and run it on the course's model."""
    parser = argparse.ArgumentParser(prog="python -m course_helpers.refund_desk", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    starting = commands.add_parser("start", help="run a request until it pauses, and save it")
    starting.add_argument("folder", type=Path)
    starting.add_argument("request")
    deciding = commands.add_parser("decide", help="approve or reject the waiting refunds, and resume")
    deciding.add_argument("folder", type=Path)
    deciding.add_argument("--approve", nargs="*", default=[], metavar="ORDER", help="order ids to refund")
    args = parser.parse_args(argv)

    from course_helpers import setup

    setup()
    if args.command == "start":
        asyncio.run(start(args.folder, args.request))
    else:
        asyncio.run(decide(args.folder, set(args.approve)))


if __name__ == "__main__":
    main()
