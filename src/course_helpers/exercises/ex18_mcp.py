"""Checkers for the exercises in notebooks/18_mcp.ipynb."""

from __future__ import annotations

import inspect
from typing import Any

from agents import Agent, RunContextWrapper
from agents.mcp import ToolFilterContext

from course_helpers.checks import reference_solution, Hint, checker

__all__ = ["check_front_desk_filter", "check_reading_list"]

_LOOKUPS = ("search_catalogue", "check_availability")
_WRITES = ("reserve_copy",)


async def _library_tools() -> list[Any]:
    """The library server's real tool definitions, as a client receives them from `tools/list`."""
    from course_helpers.mcp_servers.library import library  # imported late: it loads the catalogue

    return await library.list_tools()


async def _visible(tool_filter: Any, agent_name: str) -> list[str]:
    """The tools `tool_filter` lets an agent called `agent_name` see, applied as the SDK applies it."""
    context = ToolFilterContext(run_context=RunContextWrapper(None), agent=Agent(name=agent_name),
                                server_name="Riverside Library")
    shown = []
    for tool in await _library_tools():
        keep = tool_filter(context, tool)
        if inspect.isawaitable(keep):
            keep = await keep
        if not isinstance(keep, bool):
            raise Hint(
                f"for {tool.name!r} your filter returned {keep!r}; return True to show the tool and False to hide it."
            )
        if keep:
            shown.append(tool.name)
    return shown


@checker("write `front_desk_only(context, tool)` so only the 'Front desk' agent sees reserve_copy.")
async def check_front_desk_filter(front_desk_only: Any) -> str:
    """Check a dynamic tool filter: look-ups for every agent, reserve_copy only for the agent named 'Front desk'."""
    if not callable(front_desk_only):
        kind = type(front_desk_only).__name__
        raise Hint(f"`front_desk_only` should be a function (context, tool) -> bool, not a {kind}.")
    front_desk = await _visible(front_desk_only, "Front desk")
    librarian = await _visible(front_desk_only, "Librarian")
    missing = [name for name in _LOOKUPS if name not in front_desk or name not in librarian]
    if missing:
        raise Hint(f"{missing} should stay visible to every agent; hide only reserve_copy, and only from other agents.")
    if "reserve_copy" not in front_desk:
        raise Hint("the Front desk agent cannot see reserve_copy; compare `context.agent.name` with 'Front desk'.")
    if "reserve_copy" in librarian:
        raise Hint(
            "an agent named 'Librarian' can still see reserve_copy. `tool` is an MCP Tool object: hide it when "
            "`tool.name == 'reserve_copy'` and `context.agent.name != 'Front desk'`."
        )
    return "every agent can look books up, and only the Front desk agent can reserve a copy."


async def _explore(reading_list: Any) -> dict[str, Any]:
    """What an MCP client sees of the server: its tools, what add_book answers, its resources and the list's text."""
    from mcp import Client, MCPError

    seen: dict[str, Any] = {"errors": [], "text": None}
    async with Client(reading_list) as client:  # in-process: the same protocol, no subprocess
        seen["tools"] = {tool.name: tool for tool in (await client.list_tools()).tools}
        if "add_book" in seen["tools"]:
            for book_name in ("Dracula", "Emma"):
                result = await client.call_tool("add_book", {"book_name": book_name})
                if result.is_error:
                    seen["errors"].append(f"add_book({book_name!r}) failed: {result.content[0].text}")
        seen["uris"] = [str(resource.uri) for resource in (await client.list_resources()).resources]
        if "reading-list://books" in seen["uris"]:
            try:
                contents = (await client.read_resource("reading-list://books")).contents
            except MCPError as error:
                seen["errors"].append(f"reading reading-list://books failed: {error}")
            else:
                seen["text"] = " ".join(getattr(part, "text", "") for part in contents)
    return seen


@checker("make `reading_list = MCPServer(...)` with an `add_book` tool and a `reading-list://books` resource.")
async def check_reading_list(reading_list: Any) -> str:
    """Check an MCP server, connected in-process: add_book(book_name) adds to a list that a resource shows."""
    from mcp.server.mcpserver import MCPServer

    if not isinstance(reading_list, MCPServer):
        raise Hint(f"`reading_list` should be an MCPServer, not a {type(reading_list).__name__}.")
    seen = await _explore(reading_list)
    tool = seen["tools"].get("add_book")
    if tool is None:
        names = sorted(seen["tools"])
        raise Hint(f"the server has the tools {names}; add one named add_book with @reading_list.tool().")
    if tool.input_schema.get("properties", {}).get("book_name", {}).get("type") != "string":
        raise Hint("add_book should take one parameter, `book_name: str`.")
    if not tool.description:
        raise Hint("add_book has no description; give the function a docstring saying what it does.")
    if seen["errors"]:
        raise Hint(seen["errors"][0])
    if seen["text"] is None:
        raise Hint(f"the resources are {seen['uris']}; add one with @reading_list.resource('reading-list://books').")
    if "Dracula" not in seen["text"] or "Emma" not in seen["text"]:
        raise Hint(
            f"after adding Dracula and Emma the resource reads {seen['text']!r}; it should list every book added."
        )
    return "add_book adds to the list, and reading-list://books shows it, over a real MCP connection."


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.


@reference_solution(check_front_desk_filter)
def _front_desk_filter():
    """A tool filter returns `True` to show a tool. Show every tool except `reserve_copy`, and show that one only when
    `context.agent.name == "Front desk"`."""

    def front_desk_only(context, tool) -> bool:
        return tool.name != "reserve_copy" or context.agent.name == "Front desk"

    return front_desk_only


@reference_solution(check_reading_list)
def _reading_list():
    """Decorate plain functions on the server: `@reading_list.tool()` for `add_book` (the docstring becomes the
    tool's description) and `@reading_list.resource("reading-list://books")` for a function returning the text.
    Keep the books in a list defined next to them."""

    from mcp.server.mcpserver import MCPServer

    reading_list = MCPServer("Reading list", log_level="WARNING")
    books: list[str] = []

    @reading_list.tool()
    def add_book(book_name: str) -> str:
        """Add a book to the reading list."""
        books.append(book_name)
        return f"Added {book_name}."

    @reading_list.resource("reading-list://books")
    def list_books() -> str:
        return "\n".join(books)

    return reading_list
