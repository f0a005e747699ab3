"""Checkers for notebook 27: a triage workflow id that makes every tick safe, and reading a run's evidence."""

import inspect
from datetime import datetime, timedelta, timezone
from typing import Any

from course_helpers.checks import Hint, checker, reference_solution

__all__ = ["check_problems", "check_triage_id"]

_TICK = datetime(2025, 6, 2, 9, 0, tzinfo=timezone.utc)
# Pairs of emails whose ids collide when the user id and the email id are joined without a separator.
_CLASHING = [(("ada", 12), ("ada1", 2)), (("ada", 12), ("2ada", 1))]


@checker("write `triage_id(user_id, email_id, scheduled_at)` that returns the workflow id for one email's triage, "
         "as a string.")
def check_triage_id(triage_id: Any) -> str:
    """Call the learner's function for several ticks, users and emails, as the schedule would."""
    first = triage_id("ada", 23, _TICK)
    if inspect.isawaitable(first):
        first.close()
        raise Hint("make `triage_id` a plain `def`: it only builds a string.")
    if not isinstance(first, str) or not first:
        raise Hint(f"return the id as a non-empty string, not {first!r}.")
    later = [triage_id("ada", 23, _TICK + timedelta(seconds=seconds)) for seconds in (0, 1, 3600)]
    if set(later) != {first}:
        raise Hint("ticks at different times gave the same email different ids, so every tick would triage it again: "
                   "leave `scheduled_at` out of the id (and anything random, such as a uuid).")
    if len({triage_id("ada", 23, _TICK), triage_id("ada", 24, _TICK), triage_id("bo", 23, _TICK)}) != 3:
        raise Hint("two different emails got one id, so only the first would ever be triaged: put both the user id "
                   "and the email id in it.")
    for one, other in _CLASHING:
        if triage_id(*one, _TICK) == triage_id(*other, _TICK):
            raise Hint(f"user {one[0]!r}'s email {one[1]} and user {other[0]!r}'s email {other[1]} got the same id "
                       f"{triage_id(*one, _TICK)!r}: join the two with a separator such as '-', so they cannot "
                       "run together.")
    return f"one id per email, the same on every tick ({first!r} for Ada's email 23), and no two emails share one."


_PROBLEMS = {"lost", "triaged twice", "sent without approval", "sent twice"}
_MAIL = [("ada", 1), ("ada", 2), ("bo", 1)]
_REPLIES = [(10, "approved"), (11, "pending"), (12, "rejected")]


def _case(triage=None, outbox=None, replies=None) -> dict:
    return {"mail": list(_MAIL), "triage": list(_MAIL if triage is None else triage),
            "replies": list(_REPLIES if replies is None else replies), "outbox": [10] if outbox is None else outbox}


_CASES = [
    (_case(), set(), "a run where every email was triaged once and only the approved reply was sent"),
    (_case(triage=[("ada", 1), ("bo", 1)]), {"lost"}, "a run where Ada's email 2 has no triage row"),
    (_case(triage=[*_MAIL, ("ada", 2)]), {"triaged twice"}, "a run with two triage rows for Ada's email 2"),
    (_case(outbox=[10, 11]), {"sent without approval"}, "an outbox holding reply 11, which is still pending"),
    (_case(outbox=[10, 12]), {"sent without approval"}, "an outbox holding reply 12, which Ada rejected"),
    (_case(outbox=[10, 10]), {"sent twice"}, "an outbox holding approved reply 10 twice"),
    (_case(outbox=[]), set(), "a run where nothing was sent yet (waiting is no problem)"),
    (_case(triage=[("ada", 1), ("ada", 1), ("bo", 1)], outbox=[11, 11]),
     {"lost", "triaged twice", "sent without approval", "sent twice"}, "a run that went wrong in every way"),
]


@checker("write `problems(evidence)` that returns the set of problems the evidence shows, such as "
         "`{'lost'}`, or an empty set.")
def check_problems(problems: Any) -> str:
    """Give the learner's function evidence from good and broken runs, built like the notebook's tables."""
    for evidence, expected, what in _CASES:
        answer = problems({name: list(rows) for name, rows in evidence.items()})
        if inspect.isawaitable(answer):
            answer.close()
            raise Hint("make `problems` a plain `def`: it only reads lists.")
        if not isinstance(answer, (set, frozenset)):
            raise Hint(f"return a set of problem names, not {answer!r} (of type {type(answer).__name__}).")
        unknown = set(answer) - _PROBLEMS
        if unknown:
            raise Hint(f"{sorted(unknown)} is not one of the problem names: use only {sorted(_PROBLEMS)}.")
        if set(answer) != expected:
            raise Hint(f"for {what} it returned {set(answer) or 'set()'}, but the evidence shows "
                       f"{expected or 'set()'}: count rows per email in `triage`, and per reply in `outbox`, and look "
                       "up each sent reply's status in `replies`.")
    return f"all {len(_CASES)} runs judged right: lost and doubled triage, unapproved and doubled sends are caught."


@reference_solution(check_triage_id)
def _triage_id():
    """Build the id from what names the email and nothing else, the user id and the email id joined by a separator;
    never the tick's time, so every tick asks DBOS for the same workflow."""

    def triage_id(user_id, email_id, scheduled_at):
        return f"triage-{user_id}-{email_id}"

    return triage_id


@reference_solution(check_problems)
def _problems():
    """Count the triage rows per email and the outbox rows per reply with `collections.Counter`, then look up each
    sent reply's status in `dict(evidence["replies"])`."""
    from collections import Counter

    def problems(evidence):
        found = set()
        triaged, sent = Counter(evidence["triage"]), Counter(evidence["outbox"])
        status = dict(evidence["replies"])
        if any(triaged[email] == 0 for email in evidence["mail"]):
            found.add("lost")
        if any(count > 1 for count in triaged.values()):
            found.add("triaged twice")
        if any(status.get(reply) != "approved" for reply in sent):
            found.add("sent without approval")
        if any(count > 1 for count in sent.values()):
            found.add("sent twice")
        return found

    return problems
