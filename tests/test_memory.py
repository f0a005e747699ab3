"""The long-term memory store keeps facts in SQLite and finds the relevant ones again."""

import re
import sqlite3
import threading
from datetime import datetime, timedelta, timezone

import pytest

from course_helpers import memory
from course_helpers.memory import Memory, MemoryStore, StoreFileError

DAY_ONE = datetime(2025, 6, 2, 9, 30, tzinfo=timezone.utc)


def fixed_clock():
    return DAY_ONE


@pytest.fixture
def store():
    with MemoryStore(clock=fixed_clock) as store:
        yield store


def test_memories_persist_across_instances_on_a_file(tmp_path):
    path = tmp_path / "memories.db"
    with MemoryStore(path, clock=fixed_clock) as first:
        saved = first.add("My favourite tea is jasmine.", tags=["drinks"])
    with MemoryStore(path) as second:
        assert second.all() == [saved]
        assert second.search("tea") == [saved]
        assert repr(second) == "MemoryStore('memories.db', 1 memories)"


def test_an_in_memory_store_starts_empty_each_time(store):
    store.add("I live in Lisbon.")
    with MemoryStore() as other:
        assert other.all() == []


def test_search_ranks_the_most_relevant_memory_first(store):
    store.add("I live in Lisbon.")
    store.add("My favourite tea is jasmine tea from Fujian.")
    store.add("I drink green tea in the afternoon.")
    store.add("My sister lives in Porto.")
    found = store.search("Which green tea do I drink?")
    assert [m.text for m in found] == [
        "I drink green tea in the afternoon.",
        "My favourite tea is jasmine tea from Fujian.",
    ]


def test_search_matches_other_forms_of_a_word(store):
    store.add("I drink coffee only in the morning.")
    assert [m.text for m in store.search("drinks")] == ["I drink coffee only in the morning."]


def test_search_respects_the_limit_and_breaks_ties_newest_first(store):
    for day in range(4):
        store.add(f"Note {day} about the garden.", when=DAY_ONE + timedelta(days=day))
    found = store.search("garden", limit=2)
    assert [m.text for m in found] == ["Note 3 about the garden.", "Note 2 about the garden."]
    assert store.search("garden", limit=0) == []


@pytest.mark.parametrize(
    "query",
    ['tea" OR NOT (', "tea AND", "NEAR(tea", "tea*", "-tea", "'tea'", "tea:", "{tea}", "^tea", "tea_cup?!"],
)
def test_queries_with_quotes_and_operators_are_plain_words(store, query):
    store.add("My favourite tea is jasmine.")
    assert [m.text for m in store.search(query)] == ["My favourite tea is jasmine."]


def test_a_query_of_only_common_words_finds_nothing(store):
    store.add("It is what it is.")
    assert store.search("what is it?") == []
    assert store.search("  ") == []


def test_forget_deletes_a_memory_for_good(store):
    tea = store.add("My favourite tea is jasmine.")
    city = store.add("I live in Lisbon.")
    assert store.forget(tea.id) is True
    assert store.all() == [city]
    assert store.search("jasmine tea") == []
    assert store.forget(tea.id) is False
    assert store.add("My favourite tea is oolong.").id > city.id  # ids are never reused


def test_forgotten_text_is_gone_from_the_file(tmp_path):
    path = tmp_path / "memories.db"
    with MemoryStore(path) as store:
        for n in range(5):
            store.add(f"Garden note {n}.")
        allergy = store.add("I am allergic to peanuts.")
        assert b"peanut" in path.read_bytes()
        store.forget(allergy.id)
        assert b"peanut" not in path.read_bytes()  # neither the text nor the index's word is left behind
        store.clear()
        assert b"Garden" not in path.read_bytes() and b"garden" not in path.read_bytes()


def test_clear_deletes_everything(store):
    store.add("I live in Lisbon.")
    store.add("I like jasmine tea.")
    assert store.clear() == 2
    assert store.all() == [] and store.search("tea") == []


def test_tags_are_kept_normalised_and_searchable(store):
    saved = store.add("Allergic to peanuts.", tags=["Health", " health ", "food"])
    assert saved.tags == ("health", "food")
    assert store.all()[0].tags == ("health", "food")
    assert store.search("health") == [saved]
    assert store.add("Walks every day.", tags="health").tags == ("health",)  # one tag, not six letters


def test_the_clock_stamps_memories_and_when_overrides_it(store):
    today = store.add("I moved to Porto.")
    earlier = store.add("I live in Lisbon.", when=DAY_ONE - timedelta(days=400))
    assert today.created_at == DAY_ONE
    assert earlier.created_at == DAY_ONE - timedelta(days=400)
    assert [m.text for m in store.all()] == ["I live in Lisbon.", "I moved to Porto."]  # oldest first
    assert str(today) == "#1 (2025-06-02) I moved to Porto."
    assert str(store.add("Likes chess.", tags=["hobby"])) == "#3 (2025-06-02) Likes chess. [hobby]"


def test_without_a_clock_memories_get_the_current_time():
    with MemoryStore() as store:
        before = datetime.now(timezone.utc)
        saved = store.add("Likes chess.")
    assert before <= saved.created_at <= datetime.now(timezone.utc)


def test_empty_text_is_refused_with_a_clear_error(store):
    with pytest.raises(ValueError, match="needs some text"):
        store.add("   ")


