"""Checkers for notebook 04: concurrent fetches with gather, and a fetch with a timeout."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from typing import Any

from course_helpers.checks import reference_solution, Hint, checker

__all__ = ["check_fetch_all", "check_fetch_with_timeout"]

_GUARD_SECONDS = 0.5  # Longer than any right answer takes; stops a wrong one from hanging the check.
_NO_TIMEOUT = "pass `timeout=seconds` to `asyncio.wait_for` so it gives up in time."


class _WatchedFetch:
    """A fake fetch that records how many calls are in flight at once; later ids finish first."""

    def __init__(self, ids: list[int]) -> None:
        self._steps = {item_id: len(ids) - position for position, item_id in enumerate(ids)}
        self.calls: list[int] = []
        self.in_flight = 0
        self.peak = 0

    async def __call__(self, item_id: int) -> str:
        self.calls.append(item_id)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            for _ in range(self._steps.get(item_id, 1)):
                await asyncio.sleep(0)  # Yield to the loop: no wall-clock time, same order every run.
        finally:
            self.in_flight -= 1
        return f"item {item_id}"


class _NeverReturns:
    """A fake fetch that hangs until it is cancelled, and remembers that it was."""

    def __init__(self) -> None:
        self.task: asyncio.Task[Any] | None = None
        self.cancelled = False

    async def __call__(self, item_id: int) -> str:
        self.task = asyncio.current_task()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return f"item {item_id}"


@checker(blank_hint="await `fetch(item_id)` for every id at once with `asyncio.gather` and return the results.")
async def check_fetch_all(fetch_all: Any) -> str:
    """Check that `fetch_all(fetch, ids)` runs every fetch concurrently and keeps the ids' order."""
    _expect_async(fetch_all, "fetch_all")
    ids = [3, 1, 4, 5]
    fetch = _WatchedFetch(ids)
    results = await _run_guarded(fetch_all(fetch, ids), "fetch_all", "it should finish as soon as the fetches do.")
    await _expect_awaited(results, "fetch_all")
    if results is None:
        raise Hint("`fetch_all` returned None; return the list of results: `return await asyncio.gather(...)`.")
    if sorted(fetch.calls) != sorted(ids):
        raise Hint(f"call `fetch` once per id; for ids {ids} it was called with {fetch.calls}.")
    if list(results) != [f"item {item_id}" for item_id in ids]:
        raise Hint(
            f"for ids {ids} you returned {list(results)!r}; return the results in the order of "
            "`ids` (gather keeps that order even when later fetches finish first)."
        )
    if fetch.peak == 1:
        raise Hint(
            "the fetches ran one at a time. Build all the coroutines first, "
            "`[fetch(item_id) for item_id in ids]`, and await them together with `asyncio.gather(*...)`."
        )
    if fetch.peak < len(ids):
        raise Hint(f"only {fetch.peak} of {len(ids)} fetches ran at once; gather all of them in one call.")
    return f"fetch_all ran all {len(ids)} fetches at once and returned the results in order."


@checker(
    blank_hint='wrap `fetch(item_id)` in `asyncio.wait_for(..., timeout=seconds)` and return "timed out" on TimeoutError.'
)
async def check_fetch_with_timeout(fetch_with_timeout: Any) -> str:
    """Check that `fetch_with_timeout(fetch, item_id, seconds)` returns the result or "timed out"."""
    _expect_async(fetch_with_timeout, "fetch_with_timeout")
    quick_call = fetch_with_timeout(_WatchedFetch([7]), 7, _GUARD_SECONDS / 2)
    fast = await _run_guarded(quick_call, "fetch_with_timeout", _NO_TIMEOUT)
    await _expect_awaited(fast, "fetch_with_timeout")
    if fast != "item 7":
        raise Hint(f"when the fetch is quick, return its result ('item 7'), not {fast!r}.")
    slow_fetch = _NeverReturns()
    try:
        slow_call = fetch_with_timeout(slow_fetch, 7, 0.05)
        slow = await _run_guarded(slow_call, "fetch_with_timeout", _NO_TIMEOUT)
    except TimeoutError:
        raise Hint('the TimeoutError escaped: catch it with `except TimeoutError:` and return "timed out".') from None
    await asyncio.sleep(0)  # One loop turn for a cancelled fetch to finish unwinding.
    leftover = slow_fetch.task if slow_fetch.task is not None and not slow_fetch.task.done() else None
    if leftover is not None:
        leftover.cancel()  # Do not leave the abandoned fetch running after the check.
    if slow != "timed out":
        raise Hint(f'when the fetch takes longer than `seconds`, return "timed out", not {slow!r}.')
    if leftover is not None or not slow_fetch.cancelled:
        raise Hint("the slow fetch was left running after you gave up; `asyncio.wait_for` cancels it for you.")
    return 'fetch_with_timeout returns the result in time, "timed out" otherwise, and cancels the slow fetch.'


def _expect_async(function: Any, name: str) -> None:
    if not inspect.iscoroutinefunction(function):
        raise Hint(f"define `{name}` with `async def` so it can use `await`.")


async def _run_guarded(coroutine: Any, name: str, advice: str) -> Any:
    """Await the learner's coroutine, but give up (and say so) if it has not finished in time."""
    task = asyncio.ensure_future(coroutine)
    done, _ = await asyncio.wait({task}, timeout=_GUARD_SECONDS)
    if not done:
        task.cancel()
        raise Hint(f"`{name}` was still waiting after {_GUARD_SECONDS} s; {advice}")
    return task.result()


async def _expect_awaited(result: Any, name: str) -> None:
    """Explain a coroutine or future that was returned instead of awaited, and clean it up."""
    pending = [item for item in (result if isinstance(result, list) else [result]) if inspect.isawaitable(item)]
    for item in pending:
        if inspect.iscoroutine(item):
            item.close()
        else:
            future = asyncio.ensure_future(item)
            future.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await future
    if pending:
        raise Hint(f"`{name}` returned something still waiting to run: put `await` in front of it.")


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.


@reference_solution(check_fetch_all)
def _fetch_all():
    """Calling an async function only makes a coroutine; `asyncio.gather(*coroutines)` runs them all at once and
    returns their results in the order you passed them, whatever order they finish in."""

    async def fetch_all(fetch, ids):
        return await asyncio.gather(*(fetch(item_id) for item_id in ids))

    return fetch_all


@reference_solution(check_fetch_with_timeout)
def _fetch_with_timeout():
    """`asyncio.wait_for(coroutine, timeout=seconds)` raises `TimeoutError` when time runs out, and cancels the
    coroutine it was waiting for; catch the error and return the string."""

    async def fetch_with_timeout(fetch, item_id, seconds):
        try:
            return await asyncio.wait_for(fetch(item_id), timeout=seconds)
        except TimeoutError:  # wait_for has already cancelled the slow fetch
            return "timed out"

    return fetch_with_timeout
