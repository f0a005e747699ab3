"""Checker for the exercise in notebooks/00_start_here.ipynb."""

from __future__ import annotations

from typing import Any

from agents import Agent, FunctionTool, Runner, ToolCallItem, ToolCallOutputItem, function_tool

from course_helpers.checks import reference_solution, Hint, checker, offline_run_config

QUESTION = "What time is it in Tokyo?"


@function_tool(name_override="get_weather")
def _get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"The weather in {city} is sunny and 21°C."


@checker("write `get_time(city: str) -> str` with a one-line docstring, and put `@function_tool` above it.")
async def check_time_tool(get_time: Any) -> str:
    """Check a `get_time` tool, then check that the offline course model picks it for a time question."""
    if not isinstance(get_time, FunctionTool):
        raise Hint("put `@function_tool` on the line above `def get_time`, so the SDK turns it into a tool.")
    if get_time.name != "get_time":
        raise Hint(f"the tool is called {get_time.name!r}; name the function `get_time`.")
    if "city" not in get_time.params_json_schema.get("properties", {}):
        raise Hint("give `get_time` a parameter `city: str`, so the model can say which city.")
    if not get_time.description:
        raise Hint("add a one-line docstring: it becomes the tool's description, which the model reads.")
    agent = Agent(name="Clock", instructions="Answer using your tools.", tools=[_get_weather, get_time])
    result = await Runner.run(agent, QUESTION, run_config=offline_run_config())
    called = [item.raw_item.name for item in result.new_items if isinstance(item, ToolCallItem)]
    if called != ["get_time"]:
        raise Hint(f"asked {QUESTION!r}, the offline model called {called or 'no tool'}: "
                   "say 'time' in the docstring, e.g. 'Get the current time in a city.'")
    output = next(item.output for item in result.new_items if isinstance(item, ToolCallOutputItem))
    if "Tokyo" not in str(output):
        raise Hint(f"the tool returned {output!r}; return a sentence that includes the city, like "
                   "f\"It is 09:00 in {city}.\"")
    return f"the offline model chose get_time for {QUESTION!r} and your tool said: {output}"


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.


@reference_solution(check_time_tool)
def _get_time():
    """The SDK makes a tool from a plain function: `@function_tool` above `def`, type hints on the parameter and the
    return value, and a docstring, which becomes the description the model reads when it picks a tool."""

    @function_tool
    def get_time(city: str) -> str:
        """Get the current time in a city."""
        return f"It is 09:00 in {city}."  # made up: the lesson is the tool, not a clock

    return get_time
