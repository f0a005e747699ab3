"""The capstone's building blocks: the sample inbox, search, the idempotent results store and the evaluation."""

import asyncio
import enum
import json
import re
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
from course_helpers.memory import MemoryStore
from course_helpers.sqlite_files import StoreFileError


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


# Malformed inbox files: one sentence naming the file, the email and the field.

GOOD = {"id": 1, "thread_id": "t1", "sender": "Bo", "subject": "Hi", "received": "x", "body": ".", "label": "junk"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", r"mail.json is not valid JSON \(Expecting property name .*line 1 column 2"),
        ('{"emails": []} café'.encode("latin-1"),
         r"mail.json is not UTF-8 text \(at byte offset 18\): save it as UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "mail.json is not valid JSON"),
        (b"{}", 'mail.json must hold a JSON object with an "emails" list'),
        (b"[]", 'mail.json must hold a JSON object with an "emails" list'),
        (b'{"emails": 5}', 'mail.json must hold a JSON object with an "emails" list'),
        (json.dumps({"emails": [GOOD, "x"]}).encode(), "Email 2 of mail.json is a str, not a JSON object"),
        (json.dumps({"emails": [GOOD, {**GOOD, "id": 2, "body": None}]}).encode(),
         r"Email 2 \(id 2\) of mail.json has a wrong 'body' field \(Input should be a valid string\): fix it"),
        (json.dumps({"emails": [{k: v for k, v in GOOD.items() if k != "sender"}]}).encode(),
         r"Email 1 \(id 1\) of mail.json has no 'sender' field: add it"),
        (json.dumps({"emails": [{**GOOD, "id": 10**30}]}).encode(), "Email 1 of mail.json has an id too large"),
        (json.dumps({"emails": [GOOD, {**GOOD, "id": 2}, {**GOOD}]}).encode(),
         "Emails 1 and 3 of mail.json both have the id 1: give each email its own id"),
    ],
    ids=["json", "encoding", "nesting", "no emails", "a list", "emails not a list", "email not an object",
         "wrong field", "missing field", "huge id", "duplicate ids"],
)
@pytest.mark.parametrize("loader", [load_inbox, load_labels])
def test_a_malformed_inbox_file_is_one_sentence_naming_email_and_field(tmp_path, content, message, loader):
    path = tmp_path / "mail.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=f"^{message}") as raised:
        loader(path)
    assert "\n" not in str(raised.value)


def test_an_inbox_file_may_start_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "mail.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"emails": [GOOD]}).encode())
    assert load_labels(path) == {1: "junk"}


# Enum categories and bad arguments to the results store.

class Cat(str, enum.Enum):
    junk = "junk"
    important = "important"


def test_enum_categories_are_stored_and_evaluated_by_value():
    store = ResultsStore()

    async def triage(email):
        return SimpleNamespace(category=Cat.junk, reason="spam")

    run(process_new([make_email(1), make_email(2)], triage, store))
    assert store.save(3, Cat.important, "deadline") is True
    assert [r.category for r in store.results()] == ["junk", "junk", "important"]
    predictions = {r.email_id: r.category for r in store.results()}
    assert evaluate(predictions, {1: Cat.junk, 2: "junk", 3: "important"}).accuracy == 1.0


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda s: s.save("1", "junk", "spam"), TypeError, "An email id must be an int, not str"),
        (lambda s: s.save(True, "junk", "spam"), TypeError, "An email id must be an int, not bool"),
        (lambda s: s.save(10**30, "junk", "spam"), ValueError, "Email id 1000000000000000000000000000000 is too large"),
        (lambda s: s.save(1, None, "spam"), TypeError, "A category must be a str such as 'junk', not NoneType"),
        (lambda s: s.save(1, "junk", None), TypeError, "A result's reason must be a str, not NoneType"),
        (lambda s: s.is_processed(None), TypeError, "An email id must be an int, not NoneType"),
    ],
)
def test_bad_arguments_to_the_results_store_are_one_sentence_and_store_nothing(call, error, message):
    store = ResultsStore()
    with pytest.raises(error, match=message):
        call(store)
    assert len(store) == 0 and store.is_processed(10**30) is False


def test_a_triage_without_category_and_reason_is_named():
    async def triage(email):
        return "junk"

    with pytest.raises(TypeError, match="triage\\(email\\) returned a str, which has no .category and .reason"):
        run(process_new([make_email(1)], triage, ResultsStore()))


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"not a database at all " * 200, "is not a usable results store file"),
     (None, "it holds the tables memories, memory_index and none of a results store's")],
)
def test_a_file_that_is_no_results_store_is_named_and_left_alone(tmp_path, content, message):
    path = tmp_path / "results.db"
    if content is None:
        MemoryStore(path).close()
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    with pytest.raises(StoreFileError, match=f"^{re.escape(str(path))} .*{message}"):
        ResultsStore(path)
    assert path.read_bytes() == before
