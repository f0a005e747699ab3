"""Failures the local server answers chosen requests with (429, 500, a stall, a dropped reply), and what it answered."""

from __future__ import annotations

import itertools
import math
import re
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Union

KINDS = {
    "429": "429 Too Many Requests, with Retry-After",
    "500": "500 Internal Server Error",
    "stall": "no answer until the client gives up",
    "drop": "the reply cut off midway (a stream after half its events)",
}
EVERY = "every"  # the key that fails every request
_KEPT = 1000  # answers remembered: enough to read back, bounded for a server that runs all day
_SPEC = re.compile(r"\s*(every|[0-9]+)\s*:\s*(\S+)\s*")


@dataclass(frozen=True)
class Failure:
    """How to fail one request: `kind` is "429", "500", "stall" or "drop"; a 429 says to retry after `retry_after` s."""

    kind: str
    retry_after: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"A failure is one of {', '.join(map(repr, KINDS))}, not {self.kind!r}; "
                             "for example Failure('429').")
        seconds = self.retry_after
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 < seconds <= 60 \
                or not math.isfinite(seconds):
            raise ValueError(f"retry_after is seconds, more than 0 and at most 60 (the most the openai client "
                             f"waits), not {seconds!r}.")

    def __str__(self) -> str:
        return f"429 (retry after {self.retry_after:g} s)" if self.kind == "429" else self.kind


FailureSpec = Union[str, Failure]


def failure_plan(failures: Mapping[int | str, FailureSpec] | None) -> dict[int | str, Failure]:
    """`failures` checked: keys are request numbers from 1 or "every", values a kind or a `Failure`."""
    if failures is None:
        return {}
    if not isinstance(failures, Mapping):
        raise ValueError(f"failures maps request numbers to failures, like {{1: '429', 2: 'stall'}} or "
                         f"{{'every': '500'}}, not {type(failures).__name__}.")
    plan: dict[int | str, Failure] = {}
    for number, failure in failures.items():
        if number != EVERY and (isinstance(number, bool) or not isinstance(number, int) or number < 1):
            raise ValueError(f"failures are keyed by request number, 1 for the first request, or 'every'; "
                             f"not {number!r}.")
        plan[number] = failure if isinstance(failure, Failure) else Failure(failure)
    return plan


def parse_fail(text: str, retry_after: float = 1.0) -> tuple[int | str, Failure]:
    """One `--fail` value, "N:KIND" or "every:KIND" (KIND: 429, 500, stall or drop), as a plan entry."""
    match = _SPEC.fullmatch(text)
    if not match or match[2] not in KINDS:
        raise ValueError(f"--fail takes REQUEST:KIND, such as 1:429, 2:stall or every:500 (KIND is one of "
                         f"{', '.join(KINDS)}), not {text!r}.")
    number = match[1] if match[1] == EVERY else int(match[1])
    if number == 0:
        raise ValueError(f"--fail counts requests from 1 (1:429 fails the first), not {text!r}.")
    return number, Failure(match[2], retry_after)


@dataclass(frozen=True)
class Answer:
    """What the server answered one model request with: its number, where it went, and the outcome."""

    number: int
    path: str
    streamed: bool
    outcome: str  # "200", another status, or a failure: "429 (retry after 1 s)", "stall", "drop"

    def __str__(self) -> str:
        how = " (streamed)" if self.streamed else ""
        return f"request {self.number}: POST {self.path}{how} -> {self.outcome}"


class FailureSwitch:
    """Numbers model requests as they arrive, says which to fail, and keeps what each was answered (thread-safe)."""

    def __init__(self, failures: Mapping[int | str, FailureSpec] | None = None):
        self.plan = failure_plan(failures)
        self._numbers = itertools.count(1)
        self._answers: deque[Answer] = deque(maxlen=_KEPT)
        self._lock = threading.Lock()

    def arrive(self) -> tuple[int, Failure | None]:
        """The next request's number and the failure planned for it, if any."""
        with self._lock:
            number = next(self._numbers)
        return number, self.plan.get(number, self.plan.get(EVERY))

    def record(self, answer: Answer) -> None:
        with self._lock:
            self._answers.append(answer)

    @property
    def answers(self) -> list[Answer]:
        """The answers so far, by request number (the latest 1000)."""
        with self._lock:
            return sorted(self._answers, key=lambda answer: answer.number)
