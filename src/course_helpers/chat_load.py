"""A bounded load test of the chat service: simulated users over loopback; turns per second, p50 and p99 latency,
and every user's history checked afterwards."""

from __future__ import annotations

import asyncio
import math
import secrets
import sys
import time
from dataclasses import dataclass, field

import httpx
from tqdm import tqdm

from course_helpers.chat_service import user_key

APP = "course_helpers.chat_service:app"


def script(user: int, turns: int) -> list[str]:
    """What simulated user `user` says, turn by turn: sums that differ per user, so histories cannot be mixed up."""
    return [f"What is {user} + {turn}?" for turn in range(turns)]


@dataclass
class LoadReport:
    """What the load test measured: one latency per turn that succeeded, the failures, and the history checks."""

    users: int
    turns_per_user: int
    concurrency: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    histories_ok: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def turns(self) -> int:
        return len(self.latencies)

    @property
    def turns_per_second(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        """The q-th percentile of the turn latencies in seconds, nearest rank."""
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)] if ordered else math.nan

    def summary(self) -> str:
        return (f"{self.turns} turns in {self.seconds:.2f} s: {self.turns_per_second:.0f} turns/s, "
                f"p50 {self.percentile(50) * 1000:.1f} ms, p99 {self.percentile(99) * 1000:.1f} ms")


async def load_test(url: str, secret: str, users: int = 200, turns: int = 3, concurrency: int = 50,
                    progress: bool = True) -> LoadReport:
    """`users` simulated users, each sending `turns` messages one after another, `concurrency` requests at most
    in flight; then every user's stored history is read back and checked against what that user sent."""
    report = LoadReport(users, turns, concurrency)
    bar = tqdm(total=users * turns, disable=not progress, file=sys.stdout, desc="turns",
               bar_format="{desc}: {percentage:3.0f}%|{bar:30}| {n_fmt}/{total_fmt}")
    # Idle connections are dropped before uvicorn's 5 s keep-alive ends, so no request races the server's close.
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2)
    in_flight = asyncio.Semaphore(concurrency)  # first come, first served: no user waits behind later ones
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def converse(user: int) -> None:
            user_id, headers = f"user-{user}", {"X-API-Key": user_key(f"user-{user}", secret)}
            for message in script(user, turns):
                async with in_flight:
                    started = time.perf_counter()  # from the request leaving to its answer: the service's latency
                    try:
                        response = await client.post("/chat", json={"user_id": user_id, "message": message},
                                                     headers=headers)
                        response.raise_for_status()
                        report.latencies.append(time.perf_counter() - started)
                    except httpx.HTTPError as error:
                        report.failures.append(f"{user_id}: {type(error).__name__} {error}")
                bar.update()

        started = time.perf_counter()
        await asyncio.gather(*(converse(user) for user in range(users)))
        report.seconds = time.perf_counter() - started
        bar.close()
        async def check(user: int) -> str | None:
            async with in_flight:
                return await _check_history(client, user, script(user, turns), secret)

        problems = await asyncio.gather(*(check(user) for user in range(users)))
        report.problems = [problem for problem in problems if problem]
        report.histories_ok = users - len(report.problems)
    return report


async def _check_history(client: httpx.AsyncClient, user: int, sent: list[str], secret: str) -> str | None:
    """None when the user's stored history holds exactly what they sent, in order, each once, each answered."""
    user_id = f"user-{user}"
    response = await client.get(f"/history/{user_id}", headers={"X-API-Key": user_key(user_id, secret)})
    if response.status_code != 200:
        return f"{user_id}: reading the history answered {response.status_code}"
    items = response.json()["items"]
    asked = [item.get("content") for item in items if item.get("role") == "user"]
    if asked != sent:
        return f"{user_id}: stored {asked!r}, but sent {sent!r}"
    starts = [i for i, item in enumerate(items) if item.get("role") == "user"]
    if any(end - start < 2 for start, end in zip(starts, starts[1:] + [len(items)])):
        return f"{user_id}: a message has no reply stored after it"
    return None


def bench(users: int = 300, turns: int = 4, concurrency: int = 50) -> tuple[str, str]:
    """For `python3 course.py bench`: the load test against `uvicorn --workers 2` and a throw-away Redis."""
    from course_helpers.services import redis_server
    from course_helpers.workers import start_workers

    secret = secrets.token_urlsafe(32)
    with redis_server() as redis, start_workers(APP, {"CHAT_REDIS_URL": redis.url, "CHAT_API_KEY": secret}) as workers:
        report = asyncio.run(load_test(workers.url, secret, users, turns, concurrency, progress=False))
    if report.failures or report.problems:
        raise RuntimeError(f"the chat service's load test failed: {(report.failures + report.problems)[0]}")
    return (f"{report.turns_per_second:.0f} turns/s, p50 {report.percentile(50) * 1000:.0f} ms, "
            f"p99 {report.percentile(99) * 1000:.0f} ms; all {users} histories intact",
            f"{users} users x {turns} turns, {concurrency} in flight, over loopback to 2 uvicorn workers and Redis")
