"""The capstone's building blocks: the sample inbox, search, the idempotent results store and the evaluation."""

import asyncio
import json
from collections import Counter
from types import SimpleNamespace

import pytest

from course_helpers.inbox import (
    Email,
    ResultsStore,
    evaluate,
    load_inbox,
    load_labels,
    process_new,
    search_emails,
)


def make_email(email_id: int, body: str = "Hello.", subject: str = "Hi") -> Email:
    return Email(id=email_id, thread_id=f"t{email_id}", sender="Ada <ada@mail.example>", subject=subject,
                 received="2025-06-02 09:00", body=body)


class CountingTriage:
    """A triage function that records which emails it was asked about and calls every one 'junk'."""

    def __init__(self, fail_on: int | None = None):
        self.seen: list[int] = []
        self.fail_on = fail_on

    async def __call__(self, email: Email):
        if email.id == self.fail_on:
            raise RuntimeError("the model is down")
        self.seen.append(email.id)
        return SimpleNamespace(category="junk", reason=f"email {email.id}")


def run(coroutine):
    return asyncio.run(coroutine)


# The sample inbox.

def test_sample_inbox_is_a_few_dozen_labelled_emails():
    inbox, labels = load_inbox(), load_labels()
    assert 30 <= len(inbox) <= 40
    assert [email.id for email in inbox] == sorted(labels) == list(range(1, len(inbox) + 1))
    assert set(Counter(labels.values())) == {"important", "less_important", "junk"}
    assert min(Counter(labels.values()).values()) >= 8  # every category is well represented
    assert len({email.sender for email in inbox}) >= 25 and len({email.subject for email in inbox}) == len(inbox)


def test_sample_inbox_has_threads_and_smuggled_instructions():
    inbox, labels = load_inbox(), load_labels()
    threads = Counter(email.thread_id for email in inbox)
    assert any(count > 1 for count in threads.values())
    smuggled = [email for email in inbox if "assistant" in email.body.lower() and labels[email.id] == "junk"]
    assert len(smuggled) >= 3
    assert all(email.sender.split("@")[-1].rstrip(">").endswith(".example") for email in inbox)


def test_emails_hide_their_labels():
    email = load_inbox()[0]
    assert "label" not in email.model_dump()
    assert email.as_text().startswith(f"From: {email.sender}\nSubject: {email.subject}\n")
    assert email.headline() == f"#{email.id} {email.sender.split('<')[0].strip()}: {email.subject}"
    with pytest.raises(ValueError):
        email.body = "changed"  # emails are frozen


def test_load_inbox_from_another_file(tmp_path):
    path = tmp_path / "mail.json"
    record = {"id": 7, "thread_id": "t1", "sender": "Bo <bo@mail.example>", "subject": "Hi", "received": "2025-06-01 10:00",
              "body": "Hello.", "label": "less_important"}
    path.write_text(json.dumps({"emails": [record]}))
    assert load_inbox(path) == [make_email(7).model_copy(update={"sender": "Bo <bo@mail.example>", "thread_id": "t1",
                                                                "received": "2025-06-01 10:00"})]
    assert load_labels(path) == {7: "less_important"}


def test_load_inbox_rejects_unknown_labels_and_missing_files(tmp_path):
    path = tmp_path / "mail.json"
    record = {"id": 1, "thread_id": "t1", "sender": "Bo", "subject": "Hi", "received": "x", "body": ".", "label": "spam"}
    path.write_text(json.dumps({"emails": [record]}))
    with pytest.raises(ValueError, match="label"):
        load_labels(path)
    with pytest.raises(FileNotFoundError, match="No inbox file at nowhere.json"):
        load_inbox(tmp_path / "nowhere.json")


def test_search_ranks_by_shared_words_and_ignores_common_ones():
    emails = [make_email(1, "Your invoice is overdue."), make_email(2, "Lunch on Sunday?"),
              make_email(3, "Two invoices attached, both overdue.")]
    assert [e.id for e in search_emails(emails, "overdue invoices")] == [1, 3]
    assert [e.id for e in search_emails(emails, "the invoices", limit=1)] == [1]
    assert search_emails(emails, "what is the") == []


