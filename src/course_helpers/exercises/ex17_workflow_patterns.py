"""Checkers for the exercises in notebooks/17_workflow_patterns.ipynb."""

from __future__ import annotations

import asyncio
import inspect
import json
from typing import Any

from agents import Agent, Runner, function_tool, trace
from agents.testing import ModelStep, ScriptedModel, assistant_message
from pydantic import BaseModel

from course_helpers.checks import reference_solution, Hint, checker
from course_helpers.offline import OfflineModel

__all__ = ["ROOMS", "RoomBooking", "check_room_gate", "check_run_all", "check_stuck_loop"]

ROOMS = {"Reading Room": 30, "Study Room 1": 4, "Study Room 2": 6}
"""The rooms a reader can book, and how many people each holds."""


class RoomBooking(BaseModel):
    """What the extraction step of the room-booking chain returns."""

    room: str
    hours: int
    people: int


_ALLOWED = [RoomBooking(room="Study Room 1", hours=2, people=3), RoomBooking(room="Reading Room", hours=4, people=30),
            RoomBooking(room="Study Room 2", hours=1, people=6)]
_REFUSED = [  # a booking the gate must stop, and the rule it breaks
    (RoomBooking(room="Music Room", hours=2, people=3), "the room must be one of ROOMS"),
    (RoomBooking(room="Study Room 2", hours=5, people=3), "bookings last 1 to 4 hours"),
    (RoomBooking(room="Study Room 2", hours=0, people=3), "bookings last 1 to 4 hours"),
    (RoomBooking(room="Study Room 1", hours=2, people=5), "no more people than the room holds (ROOMS[room])"),
]


@checker("write `room_gate(booking)` to return why a booking must stop, or None to let it through.")
def check_room_gate(room_gate: Any) -> str:
    """Check a gate: None for bookings that follow every rule, a reason (a non-empty str) for each broken rule."""
    for booking in _ALLOWED:
        verdict = room_gate(booking)
        if verdict is not None:
            raise Hint(
                f"the gate stopped {booking!r}, which follows every rule (it said {verdict!r}); return None then."
            )
    for booking, rule in _REFUSED:
        verdict = room_gate(booking)
        if verdict is None:
            raise Hint(f"the gate let {booking!r} through; check the rule: {rule}.")
        if not isinstance(verdict, str) or not verdict.strip():
            raise Hint(f"for {booking!r} return a sentence saying why it stops (a str), not {verdict!r}.")
    return "the gate lets good bookings through and says why it stops the others."


def _concurrency_probe() -> tuple[Agent, dict[str, int]]:
    """An offline agent whose tool records how many of its calls are running at the same moment."""
    seen = {"now": 0, "most": 0}

    @function_tool
    async def check_shelf(book_number: int) -> str:
        """Check which shelf a book is on."""
        seen["now"] += 1
        seen["most"] = max(seen["most"], seen["now"])
        await asyncio.sleep(0.05)  # long enough for other runs to start meanwhile
        seen["now"] -= 1
        return f"Book {book_number} is on shelf {book_number % 7}."

    return Agent(name="Shelf checker", tools=[check_shelf], model=OfflineModel()), seen


@checker("write `run_all(agent, requests, limit)` to run every request, at most `limit` at a time.")
async def check_run_all(run_all: Any) -> str:
    """Check that runs overlap up to the limit and never beyond it, with answers in the order of the requests."""
    if not inspect.iscoroutinefunction(run_all):
        raise Hint("make it `async def run_all(agent, requests, limit)`, so it can await the runs.")
    for limit in (2, 3):
        agent, seen = _concurrency_probe()
        requests = [f"Check the shelf of book {number}" for number in range(1, 7)]
        with trace("Exercise check", disabled=True):  # the learner's runs belong to no trace worth keeping
            answers = await run_all(agent, requests, limit=limit)
        if not isinstance(answers, list) or any(not isinstance(answer, str) for answer in answers):
            raise Hint("return a list of the runs' answers (each `result.final_output`), one str per request.")
        expected = [f"Book {number} is on shelf {number % 7}." for number in range(1, 7)]
        if sorted(answers) == sorted(expected) and answers != expected:
            raise Hint("the answers are out of order; asyncio.gather returns results in the order you pass the runs.")
        if answers != expected:
            raise Hint(f"the answers should be {expected[:2]}…, not {answers[:2]}….")
        if seen["most"] == 1:
            raise Hint("the runs went one at a time; start them together with asyncio.gather.")
        if seen["most"] > limit:
            raise Hint(
                f"with limit={limit}, {seen['most']} runs were in progress at once; let each run wait for a "
                "slot with `async with semaphore:` (semaphore = asyncio.Semaphore(limit))."
            )
        if seen["most"] < limit:
            raise Hint(f"with limit={limit} at most {seen['most']} runs overlapped; let {limit} run at once.")
    return "every request ran, never more than `limit` at a time, with the answers in order."


class _Feedback(BaseModel):
    passed: bool
    feedback: str


