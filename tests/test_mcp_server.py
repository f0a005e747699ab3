"""The library MCP server speaks the protocol over stdio and HTTP, and its tools, resources and prompts behave."""

import asyncio
import importlib
import json
import sys

import psutil
import pytest
from agents import Agent, Runner
from mcp import Client, MCPError, StdioServerParameters
from mcp.types.jsonrpc import INVALID_PARAMS

from course_helpers.checks import offline_run_config
from course_helpers.mcp_servers import launch
from course_helpers.mcp_servers import library as library_module

LIBRARY = "course_helpers.mcp_servers.library"
TOOLS = ["search_catalogue", "check_availability", "reserve_copy"]


@pytest.fixture
def library():
    """A fresh server object (catalogue reloaded, counters at zero), for in-process clients."""
    return importlib.reload(library_module).library


def run(check, server):
    """Connect an MCP client to `server` and run `check(client)`."""

    async def connected():
        async with Client(server) as client:
            return await check(client)

    return asyncio.run(connected())


def text(result) -> str:
    return result.content[0].text


def test_over_stdio_it_lists_everything_answers_each_tool_and_refuses_bad_arguments():
    async def check(client):
        assert [tool.name for tool in (await client.list_tools()).tools] == TOOLS
        resources = (await client.list_resources()).resources
        assert [str(resource.uri) for resource in resources] == ["library://catalogue", "library://stats"]
        templates = (await client.list_resource_templates()).resource_templates
        assert [t.uri_template for t in templates] == ["library://books/{book_id}"]
        assert [p.name for p in (await client.list_prompts()).prompts] == ["recommend_books"]

        found = await client.call_tool("search_catalogue", {"query": "Mary Shelley"})
        assert not found.is_error and "Frankenstein" in text(found)
        shelf = await client.call_tool("check_availability", {"book_name": "Dracula"})
        assert text(shelf) == "Dracula is available: 1 of 2 copies are on the shelf."
        reserved = await client.call_tool("reserve_copy", {"book_name": "Dracula", "reader_name": "Ada Lovelace"})
        assert text(reserved).startswith("Reserved Dracula for Ada Lovelace")

        missing_argument = await client.call_tool("check_availability", {"title": "Dracula"})
        assert missing_argument.is_error and "book_name" in text(missing_argument)
        empty_reader = await client.call_tool("reserve_copy", {"book_name": "Emma", "reader_name": ""})
        assert empty_reader.is_error and "reader_name" in text(empty_reader)
        wrong_type = await client.call_tool("search_catalogue", {"query": ["gothic"]})
        assert wrong_type.is_error and "query" in text(wrong_type)
        unknown_tool = await client.call_tool("borrow_book", {"book_name": "Emma"})
        assert unknown_tool.is_error and "Unknown tool: borrow_book" in text(unknown_tool)

        record = json.loads((await client.read_resource("library://books/B007")).contents[0].text)
        assert record["title"] == "Dracula" and record["available"] == 0  # the reservation above took the copy
        prompt = await client.get_prompt("recommend_books", {"genre": "gothic"})
        assert "three gothic books" in prompt.messages[0].content.text

    parameters = StdioServerParameters(command=sys.executable, args=["-m", LIBRARY])
    run(check, parameters)
    assert psutil.Process().children(recursive=True) == [], "the stdio server process outlived its client"


def test_an_agent_uses_the_server_through_notebook_stdio_with_a_filter():
    async def scenario():
        lookups = {"allowed_tool_names": ["check_availability"]}
        params = {"command": sys.executable, "args": ["-m", LIBRARY]}
        async with launch.NotebookMCPServerStdio(params, tool_filter=lookups, cache_tools_list=True) as server:
            agent = Agent(name="Librarian", mcp_servers=[server])
            result = await Runner.run(agent, "Check whether Dracula is on the shelf", run_config=offline_run_config())
            return [tool.name for tool in await server.list_tools()], result.final_output, server.server_stderr()

    tools, answer, stderr = asyncio.run(scenario())
    assert tools == ["check_availability"]
    assert answer == "Dracula is available: 1 of 2 copies are on the shelf."
    assert stderr == ""  # the server logs warnings only, and had none


