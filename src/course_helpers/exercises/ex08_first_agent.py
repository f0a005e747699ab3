"""Checkers for the exercises in notebooks/08_first_agent.ipynb."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from agents import Agent, FunctionTool, ModelSettings, RunContextWrapper, Runner, ToolCallItem, function_tool

from course_helpers.checks import reference_solution, Hint, checker, offline_run_config

_TWO_TOOLS_QUESTION = "What is the weather in Tokyo and the time in Paris?"


@dataclass
class _User:
    name: str
    city: str
    loyalty_points: int


_USERS = (_User("Ada", "London", 120), _User("Grace", "New York", 80))


@function_tool(name_override="get_weather")
def _get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"The weather in {city} is sunny."


@function_tool(name_override="get_time")
def _get_time(city: str) -> str:
    """Get the local time in a city."""
    return f"It is 09:00 in {city}."



@checker("write `tools_called(result)` so it returns the names of the tools the run called, in order.")
async def check_tools_called(tools_called: Any) -> str:
    """Check a function that lists the tool names in a RunResult, on a run with two calls and one with none."""
    agent = Agent(name="Travel desk", tools=[_get_weather, _get_time])
    result = await Runner.run(agent, _TWO_TOOLS_QUESTION, run_config=offline_run_config())
    try:
        names = tools_called(result)
    except AttributeError as error:
        raise Hint(
            f"your code raised AttributeError ({error}). `new_items` also holds tool outputs and messages: "
            "keep only `ToolCallItem`s (`isinstance(item, ToolCallItem)`) and read `item.raw_item.name`."
        ) from None
    if names is None:
        raise Hint("`tools_called` returned None: end it with `return` and the list of names.")
    if not isinstance(names, list):
        raise Hint(f"return a list (the order matters), not a {type(names).__name__}.")
    expected = ["get_weather", "get_time"]
    if any(name.endswith("Item") for name in map(str, names)):
        raise Hint(f"you returned item types {names}; return each tool call's name: `item.raw_item.name`.")
    if names != expected:
        raise Hint(f"for {_TWO_TOOLS_QUESTION!r} the run called {expected}, but you returned {names}.")
    quiet = await Runner.run(agent, "Hello!", run_config=offline_run_config())
    if (quiet_names := tools_called(quiet)) != []:
        raise Hint(f"a run that called no tool should give [], but you returned {quiet_names!r}.")
    return f"tools_called found {expected} in a real run, and [] in a run without tools."


@checker("write `get_home_city(wrapper: RunContextWrapper[UserInfo]) -> str` with `@function_tool` and a docstring.")
async def check_home_city_tool(get_home_city: Any) -> str:
    """Check a tool that reads the user's city from the run context, for two different users."""
    if not isinstance(get_home_city, FunctionTool):
        raise Hint("put `@function_tool` on the line above `def get_home_city`, so the SDK turns it into a tool.")
    asked = list(get_home_city.params_json_schema.get("properties", {}))
    if asked:
        raise Hint(
            f"the model would have to supply {asked}. The city comes from the context instead: take only "
            "`wrapper: RunContextWrapper[UserInfo]` and return `wrapper.context.city`."
        )
    if not get_home_city.description:
        raise Hint("add a one-line docstring: it becomes the tool's description, which the model reads.")
    # tool_choice forces the call, whatever the tool is named.
    agent = Agent(name="Concierge", tools=[get_home_city],
                  model_settings=ModelSettings(tool_choice=get_home_city.name))
    for user in _USERS:
        result = await Runner.run(agent, "Where do I live?", context=user, run_config=offline_run_config())
        outputs = [str(item.output) for item in result.new_items if item.type == "tool_call_output_item"]
        if not outputs or user.city not in outputs[0]:
            said = outputs[0] if outputs else "nothing"
            raise Hint(f"for a user living in {user.city}, the tool said {said!r}: "
                       "return `wrapper.context.city` (or a sentence containing it).")
    return "the tool takes no arguments from the model and reads each user's city from the context."


@checker("write `loyalty_instructions_for(wrapper, agent)` so it returns instructions naming the user and "
         "their points.")
async def check_loyalty_instructions(loyalty_instructions: Any) -> str:
    """Check dynamic instructions built from the context, the way the runner calls them."""
    if not callable(loyalty_instructions):
        raise Hint("`loyalty_instructions_for` should be a function: `def loyalty_instructions_for(wrapper, agent):`.")
    parameters = list(inspect.signature(loyalty_instructions).parameters)
    if len(parameters) != 2:
        raise Hint(f"it takes {parameters}; the SDK calls instructions with exactly two arguments: "
                   "`(wrapper, agent)`.")
    agent = Agent(name="Loyalty desk", instructions=loyalty_instructions)
    for user in _USERS:
        text = await agent.get_system_prompt(RunContextWrapper(context=user))
        if not isinstance(text, str):
            raise Hint(f"it returned {type(text).__name__}; return the instructions as a string.")
        missing = [str(value) for value in (user.name, user.loyalty_points) if str(value) not in text]
        if missing:
            raise Hint(f"for {user.name} with {user.loyalty_points} points you returned {text!r}, which lacks "
                       f"{' and '.join(missing)}: read them from `wrapper.context`.")
    return "the instructions name each user and their points, read from the context on every turn."


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.
@dataclass
class UserInfo:  # as the notebook defines it above the exercises
    name: str
    city: str
    loyalty_points: int


@reference_solution(check_tools_called)
def _tools_called():
    """`result.new_items` lists what the run produced, in order; the tool calls are the `ToolCallItem`s, and each
    one's `raw_item.name` is the tool's name."""

    def tools_called(result):
        return [item.raw_item.name for item in result.new_items if isinstance(item, ToolCallItem)]

    return tools_called


@reference_solution(check_home_city_tool)
def _home_city_tool():
    """A tool whose first parameter is a `RunContextWrapper` gets the run's context from the runner, not from the
    model: the model sees a tool with no parameters. Read the city from `wrapper.context.city`."""

    @function_tool
    def get_home_city(wrapper: RunContextWrapper[UserInfo]) -> str:
        """Look up the signed-in user's home city."""
        return f"{wrapper.context.name} lives in {wrapper.context.city}."

    return get_home_city


@reference_solution(check_loyalty_instructions)
def _loyalty_instructions():
    """Instructions can be a function `(wrapper, agent) -> str`, called before every model call; the user is
    `wrapper.context`, so the same agent gets different instructions for different users."""

    def loyalty_instructions_for(wrapper, agent):
        user = wrapper.context
        return f"You help {user.name}, who has {user.loyalty_points} loyalty points."

    return loyalty_instructions_for
