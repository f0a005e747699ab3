"""Building blocks of the capstone email assistant: the sample inbox, a results store and the evaluation."""

from __future__ import annotations

import contextlib
import enum
import json
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, ValidationError

from .offline.text import content_words
from .paths import data_dir
from .sqlite_files import guard, in_sqlite_range, open_database, sqlite_integer

__all__ = [
    "BatchReport",
    "Category",
    "Email",
    "Evaluation",
    "ResultsStore",
    "SavedTriage",
    "evaluate",
    "load_inbox",
    "load_labels",
    "process_new",
    "search_emails",
]

Category = Literal["important", "less_important", "junk"]
_CATEGORIES: tuple[str, ...] = get_args(Category)


class Email(BaseModel):
    """One email: who sent it, when, in which thread, and what it says."""

    model_config = ConfigDict(frozen=True)

    id: int
    thread_id: str
    sender: str
    subject: str
    received: str
    unread: bool = True
    body: str

    def as_text(self) -> str:
        """The email as a model reads it: headers, a blank line, the body."""
        return f"From: {self.sender}\nSubject: {self.subject}\nReceived: {self.received}\n\n{self.body}"

    def headline(self) -> str:
        """One line for a list: id, sender's name and subject."""
        name = self.sender.split("<")[0].strip() or self.sender
        return f"#{self.id} {name}: {self.subject}"


class _LabelledEmail(Email):
    label: Category


def _read(path: str | Path | None) -> list[_LabelledEmail]:
    """The labelled emails of an inbox file; a ValueError names the file, the email and the field that is wrong."""
    path = Path(path) if path is not None else data_dir() / "inbox.json"
    if not path.is_file():
        raise FileNotFoundError(f"No inbox file at {path.name}: run from the course repository, or pass its path.")
    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))  # a byte-order mark is fine
    except UnicodeDecodeError as error:
        raise ValueError(f"{path.name} is not UTF-8 text (at byte offset {error.start}): save it as UTF-8.") from None
    except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
        raise ValueError(f"{path.name} is not valid JSON ({error}): fix the file there.") from None
    if not isinstance(document, dict) or not isinstance(document.get("emails"), list):
        example = '{"emails": [{"id": 1, ...}]}'
        raise ValueError(f'{path.name} must hold a JSON object with an "emails" list, like {example}.')
    emails: list[_LabelledEmail] = []
    first_with_id: dict[int, int] = {}
    for number, record in enumerate(document["emails"], start=1):
        email = _email(path.name, number, record)
        if email.id in first_with_id:
            raise ValueError(
                f"Emails {first_with_id[email.id]} and {number} of {path.name} both have the id {email.id}: "
                "give each email its own id."
            )
        first_with_id[email.id] = number
        emails.append(email)
    return emails


def _email(file_name: str, number: int, record: object) -> _LabelledEmail:
    """Email `number` (counting from 1) of an inbox file, validated; a ValueError names it and its first bad field."""
    if not isinstance(record, dict):
        raise ValueError(f"Email {number} of {file_name} is a {type(record).__name__}, not a JSON object: write it as "
                         '{"id": 1, "sender": ..., ...}.')
    try:
        email = _LabelledEmail.model_validate(record)
    except ValidationError as error:
        problem = error.errors()[0]
        which = f"Email {number}" + (f" (id {record['id']!r})" if "id" in record else "") + f" of {file_name}"
        field = ".".join(map(str, problem["loc"]))
        if problem["type"] == "missing":
            raise ValueError(f"{which} has no {field!r} field: add it.") from None
        raise ValueError(f"{which} has a wrong {field!r} field ({problem['msg']}): fix it.") from None
    if not in_sqlite_range(email.id):
        raise ValueError(f"Email {number} of {file_name} has an id too large to store ({email.id}): use a smaller one.")
    return email


def load_inbox(path: str | Path | None = None) -> list[Email]:
    """The emails of data/inbox.json (or `path`), oldest first, without their labels."""
    return [Email(**email.model_dump(exclude={"label"})) for email in _read(path)]