def test_notebook_stdio_keeps_what_a_crashing_server_wrote_to_stderr():
    crash = {"command": sys.executable, "args": ["-c", "import sys; sys.exit('the server could not start')"]}
    server = launch.NotebookMCPServerStdio(crash)

    async def connect():
        async with server:
            pass

    with pytest.raises(Exception):  # noqa: B017 - the SDK's error for a closed connection is not the point here
        asyncio.run(connect())
    assert "the server could not start" in server.server_stderr()


def test_over_http_on_a_free_loopback_port_clients_share_one_server():
    async def scenario():
        async with launch.http_server(LIBRARY) as url:
            assert url.startswith("http://127.0.0.1:") and url.endswith("/mcp")
            async with Client(url) as front_desk, Client(url) as librarian:
                assert [tool.name for tool in (await librarian.list_tools()).tools] == TOOLS
                await front_desk.call_tool("reserve_copy", {"book_name": "Frankenstein", "reader_name": "Ada"})
                after = await librarian.call_tool("check_availability", {"book_name": "Frankenstein"})
                assert text(after) == "Frankenstein is available: 1 of 3 copies are on the shelf."
                refused = await librarian.call_tool("reserve_copy", {"book_name": "Frankenstein"})
                assert refused.is_error and "reader_name" in text(refused)
            port = int(url.rsplit(":", 1)[1].split("/")[0])
        return port

    port = asyncio.run(scenario())
    assert psutil.Process().children(recursive=True) == [], "the HTTP server process was not stopped"
    with pytest.raises(OSError):
        asyncio.run(asyncio.open_connection("127.0.0.1", port))


def test_http_server_says_why_when_the_module_cannot_start():
    async def start_missing_module():
        async with launch.http_server("no_such_server_module"):
            pass

    expected = "exited before it was ready .*No module named no_such_server_module.*`python -m no_such_server_module"
    with pytest.raises(RuntimeError, match=expected):
        asyncio.run(start_missing_module())


def test_http_server_gives_up_after_its_startup_timeout_and_stops_the_process():
    async def start_impatiently():
        async with launch.http_server(LIBRARY, startup_timeout=0):
            pass

    with pytest.raises(TimeoutError, match="did not listen on port .* within 0 s"):
        asyncio.run(start_impatiently())
    assert psutil.Process().children(recursive=True) == []


def test_free_port_can_be_bound_on_loopback():
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", launch.free_port()))


def test_search_drops_filler_words_and_needs_every_remaining_word(library):
    async def check(client):
        by_author = await client.call_tool("search_catalogue", {"query": "books by H. G. Wells"})
        both = await client.call_tool("search_catalogue", {"query": "Wells invisible"})
        none = await client.call_tool("search_catalogue", {"query": "Tolkien"})
        filler = await client.call_tool("search_catalogue", {"query": "the books"})
        return text(by_author), text(both), text(none), filler

    by_author, both, none, filler = run(check, library)
    assert by_author.startswith("Found 3 books: The Time Machine by H. G. Wells (1895, science fiction, id B014)")
    assert both == "Found 1 book: The Invisible Man by H. G. Wells (1897, science fiction, id B015)."
    assert none == "No books in the catalogue match 'Tolkien'."
    assert filler.is_error and "at least one word" in text(filler)


def test_books_are_found_by_id_full_name_or_a_unique_part(library):
    async def check(client):
        names = ["b007", "the time machine", "Baskervilles", "Journey"]
        return [text(await client.call_tool("check_availability", {"book_name": name})) for name in names]

    assert run(check, library) == [
        "Dracula is available: 1 of 2 copies are on the shelf.",
        "The Time Machine is available: 2 of 2 copies are on the shelf.",
        "The Hound of the Baskervilles is available: 1 of 3 copies are on the shelf.",
        "Journey to the Centre of the Earth is out: all 1 copies are on loan.",
    ]


def test_ambiguous_or_unknown_names_are_tool_errors_that_say_what_to_do(library):
    async def check(client):
        ambiguous = await client.call_tool("check_availability", {"book_name": "The"})
        unknown = await client.call_tool("check_availability", {"book_name": "Ulysses"})
        return ambiguous, unknown

    ambiguous, unknown = run(check, library)
    assert ambiguous.is_error and "matches several books" in text(ambiguous)
    assert "give the full title" in text(ambiguous)
    assert unknown.is_error and "search_catalogue finds books" in text(unknown)


