"""The Riverside Library as an MCP server: search the catalogue, check and reserve copies, over stdio or HTTP.

Run it with `python -m course_helpers.mcp_servers.library` (stdio: an MCP client starts it and talks over its
stdin and stdout) or add `--http PORT` to serve streamable HTTP at http://127.0.0.1:PORT/mcp.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Annotated, Any

from mcp import MCPError
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from mcp.types import CallToolResult, TextContent
from mcp.types.jsonrpc import INVALID_PARAMS
from pydantic import Field

from course_helpers.mcp_servers.serving import serve
from course_helpers.paths import data_dir

# Words that say nothing about which book is meant ("books by Mary Shelley" searches for "mary shelley").
_FILLER = {"a", "an", "the", "by", "of", "in", "on", "about", "for", "and", "book", "books", "novel", "novels"}

# The catalogue, loaded once per server process; reservations change `available` until the process ends.
_BOOKS: dict[str, dict[str, Any]] = {
    book["id"]: book for book in json.loads((data_dir() / "library_books.json").read_text("utf-8"))["books"]
}
_requests_seen: Counter[str] = Counter()
_BOOK_NAME = f"Its name, or a part of the name only one book has, or its id (B001 to B{len(_BOOKS):03d})."


async def _count_requests(ctx, call_next):
    """Middleware: count every request this process answers, by method (see the library://stats resource)."""
    if ctx.request_id is not None:  # notifications have no id and get no answer
        _requests_seen[ctx.method] += 1
    return await call_next(ctx)


library = MCPServer(
    "Riverside Library",
    instructions="Look up books in the Riverside Library's catalogue, check which are on the shelf, reserve them.",
    log_level="WARNING",  # stdout carries the protocol; keep stderr quiet too
    middleware=[_count_requests],
)


@library.tool()
def search_catalogue(query: str) -> str:
    """Search the library catalogue: books whose title, author or genre contains every word of the query."""
    words = [word for word in _words(query) if word not in _FILLER]
    if not words:
        raise ToolError("Give at least one word to search for, such as an author ('Austen') or a genre ('gothic').")
    found = [book for book in _BOOKS.values() if all(word in _words(_searchable(book)) for word in words)]
    if not found:
        return f"No books in the catalogue match {query!r}."
    listed = "; ".join(f"{b['title']} by {b['author']} ({b['year']}, {b['genre']}, id {b['id']})" for b in found)
    return f"Found {len(found)} book{'s' if len(found) != 1 else ''}: {listed}."


@library.tool()
def check_availability(
    book_name: Annotated[str, Field(description=_BOOK_NAME)],
) -> str:
    """Check whether a book is on the shelf to borrow, and how many copies are free."""
    book = _find(book_name)
    if book["available"] == 0:
        return f"{book['title']} is out: all {book['copies']} copies are on loan."
    return f"{book['title']} is available: {book['available']} of {book['copies']} copies are on the shelf."


@library.tool()
def reserve_copy(
    book_name: Annotated[str, Field(description=_BOOK_NAME)],
    reader_name: Annotated[str, Field(min_length=1, description="The full name of the reader who will collect it.")],
) -> str:
    """Reserve a copy of a book for a reader, who collects it from the front desk."""
    book = _find(book_name)
    if book["available"] == 0:
        raise ToolError(f"No copy of {book['title']} is on the shelf (all {book['copies']} are on loan); try later.")
    book["available"] -= 1
    return f"Reserved {book['title']} for {reader_name}: collect it from the front desk within 3 days."


@library.resource("library://catalogue", mime_type="application/json")
def catalogue() -> str:
    """Every book in the catalogue, with its copies and how many are on the shelf now."""
    return json.dumps(list(_BOOKS.values()), ensure_ascii=False)


@library.resource("library://books/{book_id}", mime_type="application/json")
def book_record(book_id: str) -> str:
    """One book's record, by its id, such as B007."""
    if book_id not in _BOOKS:
        raise ResourceNotFoundError(f"No book has the id {book_id!r}; ids run from B001 to B{len(_BOOKS):03d}.")
    return json.dumps(_BOOKS[book_id], ensure_ascii=False)


@library.resource("library://stats", mime_type="application/json")
def stats() -> str:
    """How many requests of each kind this server process has answered so far."""
    return json.dumps(dict(sorted(_requests_seen.items())))


@library.prompt()
def recommend_books(genre: str) -> str:
    """Ask for three books in one genre that are on the shelf now."""
    if not genre.strip():
        raise MCPError(INVALID_PARAMS, "The prompt recommend_books needs a genre, such as 'gothic', not blank text.")
    return (
        f"Recommend three {genre} books from the Riverside Library. Find them with search_catalogue, "
        "then use check_availability and suggest only books that are on the shelf."
    )


def _words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.casefold())


