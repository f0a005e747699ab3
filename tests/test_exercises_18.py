"""The checkers of notebook 18 accept right answers and give specific hints for blank or wrong ones."""

import asyncio

from mcp.server.mcpserver import MCPServer

from course_helpers.exercises.ex18_mcp import check_front_desk_filter, check_reading_list


def run_check(check, answer):
    return asyncio.run(check(answer))


front_desk_only = check_front_desk_filter.reference()  # the reference solution, from the package


async def async_front_desk_only(context, tool) -> bool:
    return front_desk_only(context, tool)


def test_filter_checker_accepts_a_sync_or_async_filter(capsys):
    assert run_check(check_front_desk_filter, front_desk_only)
    assert run_check(check_front_desk_filter, async_front_desk_only)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith("✅ every agent can look books up") for line in lines)


def test_filter_checker_blank(capsys):
    def blank(context, tool) -> bool:
        ...

    assert not run_check(check_front_desk_filter, blank)
    assert not run_check(check_front_desk_filter, ...)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert all(line.startswith("✏️ Not attempted yet — write `front_desk_only") for line in lines)


def test_filter_checker_explains_typical_mistakes(capsys):
    def forgets_to_return(context, tool):
        tool.name != "reserve_copy"  # noqa: B015 - the mistake under test

    def compares_the_tool_object(context, tool):
        return tool != "reserve_copy" or context.agent.name == "Front desk"

    def hides_it_from_everyone(context, tool):
        return tool.name != "reserve_copy"

    def shows_front_desk_only_reservations(context, tool):
        return context.agent.name == "Front desk"

    expected = {
        forgets_to_return: "your filter returned None",
        compares_the_tool_object: "`tool` is an MCP Tool object",
        hides_it_from_everyone: "compare `context.agent.name` with 'Front desk'",
        shows_front_desk_only_reservations: "should stay visible to every agent",
    }
    for answer, hint in expected.items():
        assert not run_check(check_front_desk_filter, answer)
        out = capsys.readouterr().out
        assert out.startswith("🤔 Not quite") and hint in out, (answer.__name__, out)


def make_reading_list(*, tool_name="add_book", uri="reading-list://books", docstring=True):
    server = MCPServer("Reading list", log_level="WARNING")
    books: list[str] = []

    def add_book(book_name: str) -> str:
        books.append(book_name)
        return f"Added {book_name}."

    if docstring:
        add_book.__doc__ = "Add a book to the reading list."
    server.tool(name=tool_name)(add_book)

    @server.resource(uri)
    def reading_list() -> str:
        return "\n".join(books)

    return server


def test_reading_list_checker_accepts_a_working_server(capsys):
    assert run_check(check_reading_list, make_reading_list())
    assert capsys.readouterr().out.startswith("✅ add_book adds to the list")


def test_reading_list_checker_blank(capsys):
    assert not run_check(check_reading_list, ...)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — make `reading_list = MCPServer(...)`")


def test_reading_list_checker_explains_typical_mistakes(capsys):
    empty_resource = MCPServer("Reading list", log_level="WARNING")

    @empty_resource.tool()
    def add_book(book_name: str) -> str:
        """Add a book to the reading list."""
        return "Added."

    @empty_resource.resource("reading-list://books")
    def books() -> str:
        return ""

    expected = [
        ({"answer": "reading list"}, "should be an MCPServer, not a dict"),
        (make_reading_list(tool_name="add"), "add one named add_book"),
        (make_reading_list(docstring=False), "give the function a docstring"),
        (make_reading_list(uri="books://all"), "add one with @reading_list.resource('reading-list://books')"),
        (empty_resource, "it should list every book added"),
    ]
    for answer, hint in expected:
        assert not run_check(check_reading_list, answer)
        out = capsys.readouterr().out
        assert out.startswith("🤔 Not quite") and hint in out, out


def test_reading_list_checker_reports_a_resource_that_crashes(capsys):
    server = MCPServer("Reading list", log_level="CRITICAL")  # the crash below is the point; keep its log quiet

    @server.tool()
    def add_book(book_name: str) -> str:
        """Add a book to the reading list."""
        return "Added."

    @server.resource("reading-list://books")
    def books() -> str:
        raise KeyError("books")

    assert not run_check(check_reading_list, server)
    out = capsys.readouterr().out
    assert out.startswith("🤔 Not quite — reading reading-list://books failed")
