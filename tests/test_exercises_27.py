"""The checkers of notebook 27 accept right answers and give specific hints for blank or wrong ones."""

import uuid
from collections import Counter

from course_helpers.exercises.ex27_capstone_email_service import check_problems, check_triage_id

# Exercise 1: a workflow id that makes every tick safe ----------------------------------------------------------


def test_triage_id_accepts_the_reference(capsys):
    assert check_triage_id(check_triage_id.reference())
    assert capsys.readouterr().out.startswith("✅ one id per email, the same on every tick ('triage-ada-23'")


def test_triage_id_accepts_another_layout(capsys):
    def triage_id(user_id, email_id, scheduled_at):
        return f"mail/{email_id}/{user_id}"

    assert check_triage_id(triage_id)
    assert capsys.readouterr().out.startswith("✅")


def test_triage_id_blank(capsys):
    def triage_id(user_id, email_id, scheduled_at):
        ...

    assert not check_triage_id(triage_id)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write `triage_id(user_id, email_id, scheduled_at)`")


def test_triage_id_with_the_tick_in_it(capsys):
    assert not check_triage_id(lambda user_id, email_id, scheduled_at: f"{user_id}-{email_id}-{scheduled_at:%s}")
    assert "leave `scheduled_at` out of the id" in capsys.readouterr().out


def test_triage_id_that_is_random(capsys):
    assert not check_triage_id(lambda user_id, email_id, scheduled_at: str(uuid.uuid4()))
    assert "anything random" in capsys.readouterr().out


def test_triage_id_without_the_user(capsys):
    assert not check_triage_id(lambda user_id, email_id, scheduled_at: f"triage-{email_id}")
    assert "put both the user id and the email id in it" in capsys.readouterr().out


def test_triage_id_without_a_separator(capsys):
    assert not check_triage_id(lambda user_id, email_id, scheduled_at: f"{user_id}{email_id}")
    assert "join the two with a separator" in capsys.readouterr().out


def test_triage_id_that_is_not_a_string(capsys):
    assert not check_triage_id(lambda user_id, email_id, scheduled_at: (user_id, email_id))
    assert "return the id as a non-empty string" in capsys.readouterr().out


# Exercise 2: reading a run's evidence --------------------------------------------------------------------------


def test_problems_accepts_the_reference(capsys):
    assert check_problems(check_problems.reference())
    assert capsys.readouterr().out.startswith("✅ all 8 runs judged right")


def test_problems_accepts_sets_built_another_way(capsys):
    def problems(evidence):
        status = {reply_id: state for reply_id, state in evidence["replies"]}
        rows, sends = Counter(evidence["triage"]), Counter(evidence["outbox"])
        return {name for name, shown in [
            ("lost", set(evidence["mail"]) - set(rows)),
            ("triaged twice", [e for e, n in rows.items() if n > 1]),
            ("sent without approval", [r for r in sends if status.get(r) != "approved"]),
            ("sent twice", [r for r, n in sends.items() if n > 1])] if shown}

    assert check_problems(problems)
    assert capsys.readouterr().out.startswith("✅")


def test_problems_blank(capsys):
    assert not check_problems(...)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write `problems(evidence)`")


def test_problems_that_trusts_the_primary_key(capsys):
    def problems(evidence):  # misses doubled rows: "the table cannot hold two"
        sent = Counter(evidence["outbox"])
        found = {"sent twice"} if any(n > 1 for n in sent.values()) else set()
        status = dict(evidence["replies"])
        if any(status[r] != "approved" for r in sent):
            found.add("sent without approval")
        if set(evidence["mail"]) - set(evidence["triage"]):
            found.add("lost")
        return found

    assert not check_problems(problems)
    assert "two triage rows for Ada's email 2" in capsys.readouterr().out


def test_problems_that_counts_only_pending_as_unapproved(capsys):
    def problems(evidence):
        status, sent = dict(evidence["replies"]), Counter(evidence["outbox"])
        found = {"sent without approval"} if any(status[r] == "pending" for r in sent) else set()
        found |= {"sent twice"} if any(n > 1 for n in sent.values()) else set()
        found |= {"lost"} if set(evidence["mail"]) - set(evidence["triage"]) else set()
        found |= {"triaged twice"} if len(evidence["triage"]) > len(set(evidence["triage"])) else set()
        return found

    assert not check_problems(problems)
    assert "reply 12, which Ada rejected" in capsys.readouterr().out


def test_problems_with_a_wrong_name_or_type(capsys):
    assert not check_problems(lambda evidence: ["lost"])
    assert "return a set of problem names, not ['lost']" in capsys.readouterr().out
    assert not check_problems(lambda evidence: {"duplicated"})
    assert "'duplicated'] is not one of the problem names" in capsys.readouterr().out