def load_labels(path: str | Path | None = None) -> dict[int, Category]:
    """The hand-made label of each email, by email id: what an evaluation compares against."""
    return {email.id: email.label for email in _read(path)}


def search_emails(emails: Iterable[Email], query: str, limit: int = 5) -> list[Email]:
    """Emails sharing the most words with `query` (sender, subject and body; stemmed), best first."""
    wanted = content_words(query)
    scored = [(len(wanted & content_words(f"{e.sender} {e.subject} {e.body}")), e) for e in emails]
    ranked = sorted((pair for pair in scored if pair[0]), key=lambda pair: (-pair[0], pair[1].id))
    return [email for _, email in ranked][:limit]


@dataclass(frozen=True)
class SavedTriage:
    """One stored result: the email's id, its category and the reason given."""

    email_id: int
    category: str
    reason: str


class ResultsStore:
    """Triage results in SQLite, one row per email id.

    The email id is the table's primary key and rows are written with INSERT OR IGNORE, so saving
    an email twice keeps the first result: that is what makes a batch safe to run again.
    """

    def __init__(self, path: str | Path = ":memory:") -> None:
        self._db = open_database(path, "results store", {"triage": ("email_id", "category", "reason")})
        self.path = str(path)
        self._lock = threading.Lock()
        with self._guard(), self._db:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS triage "
                "(email_id INTEGER PRIMARY KEY, category TEXT NOT NULL, reason TEXT NOT NULL)"
            )

    def is_processed(self, email_id: int) -> bool:
        """Whether a result for this email is already stored."""
        email_id = _email_id(email_id)
        if not in_sqlite_range(email_id):
            return False  # SQLite cannot store such an id, so no result has it
        with self._lock, self._guard():
            row = self._db.execute("SELECT 1 FROM triage WHERE email_id = ?", (email_id,)).fetchone()
        return row is not None

    def save(self, email_id: int, category: str, reason: str) -> bool:
        """Store a result; False (and nothing changed) if this email already has one. Enums are saved by value."""
        row = _checked_row(email_id, category, reason)
        with self._lock, self._guard(), self._db:
            cursor = self._db.execute("INSERT OR IGNORE INTO triage (email_id, category, reason) VALUES (?, ?, ?)", row)
        return cursor.rowcount == 1

    def results(self) -> list[SavedTriage]:
        """Every stored result, by email id."""
        with self._lock, self._guard():
            rows = self._db.execute("SELECT email_id, category, reason FROM triage ORDER BY email_id").fetchall()
        return [SavedTriage(*row) for row in rows]

    def close(self) -> None:
        """Close the database; the results stay in the file."""
        self._db.close()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __len__(self) -> int:
        with self._lock, self._guard():
            return self._db.execute("SELECT COUNT(*) FROM triage").fetchone()[0]

    def __repr__(self) -> str:
        name = self.path if self.path == ":memory:" else Path(self.path).name
        return f"ResultsStore({name!r}, {len(self)} results)"

    def _guard(self) -> contextlib.AbstractContextManager[None]:
        return guard(self.path, "results store")


def _email_id(email_id: object) -> int:
    return sqlite_integer(email_id, "An email id", "pass the email's id, such as email.id")


def _by_value(category: object) -> object:
    """An Enum member's value (`Category.junk` -> "junk"); anything else as it is."""
    return category.value if isinstance(category, enum.Enum) else category


def _checked_row(email_id: object, category: object, reason: object) -> tuple[int, str, str]:
    """A result as the table stores it: an id SQLite can hold, a category's value and the reason, all checked."""
    email_id, category = _email_id(email_id), _category_value(category)
    if not in_sqlite_range(email_id):
        raise ValueError(f"Email id {email_id} is too large for the results store: give emails ids below 2**63.")
    if not isinstance(reason, str):
        raise TypeError(f"A result's reason must be a str, not {type(reason).__name__}: pass the reason as text.")
    return email_id, category, reason


def _category_value(category: object) -> str:
    """A category as stored: an Enum member's value, checked to be a str."""
    value = _by_value(category)
    if not isinstance(value, str):
        raise TypeError(f"A category must be a str such as 'junk', not {type(category).__name__}: pass one of "
                        f"{list(_CATEGORIES)}.")
    return value


