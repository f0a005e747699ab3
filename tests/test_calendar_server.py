"""The calendar MCP server: its two tools over stdio and HTTP, refusals in one sentence, bookings kept per process."""

import asyncio
import importlib
import sys

import pytest
from mcp import Client, MCPError

from course_helpers.mcp_servers import calendar as calendar_module
from course_helpers.mcp_servers import launch

CALENDAR = "course_helpers.mcp_servers.calendar"


@pytest.fixture
def calendar():
    """A fresh server object (the week as notebook 20 had it), for in-process clients."""
    return importlib.reload(calendar_module).calendar


def run(check, server):
    async def connected():
        async with Client(server) as client:
            return await check(client)

    return asyncio.run(connected())


def text(result) -> str:
    return result.content[0].text


def test_it_lists_both_tools_checks_a_day_and_books_a_free_hour(calendar):
    async def check(client):
        assert [tool.name for tool in (await client.list_tools()).tools] == ["check_calendar", "book_slot"]
        assert text(await client.call_tool("check_calendar", {"day": "thursday "})) == \
            "Thursday: 09:00-13:00 shop shift."
        booked = await client.call_tool("book_slot", {"day": "Thursday", "hour": 14, "person": "Lena"})
        assert not booked.is_error and text(booked) == "Booked Thursday 14:00-15:00 with Lena."
        return text(await client.call_tool("check_calendar", {"day": "Thursday"}))

    assert "14:00-15:00 with Lena" in run(check, calendar)


def test_bad_days_hours_and_double_bookings_get_one_sentence_and_change_nothing(calendar):
    async def check(client):
        refusals = [await client.call_tool("check_calendar", {"day": "Saturday"}),
                    await client.call_tool("book_slot", {"day": "Monday", "hour": 10, "person": "Marco"}),
                    await client.call_tool("book_slot", {"day": "Tuesday", "hour": 22, "person": "Marco"}),
                    await client.call_tool("book_slot", {"day": "Tuesday", "hour": 9, "person": ""})]
        assert all(result.is_error for result in refusals)
        assert "not a weekday" in text(refusals[0]) and "Monday" in text(refusals[0])
        assert "is taken (09:00-12:00 stock count)" in text(refusals[1])
        assert "outside Ada's hours" in text(refusals[2])
        assert "person" in text(refusals[3])
        return [text(await client.call_tool("check_calendar", {"day": day})) for day in ("Monday", "Tuesday")]

    assert run(check, calendar) == ["Monday: 09:00-12:00 stock count.", "Tuesday: nothing booked."]


def test_over_http_two_clients_share_one_process_bookings():
    async def scenario():
        async with launch.http_server(CALENDAR) as url:
            async with Client(url) as first:
                await first.call_tool("book_slot", {"day": "Tuesday", "hour": 11, "person": "Priya"})
            async with Client(url) as second:
                return text(await second.call_tool("check_calendar", {"day": "Tuesday"}))

    assert asyncio.run(scenario()) == "Tuesday: 11:00-12:00 with Priya."


def test_over_http_an_oversized_request_gets_one_sentence_and_the_server_keeps_serving():
    async def scenario():
        async with launch.http_server(CALENDAR) as url, Client(url) as client:
            with pytest.raises(MCPError, match=r"over this server's 4 MiB limit: send a day and an hour"):
                await client.call_tool("check_calendar", {"day": "x" * 5_000_000})
            return text(await client.call_tool("check_calendar", {"day": "Tuesday"}))

    assert "Tuesday" in asyncio.run(scenario())


def test_over_stdio_an_sdk_agent_server_lists_the_tools():
    async def scenario():
        async with launch.NotebookMCPServerStdio(
                params={"command": sys.executable, "args": ["-m", CALENDAR]}, name="calendar") as server:
            return [tool.name for tool in await server.list_tools()]

    assert asyncio.run(scenario()) == ["check_calendar", "book_slot"]