# The results store and the batch.

def test_store_keeps_the_first_result_for_an_email(tmp_path):
    with ResultsStore(tmp_path / "results.db") as store:
        assert store.save(1, "junk", "spam") is True
        assert store.save(1, "important", "changed my mind") is False
        assert store.is_processed(1) and not store.is_processed(2)
        assert [(r.email_id, r.category, r.reason) for r in store.results()] == [(1, "junk", "spam")]
        assert repr(store) == "ResultsStore('results.db', 1 results)"


def test_store_results_outlive_the_connection(tmp_path):
    with ResultsStore(tmp_path / "results.db") as store:
        store.save(2, "important", "deadline")
    with ResultsStore(tmp_path / "results.db") as reopened:
        assert len(reopened) == 1 and reopened.is_processed(2)


def test_a_rerun_processes_nothing_and_a_new_email_is_processed_once():
    store, triage = ResultsStore(), CountingTriage()
    inbox = [make_email(i) for i in (1, 2, 3)]
    first = run(process_new(inbox, triage, store))
    assert first.processed == (1, 2, 3) and first.skipped == ()
    again = run(process_new(inbox, triage, store))
    assert again.processed == () and again.skipped == (1, 2, 3)
    assert str(again) == "processed 0, skipped 3 already in the store"
    newer = run(process_new([*inbox, make_email(4)], triage, store))
    assert newer.processed == (4,) and newer.skipped == (1, 2, 3)
    assert triage.seen == [1, 2, 3, 4]  # each email went to the model exactly once
    assert [r.email_id for r in store.results()] == [1, 2, 3, 4]


def test_a_batch_that_fails_half_way_keeps_its_work_and_resumes():
    store, inbox = ResultsStore(), [make_email(i) for i in (1, 2, 3)]
    with pytest.raises(RuntimeError):
        run(process_new(inbox, CountingTriage(fail_on=2), store))
    assert [r.email_id for r in store.results()] == [1]
    resumed = CountingTriage()
    report = run(process_new(inbox, resumed, store))
    assert resumed.seen == [2, 3] and report.skipped == (1,)


def test_overlapping_runs_save_each_email_once():
    store, inbox = ResultsStore(), [make_email(i) for i in (1, 2)]

    async def slow_triage(email):
        await asyncio.sleep(0)  # let the other run check the store before this one saves
        return SimpleNamespace(category="junk", reason=f"email {email.id}")

    async def both():
        return await asyncio.gather(process_new(inbox, slow_triage, store), process_new(inbox, slow_triage, store))

    first, second = run(both())
    assert first.processed == (1, 2) and second.processed == () and second.skipped == (1, 2)
    assert len(store) == 2


# The evaluation.

def test_evaluation_accuracy_confusion_and_mistakes():
    labels = {1: "important", 2: "junk", 3: "less_important", 4: "junk"}
    predictions = {1: "important", 2: "important", 3: "less_important", 4: "junk", 99: "junk"}
    evaluation = evaluate(predictions, labels)
    assert evaluation.correct == 3 and evaluation.accuracy == 0.75
    assert evaluation.mistakes == [2]
    assert evaluation.confusion()[("junk", "important")] == 1
    assert sum(evaluation.confusion().values()) == 4
    table = evaluation.table().splitlines()
    assert table[0].split()[-4:] == ["important", "less_important", "junk", "total"]
    assert table[3].split() == ["junk", "1", "0", "1", "2"]
    assert table[-1] == "accuracy: 3/4 = 75%"


def test_evaluation_needs_a_known_prediction_for_every_label():
    with pytest.raises(ValueError, match=r"No prediction for emails \[2\]"):
        evaluate({1: "junk"}, {1: "junk", 2: "junk"})
    with pytest.raises(ValueError, match=r"Unknown categories \['spam'\]"):
        evaluate({1: "spam"}, {1: "junk"})