@dataclass(frozen=True)
class BatchReport:
    """What one batch run did: the ids it triaged and saved, and the ids it skipped."""

    processed: tuple[int, ...]
    skipped: tuple[int, ...]

    def __str__(self) -> str:
        return f"processed {len(self.processed)}, skipped {len(self.skipped)} already in the store"


async def process_new(
    emails: Iterable[Email], triage: Callable[[Email], Awaitable[Any]], store: ResultsStore
) -> BatchReport:
    """Triage each email the store has no result for, and save each result as soon as it is made.

    `triage(email)` returns anything with `.category` and `.reason` (e.g. a Pydantic model); an Enum
    category is saved by its value. Saving one by one means a batch that stops half-way keeps its work,
    and the next run resumes after it.
    """
    processed, skipped = [], []
    for email in emails:
        if store.is_processed(email.id):
            skipped.append(email.id)
            continue
        result = await triage(email)
        if not (hasattr(result, "category") and hasattr(result, "reason")):
            raise TypeError(
                f"triage(email) returned a {type(result).__name__}, which has no .category and .reason: return a "
                "model with both, such as the notebook's Triage."
            )
        if store.save(email.id, result.category, result.reason):
            processed.append(email.id)
        else:  # another run saved this email while we were triaging it: its result stands
            skipped.append(email.id)
    return BatchReport(tuple(processed), tuple(skipped))


@dataclass(frozen=True)
class Evaluation:
    """Predicted categories scored against labels: accuracy, a confusion table and the mistakes."""

    predictions: Mapping[int, str]
    labels: Mapping[int, str]

    @property
    def correct(self) -> int:
        """How many labelled emails got their label."""
        return sum(self.predictions[i] == label for i, label in self.labels.items())

    @property
    def accuracy(self) -> float:
        """The share of labelled emails that got their label, from 0 to 1."""
        return self.correct / len(self.labels) if self.labels else 0.0

    @property
    def mistakes(self) -> list[int]:
        """Ids of the emails whose prediction differs from their label."""
        return [i for i, label in self.labels.items() if self.predictions[i] != label]

    def confusion(self) -> dict[tuple[str, str], int]:
        """How many emails had each (label, prediction) pair."""
        counts = {(label, predicted): 0 for label in _CATEGORIES for predicted in _CATEGORIES}
        for i, label in self.labels.items():
            counts[label, self.predictions[i]] += 1
        return counts

    def table(self) -> str:
        """The confusion table as text: one row per label, one column per prediction, then the accuracy."""
        counts = self.confusion()
        width = max(map(len, _CATEGORIES)) + 2
        lines = [f"{'label ↓ predicted →':<22}" + "".join(f"{c:>{width}}" for c in _CATEGORIES) + f"{'total':>8}"]
        for label in _CATEGORIES:
            row = [counts[label, predicted] for predicted in _CATEGORIES]
            lines.append(f"{label:<22}" + "".join(f"{n:>{width}}" for n in row) + f"{sum(row):>8}")
        lines.append(f"accuracy: {self.correct}/{len(self.labels)} = {self.accuracy:.0%}")
        return "\n".join(lines)


def evaluate(predictions: Mapping[int, str], labels: Mapping[int, str]) -> Evaluation:
    """Score predictions against labels; every labelled email needs a prediction from the categories.

    Enum categories are compared by their values.
    """
    predictions = {i: _by_value(category) for i, category in predictions.items()}
    labels = {i: _by_value(category) for i, category in labels.items()}
    missing = [i for i in labels if i not in predictions]
    if missing:
        raise ValueError(f"No prediction for emails {missing}: process them before evaluating.")
    used = [predictions[i] for i in labels] + list(labels.values())
    unknown = sorted({str(category) for category in used if category not in _CATEGORIES})
    if unknown:
        raise ValueError(f"Unknown categories {unknown}: use only {list(_CATEGORIES)}.")
    return Evaluation(dict(predictions), dict(labels))