def _searchable(book: dict[str, Any]) -> str:
    return f"{book['title']} {book['author']} {book['genre']}"


def _find(book_name: str) -> dict[str, Any]:
    """The one book with this id or title (or a title containing it); a ToolError says what to do otherwise."""
    if book_name.strip().upper() in _BOOKS:
        return _BOOKS[book_name.strip().upper()]
    wanted = " ".join(_words(book_name))
    titles = {book_id: " ".join(_words(book["title"])) for book_id, book in _BOOKS.items()}
    matches = [book_id for book_id, title in titles.items() if title == wanted] or [
        book_id for book_id, title in titles.items() if wanted and f" {wanted} " in f" {title} "
    ]
    if len(matches) == 1:
        return _BOOKS[matches[0]]
    if matches:
        listed = ", ".join(_BOOKS[book_id]["title"] for book_id in matches)
        raise ToolError(f"{book_name!r} matches several books ({listed}); give the full title.")
    raise ToolError(
        f"No book called {book_name!r} is in the catalogue; search_catalogue finds books by author or genre."
    )


async def _check_arguments(ctx, call_next):
    """Middleware: a prompt or tool called with missing, unknown or wrongly typed arguments gets one sentence.

    The SDK would answer a prompt's missing argument with "Internal server error" (and log a traceback), and a
    tool's with pydantic's multi-line report; this names the argument and what to send instead.
    """
    params = ctx.params if isinstance(ctx.params, dict) else {}
    arguments = params.get("arguments") or {}
    if ctx.method == "prompts/get" and isinstance(arguments, dict):
        prompts = {prompt.name: prompt for prompt in await library.list_prompts()}
        if params.get("name") not in prompts:
            raise MCPError(INVALID_PARAMS, f"No prompt is called {params.get('name')!r}: use one of {sorted(prompts)}.")
        prompt = prompts[params["name"]]
        expected = {argument.name: argument for argument in prompt.arguments or []}
        problem = _argument_problem(prompt.name, "prompt", arguments, expected, required=[
            name for name, argument in expected.items() if argument.required])
        if problem:
            raise MCPError(INVALID_PARAMS, problem)
    elif ctx.method == "tools/call" and isinstance(arguments, dict):
        tools = {tool.name: tool for tool in await library.list_tools()}
        tool = tools.get(params.get("name"))
        if tool is not None:  # an unknown tool gets the SDK's own "Unknown tool" error
            schema = tool.input_schema
            problem = _argument_problem(tool.name, "tool", arguments, schema.get("properties", {}),
                                        required=schema.get("required", []))
            if problem:
                return CallToolResult(content=[TextContent(type="text", text=problem)], is_error=True)
    return await call_next(ctx)


def _argument_problem(name: str, kind: str, arguments: dict, expected: dict, required: list[str]) -> str | None:
    """One sentence about the first missing, unknown or non-string argument, or None if they look right."""
    missing = [argument for argument in required if argument not in arguments]
    if missing:
        return f"The {kind} {name} needs the argument {missing[0]!r}: pass it (its arguments are {list(expected)})."
    unknown = [argument for argument in arguments if argument not in expected]
    if unknown:
        return f"The {kind} {name} has no argument {unknown[0]!r}: its arguments are {list(expected)}."
    not_text = [argument for argument, value in arguments.items() if not isinstance(value, str)]
    if not_text:  # every argument of this server's tools and prompts is a string
        value = arguments[not_text[0]]
        return f"The {kind} {name} needs {not_text[0]!r} as a string, not {type(value).__name__}: pass text."
    return None


library.middleware.append(_check_arguments)  # after _count_requests, so refused calls are counted too


def main(argv: list[str] | None = None) -> None:
    """Serve the library over stdio, or over streamable HTTP on 127.0.0.1 with --http PORT."""
    serve(library, "course_helpers.mcp_servers.library", __doc__,
          "send shorter arguments, such as a book's name or a few search words", argv)


if __name__ == "__main__":
    main()
