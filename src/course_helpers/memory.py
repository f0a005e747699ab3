"""Long-term memory for agents: facts with timestamps in SQLite, found again by full-text search (FTS5)."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import threading
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .sqlite_files import StoreFileError, guard, in_sqlite_range, open_database, sqlite_integer

__all__ = ["Memory", "MemoryStore", "StoreFileError"]

# Words too common to say what a memory is about: "what do I drink?" searches for "drink" only.
_STOP_WORDS = frozenset(
    """
    a about am an and any are as at be been but by can could did do does for from had has have how i if in
    is it its just may me might must my of on or our please shall should so some than that the their them then
    there these they this to was we were what when where which who why will with would you your
    """.split()
)
_COLUMNS = "memories.id, memories.text, memories.created_at, memories.tags"
_TABLES = {"memories": ("id", "text", "created_at", "tags"), "memory_index": ("text", "tags")}


@dataclass(frozen=True)
class Memory:
    """One remembered fact: its id in the store, its text, when it was saved, and its tags."""

    id: int
    text: str
    created_at: datetime
    tags: tuple[str, ...] = ()

    def __str__(self) -> str:
        tags = f" [{', '.join(self.tags)}]" if self.tags else ""
        return f"#{self.id} ({self.created_at:%Y-%m-%d}) {self.text}{tags}"


class MemoryStore:
    """Facts kept in a SQLite file (or ":memory:"), each with a timestamp and tags, searched by relevance.

    `clock` gives the time stamped on new memories; pass a fixed one for repeatable output.
    `search` ranks with SQLite's FTS5 full-text index and its bm25 score. If this Python's SQLite
    has no FTS5, the store warns and ranks by the number of words a memory shares with the query.
    A file that is damaged or holds another program's database raises StoreFileError and is left as it is.
    """

    def __init__(self, path: str | Path = ":memory:", *, clock: Callable[[], datetime] | None = None) -> None:
        if clock is not None and not callable(clock):
            raise TypeError(f"clock must be a function returning a datetime, not {type(clock).__name__}: "
                            "pass e.g. `lambda: TODAY`.")
        self._db = open_database(path, "memory store", _TABLES)
        self.path = str(path)
        self._clock = clock or _now
        self._lock = threading.Lock()  # agents run plain function tools in worker threads
        with self._guard():
            self._db.execute("PRAGMA secure_delete = ON")  # deleted text is overwritten, not left in free pages
            with self._db:
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS memories (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                    "text TEXT NOT NULL, created_at TEXT NOT NULL, tags TEXT NOT NULL)"
                )
                self.full_text_search = _create_index(self._db)
        if not self.full_text_search:
            warnings.warn(
                "This Python's SQLite has no FTS5, so MemoryStore ranks memories by shared words instead of bm25.",
                stacklevel=2,
            )

    def add(self, text: str, *, tags: Iterable[str] = (), when: datetime | None = None) -> Memory:
        """Save a fact; `when` overrides the clock (e.g. for a fact learned earlier)."""
        text = " ".join(_text(text, "A memory's text", "pass the fact to remember as a sentence").split())
        if not text:
            raise ValueError("A memory needs some text, but this one is empty: pass the fact to remember.")
        tags = _tags(tags)
        if when is not None and not isinstance(when, datetime):
            raise TypeError(
                f"when must be a datetime, not {type(when).__name__}: pass e.g. "
                "datetime(2024, 1, 15, tzinfo=timezone.utc) (datetime.fromisoformat turns a date string into one)."
            )
        created_at = when or self._clock()
        with self._lock, self._guard(), self._db:
            cursor = self._db.execute(
                "INSERT INTO memories (text, created_at, tags) VALUES (?, ?, ?)",
                (text, created_at.isoformat(), json.dumps(tags)),
            )
            if self.full_text_search:
                self._db.execute(
                    "INSERT INTO memory_index (rowid, text, tags) VALUES (?, ?, ?)",
                    (cursor.lastrowid, text, " ".join(tags)),
                )
        return Memory(int(cursor.lastrowid or 0), text, created_at, tags)

    def search(self, query: str, limit: int = 5) -> list[Memory]:
        """Up to `limit` memories sharing words with `query`, most relevant first (ties: newest first).

        Only the query's words are used, so quotes, operators or brackets in it cannot break the search.
        """
        words = _search_words(_text(query, "A search query", "pass the words to look for"))
        limit = sqlite_integer(limit, "limit", "pass how many memories to return, such as 3")
        if not words or limit < 1:
            return []
        limit = min(limit, 2**63 - 1)  # SQLite's largest integer: "no limit" in practice
        if self.full_text_search:
            return self._select(
                f"SELECT {_COLUMNS} FROM memory_index JOIN memories ON memories.id = memory_index.rowid "
                "WHERE memory_index MATCH ? "
                "ORDER BY bm25(memory_index), memories.created_at DESC, memories.id DESC LIMIT ?",
                (" OR ".join(f'"{word}"' for word in words), limit),
            )
        scored = [(len(set(words) & set(_search_words(f"{m.text} {' '.join(m.tags)}"))), m) for m in self.all()]
        ranked = sorted((pair for pair in scored if pair[0]), key=lambda p: (p[0], p[1].created_at, p[1].id))
        return [memory for _, memory in reversed(ranked)][:limit]

    def all(self) -> list[Memory]:
        """Every memory, oldest first."""
        return self._select(f"SELECT {_COLUMNS} FROM memories ORDER BY created_at, id", ())

    def forget(self, memory_id: int) -> bool:
        """Delete the one memory with this id for good, from the table, the search index and the file's bytes.

        Returns False if there was no memory with this id. To delete every memory, call `clear()`.
        """
        memory_id = sqlite_integer(memory_id, "forget()'s memory_id", "pass one memory's id, such as memory.id "
                                   "(clear() deletes every memory)")
        if not in_sqlite_range(memory_id):
            return False  # SQLite cannot store such an id, so no memory has it
        return self._delete("WHERE id = ?", "WHERE rowid = ?", (memory_id,)) > 0

    def clear(self) -> int:
        """Delete every memory for good; return how many there were."""
        return self._delete("", "", ())

    def close(self) -> None:
        """Close the database; the memories stay in the file."""
        self._db.close()

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        name = self.path if self.path == ":memory:" else Path(self.path).name
        return f"MemoryStore({name!r}, {len(self.all())} memories)"

    def _delete(self, rows: str, index_rows: str, parameters: tuple[int, ...]) -> int:
        """Delete the memories the WHERE clauses `rows` (table) and `index_rows` (index) pick; return how many."""
        with self._lock, self._guard(), self._db:
            deleted = self._db.execute(f"DELETE FROM memories {rows}", parameters).rowcount
            if self.full_text_search:
                self._db.execute(f"DELETE FROM memory_index {index_rows}", parameters)
                # FTS5 only marks deleted words; merging its segments removes them from the index for good.
                self._db.execute("INSERT INTO memory_index (memory_index) VALUES ('optimize')")
        return deleted

    def _select(self, sql: str, parameters: tuple[Any, ...]) -> list[Memory]:
        with self._lock, self._guard():
            rows = self._db.execute(sql, parameters).fetchall()
        return [Memory(row[0], row[1], datetime.fromisoformat(row[2]), tuple(json.loads(row[3]))) for row in rows]

    def _guard(self) -> contextlib.AbstractContextManager[None]:
        return guard(self.path, "memory store")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _create_index(db: sqlite3.Connection) -> bool:
    """Create the FTS5 index (porter stemming: "drinks" finds "drink"); False if SQLite lacks FTS5."""
    try:
        db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS memory_index USING fts5(text, tags, tokenize='porter unicode61')"
        )
    except sqlite3.OperationalError as error:
        if "fts5" not in str(error).lower():
            raise
        return False
    return True


def _text(value: object, what: str, fix: str) -> str:
    """`value` if it is a str SQLite can store; TypeError or ValueError naming `what` and `fix` otherwise."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}: {fix}.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{what} holds a lone surrogate character, which is not text: {fix}.") from None
    return value


def _tags(tags: object) -> tuple[str, ...]:
    """Tags normalised: one str is one tag; each is stripped and lower-cased; blanks and repeats dropped."""
    fix = 'pass tags as a list of words, such as ["drinks"]'
    if isinstance(tags, str):
        tags = (tags,)
    elif not isinstance(tags, Iterable) or isinstance(tags, (bytes, dict)):
        raise TypeError(f"tags must be a list of str, not {type(tags).__name__}: {fix}.")
    tags = [_text(tag, "Each tag", fix) for tag in tags]
    return tuple(dict.fromkeys(tag.strip().lower() for tag in tags if tag.strip()))


def _search_words(text: str) -> list[str]:
    """The distinct meaningful words of a text, lower-cased, in order."""
    words = re.findall(r"[^\W_]+", text.lower())
    return list(dict.fromkeys(w for w in words if w not in _STOP_WORDS and (len(w) > 1 or w.isdigit())))
