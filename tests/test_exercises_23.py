"""The checkers of notebook 23 accept right answers and give specific hints for blank or wrong ones."""

import asyncio

import pytest
from agents import Runner, set_tracing_disabled

from course_helpers.exercises.ex23_context_engineering_and_sessions import check_retry_turn, check_within_budget


@pytest.fixture(autouse=True)
def no_trace_export():
    set_tracing_disabled(True)  # the learner's runs have no run_config; nothing to export offline
    yield
    set_tracing_disabled(False)


def within_budget(items, budget, tokens):
    """Worded unlike the notebook's solution: grow the kept suffix one whole turn at a time from the end."""
    kept, spent = [], 0
    turn = []
    for item in reversed(items):
        turn.insert(0, item)
        if item.get("role") != "user":
            continue
        cost = sum(map(tokens, turn))
        if kept and spent + cost > budget:
            break
        kept, spent, turn = turn + kept, spent + cost, []
    return kept


def test_within_budget_accepts_a_right_answer(capsys):
    assert check_within_budget(within_budget)
    assert capsys.readouterr().out.startswith("✅ it keeps the newest whole turns that fit")


def test_within_budget_blank(capsys):
    def within_budget(items, budget, tokens):
        ...

    assert not check_within_budget(within_budget)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — find where each turn starts")


def test_within_budget_counting_items_not_turns(capsys):
    def last_items(items, budget, tokens):
        kept = []
        for item in reversed(items):
            if sum(map(tokens, kept + [item])) > budget:
                break
            kept.insert(0, item)
        return kept

    assert not check_within_budget(last_items)
    assert "in the middle of a turn: cut only where a user message begins" in capsys.readouterr().out


def test_within_budget_keeping_everything(capsys):
    assert not check_within_budget(lambda items, budget, tokens: items)
    assert "drop the oldest turns until the rest fits" in capsys.readouterr().out


def test_within_budget_keeping_only_the_newest_turn(capsys):
    def newest_turn(items, budget, tokens):
        starts = [i for i, item in enumerate(items) if item.get("role") == "user"]
        return items[starts[-1]:] if starts else []

    assert not check_within_budget(newest_turn)
    assert "keep adding older whole turns while they fit" in capsys.readouterr().out


def test_within_budget_dropping_the_newest_turn_when_it_alone_is_too_big(capsys):
    def strict(items, budget, tokens):
        starts = [i for i, item in enumerate(items) if item.get("role") == "user"]
        keep_from = len(items)
        for start in reversed(starts):
            if sum(map(tokens, items[start:])) > budget:
                break
            keep_from = start
        return items[keep_from:]

    assert not check_within_budget(strict)
    assert "keep that one turn anyway" in capsys.readouterr().out


def test_within_budget_from_the_front(capsys):
    def oldest_first(items, budget, tokens):
        starts = [i for i, item in enumerate(items) if item.get("role") == "user"]
        return items[:starts[1]] if len(starts) > 1 else items

    assert not check_within_budget(oldest_first)
    assert "the newest ones, in their original order" in capsys.readouterr().out


def test_within_budget_as_a_coroutine(capsys):
    async def within_budget(items, budget, tokens):
        return items

    assert not check_within_budget(within_budget)
    assert "should be a plain `def`" in capsys.readouterr().out


def retry(checker, answer) -> bool:
    return asyncio.run(checker(answer))


async def retry_turn(session, agent, turn, message):
    """Worded unlike the notebook's solution: a named branch, and the branch id read back from the session."""
    await session.create_branch_from_turn(turn, branch_name=f"retry-{turn}")
    await Runner.run(agent, message, session=session)
    return next(entry["branch_id"] for entry in await session.list_branches() if entry["is_current"])


def test_retry_turn_accepts_a_right_answer(capsys):
    assert retry(check_retry_turn, retry_turn)
    out = capsys.readouterr().out
    assert out.startswith("✅ the new branch asks 'What is 84 - 16?' after turn 1 (reply: '84 - 16 = 68')")


def test_retry_turn_blank(capsys):
    async def retry_turn(session, agent, turn, message):
        ...

    assert not retry(check_retry_turn, retry_turn)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — call `await session.create_branch_from_turn")


def test_retry_turn_running_on_main(capsys):
    async def on_main(session, agent, turn, message):
        await Runner.run(agent, message, session=session)
        return "main"

    assert not retry(check_retry_turn, on_main)
    assert "the main branch changed" in capsys.readouterr().out


def test_retry_turn_without_running_the_message(capsys):
    async def branch_only(session, agent, turn, message):
        return await session.create_branch_from_turn(turn)

    assert not retry(check_retry_turn, branch_only)
    assert "run the message on it" in capsys.readouterr().out


def test_retry_turn_from_the_wrong_turn(capsys):
    async def from_turn_three(session, agent, turn, message):
        branch = await session.create_branch_from_turn(3)
        await Runner.run(agent, message, session=session)
        return branch

    assert not retry(check_retry_turn, from_turn_three)
    assert "pass `turn` to `create_branch_from_turn`" in capsys.readouterr().out


def test_retry_turn_returning_nothing(capsys):
    async def forgets_to_return(session, agent, turn, message):
        await session.create_branch_from_turn(turn)
        await Runner.run(agent, message, session=session)

    assert not retry(check_retry_turn, forgets_to_return)
    assert "return the branch id" in capsys.readouterr().out


def test_retry_turn_as_a_plain_function(capsys):
    def not_async(session, agent, turn, message):
        return None

    assert not retry(check_retry_turn, not_async)
    assert "write `async def retry_turn" in capsys.readouterr().out
