"""The long-term memory store keeps facts in SQLite and finds the relevant ones again."""

import threading
from datetime import datetime, timedelta, timezone

import pytest

from course_helpers import memory
from course_helpers.memory import Memory, MemoryStore

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
