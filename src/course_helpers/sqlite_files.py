"""Open the course's SQLite stores safely: a damaged, foreign or unreadable file is one sentence, never overwritten."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path

__all__ = ["StoreFileError", "guard", "in_sqlite_range", "open_database", "sqlite_integer"]

_SQLITE_MAX_INTEGER = 2**63 - 1


class StoreFileError(ValueError):
    """A store's file cannot be used: it is damaged, belongs to another program, or cannot be opened."""


def open_database(path: str | os.PathLike[str], kind: str, tables: Mapping[str, tuple[str, ...]]) -> sqlite3.Connection:
    """Connect to the SQLite file at `path` for a `kind` store whose `tables` have these columns.

    The file must be new, empty, or a store of this kind: any other file raises StoreFileError before
    anything is written to it.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"A {kind}'s path must be a file name or a Path, not {type(path).__name__}: pass a str.")
    path = os.fspath(path)
    if path != ":memory:" and Path(path).is_dir():
        raise StoreFileError(f"{path} is a folder, not a {kind} file: pass the name of a file inside it.")
    with guard(path, kind):
        db = sqlite3.connect(path, check_same_thread=False)
        try:
            _check(db, path, kind, tables)
        except BaseException:
            db.close()
            raise
    return db


@contextlib.contextmanager
def guard(path: str, kind: str) -> Iterator[None]:
    """Turn SQLite's errors about the file itself into one StoreFileError naming the file and the fix."""
    try:
        yield
    except (sqlite3.ProgrammingError, sqlite3.IntegrityError):
        raise  # a mistake in the call (e.g. a closed store), not in the file
    except sqlite3.OperationalError as error:
        if "unable to open" in str(error) or "readonly" in str(error) or "disk I/O" in str(error):
            raise StoreFileError(
                f"{path} cannot be opened or written ({error}): check that its folder exists and that you may read "
                "and write the file, or pass another path."
            ) from None
        raise _damaged(path, kind, error) from None
    except sqlite3.DatabaseError as error:
        raise _damaged(path, kind, error) from None


def sqlite_integer(value: object, what: str, fix: str) -> int:
    """`value` as an int SQLite can store; TypeError naming `what` and `fix` for anything that is not an int."""
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}: {fix}.")
    return value.__index__()


def in_sqlite_range(number: int) -> bool:
    """Whether SQLite can store this int (64-bit signed); no row has an id outside it."""
    return -_SQLITE_MAX_INTEGER - 1 <= number <= _SQLITE_MAX_INTEGER


def _damaged(path: str, kind: str, error: Exception) -> StoreFileError:
    return StoreFileError(
        f"{path} is not a usable {kind} file ({error}): it is damaged or not a SQLite database, and was left as it "
        "is; pass a new file name to start afresh, or restore the file from a copy."
    )


def _check(db: sqlite3.Connection, path: str, kind: str, tables: Mapping[str, tuple[str, ...]]) -> None:
    """Raise StoreFileError unless the file is damaged-free and holds only this store's tables (or none)."""
    problems = [row[0] for row in db.execute("PRAGMA quick_check").fetchall() if row[0] != "ok"]
    if problems:
        raise _damaged(path, kind, sqlite3.DatabaseError(problems[0]))
    found = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
    virtual = [name for name, sql in found.items() if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
    ours = [name for name in found if name in tables]
    others = [name for name in found if name not in tables and not _belongs_to(name, [*tables, *virtual])]
    wrong = [name for name in ours if _columns(db, name) != tables[name]]
    if wrong:
        found_columns, expected = ", ".join(_columns(db, wrong[0])), ", ".join(tables[wrong[0]])
        what = f"its {wrong[0]} table has the columns ({found_columns}), not ({expected})"
    elif others and not ours:
        what = f"it holds the tables {', '.join(others)} and none of a {kind}'s"
    else:
        return
    raise StoreFileError(
        f"{path} is a SQLite database of something else ({what}), and was left as it is: pass a new file name for "
        f"the {kind}."
    )


def _columns(db: sqlite3.Connection, table: str) -> tuple[str, ...]:
    return tuple(row[1] for row in db.execute(f'PRAGMA table_info("{table}")'))


def _belongs_to(name: str, tables: list[str]) -> bool:
    """SQLite's own tables and a full-text index's shadow tables (memory_index_data, ...) come with their table."""
    return name.startswith("sqlite_") or any(name.startswith(f"{table}_") for table in tables)
