"""Checkers for notebook 26: a DBOS schedule every ten seconds, and the limits of a queue served by three workers."""

from __future__ import annotations

import inspect
from datetime import datetime, timedelta, timezone
from typing import Any

from croniter import croniter
from dbos import DBOS

from course_helpers.checks import Hint, checker, listed, reference_solution

__all__ = ["check_every_ten_seconds", "check_research_queue"]

_START = datetime(2026, 1, 5, 9, 0, 3, tzinfo=timezone.utc)  # a Monday, 3 s past the minute
_WORKERS, _API_LIMIT, _PER_WORKER = 3, 4, 2  # the exercise's research queue
_LIMITS = ("worker_concurrency", "global_concurrency")


@checker("write a string with six fields, seconds first, such as `\"... * * * * *\"`.", value_answer=True)
def check_every_ten_seconds(schedule: Any) -> str:
    """Check a cron expression that DBOS fires every ten seconds, at :00, :10, :20 ... of each minute."""
    if not isinstance(schedule, str):
        raise Hint(f"the schedule is a string, such as \"* * * * * *\", not a {type(schedule).__name__}.")
    if schedule.strip().startswith("@every"):
        raise Hint("`@every 10s` is Dapr's cron binding; DBOS takes a cron expression: six fields, seconds first.")
    fields = schedule.split()
    if len(fields) == 5:
        raise Hint(f"{schedule!r} has five fields, the classic crontab without seconds: there its first field is "
                   "minutes. DBOS reads six, seconds first: add the seconds field in front.")
    if len(fields) != 6 or not croniter.is_valid(schedule, second_at_beginning=True):
        raise Hint(f"{schedule!r} is not a cron expression DBOS accepts: it needs six fields "
                   "(second minute hour day month weekday), each a number, `*`, a range or a step like `*/5`.")
    times = croniter(schedule, _START, second_at_beginning=True)
    fires = [times.get_next(datetime) for _ in range(12)]
    gaps = {later - earlier for earlier, later in zip(fires, fires[1:])}
    if gaps != {timedelta(seconds=10)}:
        when = _every(gaps.pop()) if len(gaps) == 1 else f"at uneven gaps ({', '.join(f.strftime(':%S') for f in fires[:5])} ...)"
        raise Hint(f"{schedule!r} fires {when}, not every ten seconds: the seconds field (the first) decides "
                   "that; the other five should let every minute of every day through.")
    if fires[0].second % 10:
        raise Hint(f"{schedule!r} fires every ten seconds, but at :{fires[0].second:02d}, :{fires[1].second:02d} ...; "
                   "start the step at 0 (`*/10` or `0/10`) so it fires at :00, :10, :20.")
    return f"{schedule!r} fires at {', '.join(fire.strftime(':%S') for fire in fires[:4])} ... of every minute."


def _every(gap: timedelta) -> str:
    seconds = int(gap.total_seconds())
    return f"every {seconds} seconds" if seconds < 60 else f"every {seconds // 60} minutes or more"


@checker("write a dict of `DBOS.register_queue` keyword arguments, such as `{\"worker_concurrency\": 1}`.",
         value_answer=True)
def check_research_queue(limits: Any) -> str:
    """Check queue limits for three workers: at most four runs at once in all, at most two in any one worker."""
    if not isinstance(limits, dict):
        raise Hint(f"write the keyword arguments as a dict, such as {{\"worker_concurrency\": 1}}, not a "
                   f"{type(limits).__name__}.")
    parameters = inspect.signature(DBOS.register_queue).parameters
    if unknown := [name for name in limits if name not in parameters or name == "name"]:
        raise Hint(f"`DBOS.register_queue` has no keyword {listed([repr(name) for name in unknown])}; "
                   f"the concurrency limits are {listed([repr(name) for name in _LIMITS])}.")
    if "concurrency" in limits:
        raise Hint("`concurrency` is the old, deprecated name: say `global_concurrency` for the limit over all workers.")
    if bad := [name for name in _LIMITS if name in limits and not (type(limits[name]) is int and limits[name] > 0)]:
        raise Hint(f"{bad[0]} must be a whole number of runs, at least 1, not {limits[bad[0]]!r}.")
    per_worker, overall = limits.get("worker_concurrency"), limits.get("global_concurrency")
    most_at_once = min(overall or float("inf"), _WORKERS * (per_worker or float("inf")))
    if per_worker is None or per_worker > _PER_WORKER:
        raise Hint(f"one worker could then run {per_worker or 'any number of'} runs at once, more than its memory "
                   f"fits ({_PER_WORKER}): `worker_concurrency` is the limit per worker.")
    if most_at_once > _API_LIMIT:
        raise Hint(f"three workers at {per_worker} each could run {most_at_once} at once, more than the search "
                   f"API allows ({_API_LIMIT}): `global_concurrency` is the limit over all workers together.")
    if per_worker < _PER_WORKER or most_at_once < _API_LIMIT:
        raise Hint(f"that is safe, but at most {most_at_once} runs could go at once "
                   f"where {_API_LIMIT} are allowed and each worker fits {_PER_WORKER}: raise the smaller limit.")
    return (f"each worker runs at most {per_worker} and all three together at most {overall}, "
            f"so the search API never sees more than {_API_LIMIT} at once.")


@reference_solution(check_every_ten_seconds)
def _every_ten_seconds():
    """DBOS's cron has six fields: second, minute, hour, day, month, weekday. Put a step of ten in the first
    field, the seconds, and `*` in the other five."""
    every_ten_seconds = "*/10 * * * * *"
    return every_ten_seconds


@reference_solution(check_research_queue)
def _research_queue():
    """Two limits: one per worker (what one worker's memory fits) and one over all workers together (what the
    search API allows). Three workers times the per-worker limit is more than the API's, so you need both."""
    limits = {"worker_concurrency": 2, "global_concurrency": 4}
    return limits
