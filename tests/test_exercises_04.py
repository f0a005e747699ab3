"""The async checkers of notebook 04 accept right answers and give specific hints for blank or wrong ones."""

import asyncio

import pytest

from course_helpers.exercises.ex04_async_python_and_notebooks import check_fetch_all, check_fetch_with_timeout


fetch_all = check_fetch_all.reference()  # the reference solution, from the package


async def blank_fetch_all(fetch, ids):
    ...


async def fetch_all_one_at_a_time(fetch, ids):
    return [await fetch(item_id) for item_id in ids]


async def fetch_all_in_finishing_order(fetch, ids):
    done, _ = await asyncio.wait([asyncio.ensure_future(fetch(item_id)) for item_id in ids])
    return sorted(task.result() for task in done)


async def fetch_all_without_await(fetch, ids):
    return asyncio.gather(*(fetch(item_id) for item_id in ids))


def fetch_all_not_async(fetch, ids):
    return [fetch(item_id) for item_id in ids]


fetch_with_timeout = check_fetch_with_timeout.reference()  # the reference solution, from the package


async def blank_fetch_with_timeout(fetch, item_id, seconds):
    ...


async def fetch_with_timeout_uncaught(fetch, item_id, seconds):
    return await asyncio.wait_for(fetch(item_id), timeout=seconds)


async def fetch_with_no_timeout(fetch, item_id, seconds):
    return await fetch(item_id)


async def fetch_with_timeout_leaving_fetch_running(fetch, item_id, seconds):
    task = asyncio.ensure_future(fetch(item_id))
    done, _ = await asyncio.wait({task}, timeout=seconds)
    return task.result() if done else "timed out"


def run_check(check, answer):
    return asyncio.run(check(answer))


def test_fetch_all_checker_accepts_gather(capsys):
    assert run_check(check_fetch_all, fetch_all)
    assert capsys.readouterr().out.startswith("✅")


def test_fetch_all_checker_calls_an_empty_function_not_attempted(capsys):
    assert not run_check(check_fetch_all, blank_fetch_all)
    assert "Not attempted yet" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "expected_hint"),
    [
        (fetch_all_one_at_a_time, "one at a time"),
        (fetch_all_in_finishing_order, "in the order of `ids`"),
        (fetch_all_without_await, "put `await` in front"),
        (fetch_all_not_async, "async def"),
    ],
)
def test_fetch_all_checker_explains_a_typical_mistake(wrong, expected_hint, capsys):
    assert not run_check(check_fetch_all, wrong)
    out = capsys.readouterr().out
    assert out.startswith("🤔 Not quite")
    assert expected_hint in out


def test_timeout_checker_accepts_wait_for(capsys):
    assert run_check(check_fetch_with_timeout, fetch_with_timeout)
    assert capsys.readouterr().out.startswith("✅")


def test_timeout_checker_calls_an_empty_function_not_attempted(capsys):
    assert not run_check(check_fetch_with_timeout, blank_fetch_with_timeout)
    assert "Not attempted yet" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "expected_hint"),
    [
        (fetch_with_timeout_uncaught, "except TimeoutError"),
        (fetch_with_no_timeout, "timeout=seconds"),
        (fetch_with_timeout_leaving_fetch_running, "left running"),
    ],
)
def test_timeout_checker_explains_a_typical_mistake(wrong, expected_hint, capsys):
    assert not run_check(check_fetch_with_timeout, wrong)
    out = capsys.readouterr().out
    assert out.startswith("🤔 Not quite")
    assert expected_hint in out
