"""The checkers of notebook 21 accept right answers and give specific hints for blank or wrong ones."""

import asyncio
from pathlib import Path

from agents import RunState, Runner

from course_helpers.exercises.ex21_human_in_the_loop import check_decide_saved_run, check_refund_needs_review


def check(checker, answer) -> bool:
    return asyncio.run(checker(answer))


# Exercise 1: refunds over $100 wait for a person.


def test_review_accepts_a_right_answer_worded_differently(capsys):
    def refund_needs_review(context, params, call_id):  # a plain def works too: the SDK awaits only awaitables
        small_enough = params.get("amount", 0) <= 100
        return not small_enough

    assert check(check_refund_needs_review, refund_needs_review)
    assert capsys.readouterr().out.startswith("✅ in real runs the $40 refund was paid at once")


def test_review_blank(capsys):
    async def refund_needs_review(context, params, call_id):
        ...

    assert not check(check_refund_needs_review, refund_needs_review)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — return `params['amount'] > 100`")


def test_review_the_wrong_way_round(capsys):
    async def pays_big_ones(context, params, call_id):
        return params["amount"] <= 100

    assert not check(check_refund_needs_review, pays_big_ones)
    assert "it is the other way round" in capsys.readouterr().out


def test_review_including_100(capsys):
    async def at_least_100(context, params, call_id):
        return params["amount"] >= 100

    assert not check(check_refund_needs_review, at_least_100)
    assert "`> 100`, not `>= 100`" in capsys.readouterr().out


def test_review_everything(capsys):
    async def always(context, params, call_id):
        return True

    assert not check(check_refund_needs_review, always)
    assert "every refund waits for a person" in capsys.readouterr().out


def test_review_a_wrong_threshold(capsys):
    async def over_500(context, params, call_id):
        return params["amount"] > 500

    assert not check(check_refund_needs_review, over_500)
    assert "the answer for $101 is wrong" in capsys.readouterr().out


def test_review_without_returning(capsys):
    async def forgets_return(context, params, call_id):
        params["amount"] > 100

    assert not check(check_refund_needs_review, forgets_return)
    assert "yours returned None" in capsys.readouterr().out


def test_review_with_the_wrong_key(capsys):
    async def by_total(context, params, call_id):
        return params["total"] > 100

    assert not check(check_refund_needs_review, by_total)
    assert "'order_id' and 'amount'; 'total' is not one" in capsys.readouterr().out


# Exercise 2: decide a saved run, resume it, and save it back, so a second call pays nothing twice.


def test_decide_accepts_a_right_answer_worded_differently(capsys):
    async def decide_saved_run(agent, path, approve):
        state = await RunState.from_json(agent, __import__("json").loads(Path(path).read_text()))
        decide = state.approve if approve else state.reject
        for item in state.get_interruptions():
            decide(item)
        result = await Runner.run(agent, state)
        Path(path).write_text(result.to_state().to_string())
        return result

    assert check(check_decide_saved_run, decide_saved_run)
    assert capsys.readouterr().out.startswith("✅ the approved refund was paid once, the rejected one never")


def test_decide_blank(capsys):
    async def decide_saved_run(agent, path, approve):
        ...

    assert not check(check_decide_saved_run, decide_saved_run)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — load with `RunState.from_string")


def test_decide_that_does_not_write_the_state_back(capsys):
    async def forgets_to_save(agent, path, approve):
        state = await RunState.from_string(agent, path.read_text())
        for item in state.get_interruptions():
            state.approve(item) if approve else state.reject(item)
        return await Runner.run(agent, state)

    assert not check(check_decide_saved_run, forgets_to_save)
    assert "the file still holds the paused run" in capsys.readouterr().out


def test_decide_that_always_approves(capsys):
    async def always_approves(agent, path, approve):
        state = await RunState.from_string(agent, path.read_text())
        for item in state.get_interruptions():
            state.approve(item)
        result = await Runner.run(agent, state)
        path.write_text(result.to_state().to_string())
        return result

    assert not check(check_decide_saved_run, always_approves)
    assert "with approve=False the refund was paid 1 time(s)" in capsys.readouterr().out


def test_decide_without_deciding(capsys):
    async def only_resumes(agent, path, approve):
        state = await RunState.from_string(agent, path.read_text())
        return await Runner.run(agent, state)

    assert not check(check_decide_saved_run, only_resumes)
    assert "the resumed run still waits" in capsys.readouterr().out


def test_decide_that_returns_nothing(capsys):
    async def returns_nothing(agent, path, approve):
        state = await RunState.from_string(agent, path.read_text())
        for item in state.get_interruptions():
            state.approve(item)
        await Runner.run(agent, state)

    assert not check(check_decide_saved_run, returns_nothing)
    assert "yours returned None" in capsys.readouterr().out


def test_decide_as_a_plain_function(capsys):
    def not_async(agent, path, approve):
        return None

    assert not check(check_decide_saved_run, not_async)
    assert "make it `async def decide_saved_run(...)`" in capsys.readouterr().out


def test_the_reference_solutions_pass(capsys):
    assert check(check_refund_needs_review, check_refund_needs_review.reference())
    assert check(check_decide_saved_run, check_decide_saved_run.reference())
