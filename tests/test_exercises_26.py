"""The checkers of notebook 26 accept right answers and give specific hints for blank or wrong ones."""

import pytest

from course_helpers.exercises.ex26_durable_agents import check_every_ten_seconds, check_research_queue


@pytest.mark.parametrize("schedule", ["0/10 * * * * *", "0,10,20,30,40,50 * * * * *", " */10  *  *  *  *  * "])
def test_every_ten_seconds_accepts_right_answers_worded_otherwise(schedule, capsys):
    assert check_every_ten_seconds(schedule)
    assert capsys.readouterr().out.startswith(f"✅ {schedule!r} fires at :10, :20, :30, :40 ...")


def test_every_ten_seconds_blank(capsys):
    assert not check_every_ten_seconds(...)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write a string with six fields")


@pytest.mark.parametrize(("schedule", "hint"), [
    ("*/10 * * * *", "has five fields, the classic crontab without seconds"),
    ("@every 10s", "`@every 10s` is Dapr's cron binding"),
    ("*/10 * * * * * *", "is not a cron expression DBOS accepts: it needs six fields"),
    ("every ten seconds", "is not a cron expression DBOS accepts"),
    ("* * * * * *", "fires every 1 seconds, not every ten seconds"),
    ("0 */10 * * * *", "fires every 10 minutes or more, not every ten seconds"),
    ("0,10,20 * * * * *", "fires at uneven gaps (:10, :20, :00, :10, :20 ...)"),
    ("5/10 * * * * *", "fires every ten seconds, but at :05, :15 ...; start the step at 0"),
    (10, "the schedule is a string"),
])
def test_every_ten_seconds_wrong_answers(schedule, hint, capsys):
    assert not check_every_ten_seconds(schedule)
    out = capsys.readouterr().out
    assert out.startswith("🤔 Not quite — ") and hint in out, out


def test_research_queue_accepts_a_right_answer_in_either_order(capsys):
    assert check_research_queue({"global_concurrency": 4, "worker_concurrency": 2})
    assert capsys.readouterr().out.startswith("✅ each worker runs at most 2 and all three together at most 4")


def test_research_queue_blank(capsys):
    assert not check_research_queue(...)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write a dict of `DBOS.register_queue`")


@pytest.mark.parametrize(("limits", "hint"), [
    ({"global_concurrency": 4}, "one worker could then run any number of runs at once"),
    ({"worker_concurrency": 4, "global_concurrency": 2}, "one worker could then run 4 runs at once"),
    ({"worker_concurrency": 2}, "three workers at 2 each could run 6 at once, more than the search API allows"),
    ({"worker_concurrency": 1, "global_concurrency": 4}, "that is safe, but at most 3 runs could go at once"),
    ({"worker_concurrency": 2, "global_concurrency": 3}, "that is safe, but at most 3 runs could go at once"),
    ({"concurrency": 4, "worker_concurrency": 2}, "`concurrency` is the old, deprecated name"),
    ({"max_workers": 2}, "`DBOS.register_queue` has no keyword 'max_workers'"),
    ({"worker_concurrency": "2", "global_concurrency": 4}, "worker_concurrency must be a whole number of runs"),
    ({"worker_concurrency": 2, "global_concurrency": 0}, "global_concurrency must be a whole number of runs"),
    ([("worker_concurrency", 2)], "write the keyword arguments as a dict"),
])
def test_research_queue_wrong_answers(limits, hint, capsys):
    assert not check_research_queue(limits)
    out = capsys.readouterr().out
    assert out.startswith("🤔 Not quite — ") and hint in out, out
