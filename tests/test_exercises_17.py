"""The checkers of notebook 17 accept right answers and give specific hints for blank or wrong ones."""

import asyncio

from agents import Runner

from course_helpers.exercises.ex17_workflow_patterns import (
    ROOMS,
    RoomBooking,
    check_room_gate,
    check_run_all,
    check_stuck_loop,
)


room_gate = check_room_gate.reference()  # the reference solution, from the package


def test_room_gate_checker_accepts_a_right_answer(capsys):
    assert check_room_gate(room_gate)
    assert capsys.readouterr().out.startswith("✅ the gate lets good bookings through")


def test_room_gate_checker_blank(capsys):
    def blank(booking: RoomBooking) -> str | None:
        ...

    assert not check_room_gate(blank)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write `room_gate(booking)`")


def test_room_gate_checker_explains_typical_mistakes(capsys):
    def off_by_one(booking):
        return room_gate(booking) or ("too long" if booking.hours >= 4 else None)

    def forgets_capacity(booking):
        return None if booking.room in ROOMS and 1 <= booking.hours <= 4 else "no"

    def returns_booleans(booking):
        return room_gate(booking) is not None or None

    expected = {
        off_by_one: "which follows every rule (it said 'too long')",
        forgets_capacity: "no more people than the room holds",
        returns_booleans: "return a sentence saying why it stops (a str), not True",
    }
    for answer, hint in expected.items():
        assert not check_room_gate(answer)
        out = capsys.readouterr().out
        assert out.startswith("🤔 Not quite") and hint in out, out


run_all = check_run_all.reference()  # the reference solution, from the package


def test_run_all_checker_accepts_a_semaphore_or_batches(capsys):
    async def in_batches(agent, requests, limit):
        answers = []
        for start in range(0, len(requests), limit):
            batch = requests[start:start + limit]
            answers += [r.final_output for r in await asyncio.gather(*(Runner.run(agent, q) for q in batch))]
        return answers

    assert asyncio.run(check_run_all(run_all))
    assert asyncio.run(check_run_all(in_batches))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith("✅ every request ran") for line in lines)


def test_run_all_checker_blank(capsys):
    async def blank(agent, requests, limit):
        ...

    assert not asyncio.run(check_run_all(blank))
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write `run_all(agent, requests, limit)`")


def test_run_all_checker_explains_typical_mistakes(capsys):
    async def one_at_a_time(agent, requests, limit):
        return [(await Runner.run(agent, request)).final_output for request in requests]

    async def no_limit(agent, requests, limit):
        return [r.final_output for r in await asyncio.gather(*(Runner.run(agent, q) for q in requests))]

    async def returns_results(agent, requests, limit):
        return list(await asyncio.gather(*(Runner.run(agent, q) for q in requests)))

    async def in_finishing_order(agent, requests, limit):
        return list(reversed(await run_all(agent, requests, limit)))

    def not_async(agent, requests, limit):
        return []

    expected = {
        one_at_a_time: "the runs went one at a time",
        no_limit: "runs were in progress at once",
        returns_results: "return a list of the runs' answers",
        in_finishing_order: "the answers are out of order",
        not_async: "make it `async def run_all",
    }
    for answer, hint in expected.items():
        assert not asyncio.run(check_run_all(answer))
        out = capsys.readouterr().out
        assert out.startswith("🤔 Not quite") and hint in out, (answer.__name__, out)


write_until_approved_or_stuck = check_stuck_loop.reference()  # the reference solution, from the package


def test_stuck_loop_checker_accepts_a_right_answer(capsys):
    assert asyncio.run(check_stuck_loop(write_until_approved_or_stuck))
    assert capsys.readouterr().out.startswith("✅ the loop stops when the judge passes")


def test_stuck_loop_checker_blank(capsys):
    async def blank(task, writer, judge, max_rounds=5):
        ...

    assert not asyncio.run(check_stuck_loop(blank))
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet")


def test_stuck_loop_checker_explains_typical_mistakes(capsys):
    async def never_notices_repeats(task, writer, judge, max_rounds=5):
        prompt = task
        for round_number in range(1, max_rounds + 1):
            draft = (await Runner.run(writer, prompt)).final_output
            verdict = (await Runner.run(judge, draft)).final_output
            if verdict.passed:
                return draft, round_number, True
            prompt = f"{task}\nFix this: {verdict.feedback}"
        return draft, max_rounds, False

    async def forgets_the_feedback(task, writer, judge, max_rounds=5):
        last = None
        for round_number in range(1, max_rounds + 1):
            draft = (await Runner.run(writer, task)).final_output
            verdict = (await Runner.run(judge, draft)).final_output
            if verdict.passed or verdict.feedback == last:
                return draft, round_number, verdict.passed
            last = verdict.feedback
        return draft, max_rounds, False

    async def stops_after_one_failure(task, writer, judge, max_rounds=5):
        draft = (await Runner.run(writer, task)).final_output
        verdict = (await Runner.run(judge, draft)).final_output
        return draft, 1, verdict.passed

    expected = {
        never_notices_repeats: "the judge gave the same feedback in rounds 1 and 2",
        forgets_the_feedback: "did not include the judge's feedback",
        stops_after_one_failure: "when the judge passes the 2nd draft, return (draft, 2, True)",
    }
    for answer, hint in expected.items():
        assert not asyncio.run(check_stuck_loop(answer))
        out = capsys.readouterr().out
        assert out.startswith("🤔 Not quite") and hint in out, (answer.__name__, out)