def test_the_store_works_from_a_worker_thread(store):
    # The Agents SDK runs plain function tools with asyncio.to_thread.
    saved: list[Memory] = []
    worker = threading.Thread(target=lambda: saved.append(store.add("Saved from a tool.")))
    worker.start()
    worker.join()
    assert store.search("tool") == saved


def test_without_fts5_search_warns_and_ranks_by_shared_words(monkeypatch):
    monkeypatch.setattr(memory, "_create_index", lambda db: False)
    with pytest.warns(UserWarning, match="no FTS5"):
        store = MemoryStore(clock=fixed_clock)
    with store:
        store.add("I drink green tea.")
        store.add("Green is my favourite colour.")
        store.add("I live in Lisbon.")
        found = store.search('green "tea" OR')
        assert [m.text for m in found] == ["I drink green tea.", "Green is my favourite colour."]
        assert store.forget(1) and [m.text for m in store.search("tea")] == []


# Bad arguments are one sentence each, and never delete more than asked.

def test_forget_takes_exactly_one_id_and_never_deletes_more(store):
    kept = [store.add("I live in Lisbon."), store.add("I like jasmine tea.")]
    for wrong in (None, "1", 1.0, True, [1], kept[0]):
        with pytest.raises(TypeError, match=r"memory_id must be an int, not \w+: pass one memory's id"):
            store.forget(wrong)
    for absent in (10**30, -(10**30), -1, 0, 99):
        assert store.forget(absent) is False
    assert store.all() == kept


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda s: s.add(None), TypeError, "A memory's text must be a str, not NoneType"),
        (lambda s: s.add(42), TypeError, "A memory's text must be a str, not int"),
        (lambda s: s.add("\ud800 tea"), ValueError, "lone surrogate"),
        (lambda s: s.add("Tea.", tags=[1]), TypeError, "Each tag must be a str, not int"),
        (lambda s: s.add("Tea.", tags=5), TypeError, "tags must be a list of str, not int"),
        (lambda s: s.add("Tea.", tags=b"drinks"), TypeError, "tags must be a list of str, not bytes"),
        (lambda s: s.add("Tea.", when="2024-01-15"), TypeError, "when must be a datetime, not str"),
        (lambda s: s.search(None), TypeError, "A search query must be a str, not NoneType"),
        (lambda s: s.search("tea", limit="3"), TypeError, "limit must be an int, not str"),
    ],
)
def test_bad_arguments_are_one_sentence_and_store_nothing(store, call, error, message):
    with pytest.raises(error, match=message) as raised:
        call(store)
    assert str(raised.value).count(": ") >= 1 and "\n" not in str(raised.value)
    assert store.all() == []


def test_a_huge_limit_means_no_limit(store):
    tea = store.add("I like jasmine tea.")
    assert store.search("tea", limit=10**30) == [tea]


def test_a_clock_must_be_a_function():
    with pytest.raises(TypeError, match="clock must be a function returning a datetime, not datetime"):
        MemoryStore(clock=DAY_ONE)


# Files that are not memory stores: one sentence naming the file and the fix, and the file is left as it was.

def _damaged_store(path):
    with MemoryStore(path) as store:
        for n in range(300):
            store.add(f"Garden note {n} about roses, tulips and the compost heap.")
    data = bytearray(path.read_bytes())
    data[3 * 4096 : 3 * 4096 + 600] = b"\xff" * 600  # scribble over a page in the middle
    path.write_bytes(bytes(data))


def _foreign_table(path, sql):
    db = sqlite3.connect(path)
    db.execute(sql)
    db.commit()
    db.close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b"this is a text file, not a database " * 100), r"\(file is not a database\)"),
        (_damaged_store, r"\(database disk image is malformed\)"),
        (lambda p: _foreign_table(p, "CREATE TABLE memories (id, note)"),
         r"its memories table has the columns \(id, note\), not \(id, text, created_at, tags\)"),
        (lambda p: _foreign_table(p, "CREATE TABLE agent_sessions (session_id)"), "it holds the tables agent_sessions"),
    ],
    ids=["text file", "damaged", "other columns", "other tables"],
)
def test_a_file_that_is_no_memory_store_is_named_and_left_alone(tmp_path, make, message):
    path = tmp_path / "memories.db"
    make(path)
    before = path.read_bytes()
    with pytest.raises(StoreFileError, match=rf"^{re.escape(str(path))} .*{message}.*pass a new file name"):
        MemoryStore(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memories.db"]  # no journal or new file either


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "is a folder, not a memory store file"), ("missing/memories.db", "cannot be opened or written")],
)
def test_a_path_that_cannot_be_opened_is_one_sentence(tmp_path, name, message):
    with pytest.raises(StoreFileError, match=message):
        MemoryStore(tmp_path / name)


def test_a_file_damaged_after_opening_is_reported_when_read(tmp_path):
    path = tmp_path / "memories.db"
    with MemoryStore(path) as store:
        store.add("I like tea.")
        path.write_bytes(b"\0" * 100 + path.read_bytes()[100:])  # another program scribbles over the header
        with pytest.raises(StoreFileError, match=f"{re.escape(str(path))} is not a usable memory store file"):
            store.all()


def test_a_path_must_be_a_name_or_a_path():
    with pytest.raises(TypeError, match="path must be a file name or a Path, not int"):
        MemoryStore(3)
