"""Ada's calendar as an MCP server: check a weekday and book a one-hour slot, over stdio or HTTP.

Run it with `python -m course_helpers.mcp_servers.calendar` (stdio) or add `--http PORT` to serve streamable HTTP
at http://127.0.0.1:PORT/mcp. The week is notebook 20's, kept in this process: every client of one server process
sees the same bookings, and a new process starts from the same week again.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from course_helpers.mcp_servers.serving import serve

WEEK = {"Monday": ["09:00-12:00 stock count"], "Tuesday": [], "Wednesday": ["10:00-11:00 call with Marco"],
        "Thursday": ["09:00-13:00 shop shift"], "Friday": ["15:00-16:00 staff meeting"]}
OPEN_HOURS = range(8, 18)  # a slot starts at 08:00 at the earliest and at 17:00 at the latest

_booked: dict[str, list[str]] = {day: list(slots) for day, slots in WEEK.items()}
calendar = MCPServer("Ada's calendar", instructions="Check and book slots in Ada's calendar for this week.",
                     log_level="WARNING")  # stdout carries the protocol over stdio; keep stderr quiet too

_DAY = Field(description="A weekday of this week: Monday to Friday.")


def _weekday(day: str) -> str:
    name = day.strip().capitalize()
    if name not in _booked:
        raise ToolError(f"{day!r} is not a weekday of this week: ask for Monday, Tuesday, Wednesday, Thursday or "
                        "Friday.")
    return name


def _overlaps(slot: str, hour: int) -> bool:
    start, end = (int(part[:2]) for part in slot.split()[0].split("-"))
    return start <= hour < end


@calendar.tool()
def check_calendar(day: Annotated[str, _DAY]) -> str:
    """Show what is booked in Ada's calendar on a weekday of this week."""
    name = _weekday(day)
    return f"{name}: {'; '.join(sorted(_booked[name])) or 'nothing booked'}."


@calendar.tool()
def book_slot(day: Annotated[str, _DAY],
              hour: Annotated[int, Field(description="The hour the meeting starts, 8 to 17 (24-hour clock).")],
              person: Annotated[str, Field(min_length=1, description="Who Ada meets.")]) -> str:
    """Book a one-hour slot in Ada's calendar with someone; refused if the hour is already taken."""
    name = _weekday(day)
    if hour not in OPEN_HOURS:
        raise ToolError(f"{hour} is outside Ada's hours: give an hour from {OPEN_HOURS[0]} to {OPEN_HOURS[-1]}.")
    taken = [slot for slot in _booked[name] if _overlaps(slot, hour)]
    if taken:
        raise ToolError(f"{name} {hour:02d}:00 is taken ({taken[0]}): check the calendar and pick a free hour.")
    slot = f"{hour:02d}:00-{hour + 1:02d}:00 with {person.strip()}"
    _booked[name].append(slot)
    return f"Booked {name} {slot}."


def main(argv: list[str] | None = None) -> None:
    """Serve the calendar over stdio, or over streamable HTTP on 127.0.0.1 with --http PORT."""
    serve(calendar, "course_helpers.mcp_servers.calendar", __doc__, "send a day and an hour, not a document", argv)


if __name__ == "__main__":
    main()