def test_reserving_takes_copies_until_none_are_left(library):
    async def check(client):
        results = [await client.call_tool("reserve_copy", {"book_name": "Dracula", "reader_name": reader})
                   for reader in ("Ada", "Grace")]
        shelf = await client.call_tool("check_availability", {"book_name": "Dracula"})
        return results, text(shelf)

    (first, second), shelf = run(check, library)
    assert not first.is_error and second.is_error
    assert "No copy of Dracula is on the shelf" in text(second)
    assert shelf == "Dracula is out: all 2 copies are on loan."


def test_resources_read_the_catalogue_and_unknown_ids_are_not_found(library):
    async def check(client):
        catalogue = json.loads((await client.read_resource("library://catalogue")).contents[0].text)
        with pytest.raises(MCPError, match="No book has the id 'B999'"):
            await client.read_resource("library://books/B999")
        return catalogue

    catalogue = run(check, library)
    assert len(catalogue) == 32 and catalogue[0]["title"] == "Pride and Prejudice"


def test_stats_count_the_requests_the_process_answered(library):
    async def check(client):
        await client.list_tools()
        await client.list_tools(cache_mode="bypass")  # the mcp client may cache lists itself; this one must go out
        await client.call_tool("check_availability", {"book_name": "Emma"})
        return json.loads((await client.read_resource("library://stats")).contents[0].text)

    counts = run(check, library)
    assert counts["tools/list"] == 2 and counts["tools/call"] == 1


# Bad arguments, oversized requests and a crashed server: one clear error each.

@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "The prompt recommend_books needs the argument 'genre': pass it"),
        ({"genre": "gothic", "mood": "dark"}, "The prompt recommend_books has no argument 'mood'"),
        ({"genre": "  "}, "needs a genre, such as 'gothic', not blank text"),
    ],
)
def test_a_prompt_with_missing_or_wrong_arguments_is_an_invalid_params_error(library, arguments, message):
    async def check(client):
        with pytest.raises(MCPError, match=message) as raised:
            await client.get_prompt("recommend_books", arguments)
        with pytest.raises(MCPError, match=r"No prompt is called 'recommend': use one of \['recommend_books'\]"):
            await client.get_prompt("recommend", {"genre": "gothic"})
        return raised.value.error.code

    assert run(check, library) == INVALID_PARAMS


@pytest.mark.parametrize(
    ("tool", "arguments", "message"),
    [
        ("search_catalogue", {}, "The tool search_catalogue needs the argument 'query': pass it"),
        ("search_catalogue", {"query": "gothic", "limit": 3}, "The tool search_catalogue has no argument 'limit'"),
        ("check_availability", {"book_name": None}, "needs 'book_name' as a string, not NoneType"),
        ("reserve_copy", {"book_name": "Emma", "reader_name": 7}, "needs 'reader_name' as a string, not int"),
    ],
)
def test_a_tool_with_missing_or_wrong_arguments_gets_one_sentence(library, tool, arguments, message):
    async def check(client):
        return await client.call_tool(tool, arguments)

    result = run(check, library)
    assert result.is_error and message in text(result) and "\n" not in text(result)


def test_over_http_oversized_arguments_get_a_clear_error_and_the_server_keeps_serving():
    async def scenario():
        async with launch.http_server(LIBRARY) as url, Client(url) as client:
            with pytest.raises(MCPError, match=r"The request is 9\.5 MiB, over this server's 4 MiB limit"):
                await client.call_tool("search_catalogue", {"query": "x" * 10_000_000})
            return text(await client.call_tool("search_catalogue", {"query": "Wells invisible"}))

    assert asyncio.run(scenario()).startswith("Found 1 book: The Invisible Man")


def test_leaving_a_client_after_the_http_server_crashed_is_one_clear_error():
    async def scenario():
        async with launch.http_server(LIBRARY) as url, Client(url) as client:
            await client.list_tools()
            (server,) = psutil.Process().children()
            server.kill()  # not waited for here: http_server's own process.wait() reaps it
            await client.call_tool("search_catalogue", {"query": "gothic"})

    with pytest.raises(RuntimeError, match=r"The MCP server stopped while in use \(exit code -9; its client then "):
        asyncio.run(scenario())
    assert psutil.Process().children(recursive=True) == []
