"""Property-based fuzzing of the memory store, inbox files and the MCP server's arguments: any input is handled or
refused in one sentence, and nothing is ever deleted that was not asked for."""

import asyncio
import importlib
import json
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client, MCPError

from course_helpers.inbox import ResultsStore, load_labels
from course_helpers.mcp_servers import library as library_module
from course_helpers.memory import MemoryStore

# Bounded so the whole file runs in a few seconds; derandomized so a failure repeats on the next run.
FUZZ = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
ANYTHING = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | st.binary(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
TEXT = st.text(st.characters(), max_size=60)  # every code point, lone surrogates included
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def one_sentence(error: BaseException | str) -> bool:
    message = str(error)
    return "\n" not in message and message.endswith(".") and len(message) > 20


@FUZZ
@given(st.one_of(ANYTHING, TEXT), st.one_of(ANYTHING, st.lists(TEXT, max_size=3)), st.one_of(ANYTHING, st.datetimes()))
def test_add_stores_what_it_is_given_or_refuses_in_one_sentence(text, tags, when):
    with MemoryStore(clock=lambda: datetime(2025, 6, 2, tzinfo=timezone.utc)) as store:
        try:
            saved = store.add(text, tags=tags, when=when)
        except (TypeError, ValueError) as error:
            assert one_sentence(error), error
            assert store.all() == []
        else:
            assert isinstance(text, str) and store.all() == [saved]
            assert saved.text == " ".join(text.split())


@FUZZ
@given(ANYTHING | st.integers(min_value=-(2**70), max_value=2**70))
def test_forget_deletes_at_most_the_one_memory_it_names(memory_id):
    with MemoryStore() as store:
        kept = [store.add(f"Fact number {n}.") for n in range(3)]
        try:
            forgotten = store.forget(memory_id)
        except TypeError as error:
            assert one_sentence(error), error
            forgotten = False
        left = store.all()
        assert len(left) == 3 - forgotten
        assert forgotten == (type(memory_id) is int and memory_id in {m.id for m in kept})
        assert all(memory in kept for memory in left)


@FUZZ
@given(st.one_of(ANYTHING, TEXT), ANYTHING | st.integers())
def test_search_finds_or_refuses_in_one_sentence(query, limit):
    with MemoryStore() as store:
        store.add("I like jasmine tea.")
        try:
            found = store.search(query, limit)
        except (TypeError, ValueError) as error:
            assert one_sentence(error), error
        else:
            assert len(found) <= 1


EMAIL_FIELDS = {"id": st.integers(), "thread_id": TEXT, "sender": TEXT, "subject": TEXT, "received": TEXT,
                "body": TEXT, "label": st.sampled_from(["important", "less_important", "junk", "spam"])}
EMAIL = st.fixed_dictionaries({}, optional={name: strategy | JSON for name, strategy in EMAIL_FIELDS.items()})


@FUZZ
@given(st.one_of(st.binary(max_size=60),
                 st.builds(lambda emails: json.dumps({"emails": emails}).encode(), st.lists(EMAIL, max_size=4)),
                 st.builds(lambda value: json.dumps(value).encode(), JSON)))
def test_any_inbox_file_loads_or_names_the_problem_in_one_sentence(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("inbox") / "mail.json"
    path.write_bytes(content)
    try:
        labels = load_labels(path)
    except ValueError as error:
        assert one_sentence(error) and str(error).startswith(("mail.json", "Email")), error
    else:
        assert set(labels.values()) <= {"important", "less_important", "junk"}


@FUZZ
@given(ANYTHING | st.integers(), ANYTHING, ANYTHING)
def test_the_results_store_saves_or_refuses_in_one_sentence(email_id, category, reason):
    with ResultsStore() as store:
        try:
            saved = store.save(email_id, category, reason)
        except (TypeError, ValueError) as error:
            assert one_sentence(error), error
            assert len(store) == 0
        else:
            assert saved and store.results()[0].category == category


PROMPT_ARGUMENTS = st.dictionaries(st.sampled_from(["genre", "mood", ""]), st.text(max_size=10), max_size=2)
TOOL_CALL = st.tuples(
    st.sampled_from(["search_catalogue", "check_availability", "reserve_copy"]),
    st.dictionaries(st.sampled_from(["query", "book_name", "reader_name", "limit"]), JSON, max_size=3),
)


@settings(FUZZ, max_examples=15)  # each example connects a client: about 0.1 s
@given(st.lists(PROMPT_ARGUMENTS, min_size=1, max_size=5), st.lists(TOOL_CALL, min_size=1, max_size=5))
def test_the_mcp_server_answers_any_prompt_or_tool_arguments_with_a_result_or_one_sentence(prompts, calls):
    async def scenario():
        async with Client(importlib.reload(library_module).library) as client:  # a fresh catalogue
            for arguments in prompts:
                try:
                    await client.get_prompt("recommend_books", arguments)
                except MCPError as error:
                    assert one_sentence(error.error.message), error.error.message
            for tool, arguments in calls:
                result = await client.call_tool(tool, arguments)
                assert not result.is_error or one_sentence(result.content[0].text), result.content[0].text

    asyncio.run(scenario())