def _judge(*, varying: bool) -> Agent:
    """A stand-in judge that passes a draft only if it names the day; its feedback can quote the draft."""

    def verdict(call: Any) -> list[Any]:
        draft = call.input[-1]["content"]
        feedback = "Say the day: Tuesday." + (f" Your draft began {draft.split()[0]!r}." if varying else "")
        return [assistant_message(json.dumps({"passed": "Tuesday" in draft, "feedback": feedback}))]

    judge_model = ScriptedModel([ModelStep.respond(verdict) for _ in range(9)])  # more calls than any check makes
    return Agent(name="Judge", output_type=_Feedback, model=judge_model)


def _writer(*drafts: str) -> Agent:
    return Agent(name="Writer", model=ScriptedModel([[assistant_message(draft)] for draft in drafts]))


async def _loop(answer: Any, writer: Agent, judge: Agent, max_rounds: int) -> tuple[Any, int]:
    with trace("Exercise check", disabled=True):  # the learner's runs belong to no trace worth keeping
        result = await answer("Write a blurb for the Dracula evening.", writer, judge, max_rounds=max_rounds)
    return result, len(writer.model.calls)


@checker("write `write_until_approved_or_stuck(task, writer, judge, max_rounds)` from `write_until_approved`.")
async def check_stuck_loop(write_until_approved_or_stuck: Any) -> str:
    """Check the loop ends on a pass, on the same feedback twice in a row, or at the round limit."""
    if not inspect.iscoroutinefunction(write_until_approved_or_stuck):
        raise Hint("make it `async def write_until_approved_or_stuck(task, writer, judge, max_rounds=5)`.")
    passing = _writer("Dracula night!", "Dracula night, Tuesday at 6 pm.", "unused", "unused")
    result, calls = await _loop(write_until_approved_or_stuck, passing, _judge(varying=False), 4)
    if result != ("Dracula night, Tuesday at 6 pm.", 2, True):
        raise Hint(f"when the judge passes the 2nd draft, return (draft, 2, True); you returned {result!r}.")
    if "Say the day" not in str(passing.model.calls[1].input):
        raise Hint("the writer's second call did not include the judge's feedback; add it to the next prompt.")
    stuck = _writer("Dracula night!", "Dracula night!!", "Dracula night!!!", "Dracula night!!!!")
    result, calls = await _loop(write_until_approved_or_stuck, stuck, _judge(varying=False), 4)
    if calls > 2 or result != ("Dracula night!!", 2, False):
        raise Hint(
            "the judge gave the same feedback in rounds 1 and 2, so the loop should stop there and return "
            f"(the 2nd draft, 2, False); it ran {calls} rounds and returned {result!r}."
        )
    changing = _writer("Dracula night!", "A Dracula night!", "Our Dracula night!", "unused")
    result, calls = await _loop(write_until_approved_or_stuck, changing, _judge(varying=True), 3)
    if calls != 3 or result != ("Our Dracula night!", 3, False):
        raise Hint(
            f"when the feedback changes every round the loop should run to max_rounds=3 and return (the last draft, "
            f"3, False); it ran {calls} rounds and returned {result!r}."
        )
    return "the loop stops when the judge passes, when the feedback repeats, and at the round limit."


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.


@reference_solution(check_room_gate)
def _room_gate():
    """Check the three rules one after another and return a sentence at the first one broken: is `booking.room` a
    key of `ROOMS`, is `1 <= booking.hours <= 4`, is `booking.people` at most `ROOMS[booking.room]`? Return `None`
    when all three hold."""

    def room_gate(booking: RoomBooking) -> str | None:
        if booking.room not in ROOMS:  # first, so ROOMS[booking.room] below cannot fail
            return f"there is no room called {booking.room}; the rooms are {', '.join(ROOMS)}."
        if not 1 <= booking.hours <= 4:
            return f"a booking lasts 1 to 4 hours, not {booking.hours}."
        if booking.people > ROOMS[booking.room]:
            return f"{booking.room} holds {ROOMS[booking.room]} people, not {booking.people}."
        return None

    return room_gate


@reference_solution(check_run_all)
def _run_all():
    """Make one `asyncio.Semaphore(limit)`, write a small `async def run_one(request)` that does the run inside
    `async with semaphore:`, and `await asyncio.gather(...)` one `run_one` per request: gather keeps their order."""

    import asyncio

    async def run_all(agent, requests, limit):
        semaphore = asyncio.Semaphore(limit)

        async def run_one(request):
            async with semaphore:  # at most `limit` runs get past this line at once
                return (await Runner.run(agent, request)).final_output

        return await asyncio.gather(*(run_one(request) for request in requests))

    return run_all


@reference_solution(check_stuck_loop)
def _stuck_loop():
    """Start from `write_until_approved` and keep one more variable, the last round's feedback (`None` at first).
    After a failed verdict, return `(draft, round, False)` when its feedback equals the last one; else remember it."""

    async def write_until_approved_or_stuck(task, writer, judge, max_rounds=5):
        prompt, last_feedback = task, None
        for round_number in range(1, max_rounds + 1):
            draft = (await Runner.run(writer, prompt)).final_output
            verdict = (await Runner.run(judge, draft)).final_output
            if verdict.passed:
                return draft, round_number, True
            if verdict.feedback == last_feedback:  # same complaint twice: another round would not help
                return draft, round_number, False
            last_feedback = verdict.feedback
            prompt = f"{task}\nYour last draft: {draft}\nFix this: {verdict.feedback}"
        return draft, max_rounds, False

    return write_until_approved_or_stuck
