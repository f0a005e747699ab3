"""Checkers for the exercises in notebooks/09_function_tools.ipynb."""

from __future__ import annotations

import inspect
import json
from typing import Any

from agents import (
    Agent,
    FunctionTool,
    FunctionToolResult,
    ModelSettings,
    RunContextWrapper,
    Runner,
    ToolCallItem,
    ToolCallOutputItem,
    ToolsToFinalOutputResult,
    function_tool,
)

from course_helpers.checks import reference_solution, Hint, checker, listed, offline_run_config

_CURRENCIES = {"EUR", "GBP", "JPY"}
_CONVERT_QUESTION = "Convert 100 US dollars to GBP."
_BOOKING = "Booked a table for 4 at Luigi's."


@function_tool
def book_table(restaurant_name: str, people: int) -> str:
    """Book a table at a restaurant."""
    return f"Booked a table for {people} at {restaurant_name}."


@function_tool
def check_availability(restaurant_name: str) -> str:
    """Check availability at a restaurant tonight."""
    return f"{restaurant_name} has free tables tonight."



@checker("write `convert_currency(amount: float, currency: Literal[...])` with `@function_tool` and a docstring.")
async def check_convert_currency(convert_currency: Any) -> str:
    """Check the tool's schema (types, enum, descriptions from the docstring), then run it on the offline model."""
    if not isinstance(convert_currency, FunctionTool):
        raise Hint("put `@function_tool` on the line above `def convert_currency`, so the SDK turns it into a tool.")
    properties = convert_currency.params_json_schema.get("properties", {})
    if set(properties) != {"amount", "currency"}:
        raise Hint(f"the tool's parameters are {sorted(properties)}; it should take exactly `amount` and `currency`.")
    if properties["amount"].get("type") != "number":
        raise Hint(f"`amount` has JSON type {properties['amount'].get('type')!r}; annotate it `amount: float`.")
    if set(properties["currency"].get("enum", [])) != _CURRENCIES:
        raise Hint("`currency` should only allow 'EUR', 'GBP' and 'JPY': annotate it "
                   "`currency: Literal[\"EUR\", \"GBP\", \"JPY\"]`, which becomes an enum in the schema.")
    if not convert_currency.description:
        raise Hint("add a docstring: its text before `Args:` becomes the tool's description, which the model reads.")
    undocumented = [name for name in ("amount", "currency") if not properties[name].get("description")]
    if undocumented:
        raise Hint(f"the schema has no description for {listed(undocumented)}: add an `Args:` section to the "
                   "docstring with one `name: what it means` line per parameter.")
    # tool_choice forces the call, so the check does not depend on how the docstring is worded.
    agent = Agent(name="Bureau de change", tools=[convert_currency],
                  model_settings=ModelSettings(tool_choice=convert_currency.name))
    result = await Runner.run(agent, _CONVERT_QUESTION, run_config=offline_run_config())
    call = next(item.raw_item for item in result.new_items if isinstance(item, ToolCallItem))
    output = next((str(item.output) for item in result.new_items if isinstance(item, ToolCallOutputItem)), "")
    if "error" in output.lower() or "80" not in output:
        raise Hint(f"asked {_CONVERT_QUESTION!r}, the model sent {call.arguments} and your tool returned "
                   f"{output!r}; it should convert with RATES (100 USD is 80.0 GBP) and say so.")
    return f"the model sent {json.loads(call.arguments)} and your tool said: {output}"


@checker("write `stop_after_booking(context, results)` so it returns a `ToolsToFinalOutputResult`.")
async def check_stop_after_booking(stop_after_booking: Any) -> str:
    """Check a custom tool_use_behavior: stop with book_table's output, let the model go on after other tools."""
    if not callable(stop_after_booking):
        raise Hint("`stop_after_booking` should be a function: `def stop_after_booking(context, results):`.")
    booked = [FunctionToolResult(tool=book_table, output=_BOOKING, run_item=None)]
    decision = stop_after_booking(RunContextWrapper(context=None), booked)
    if inspect.isawaitable(decision):
        decision = await decision
    if not isinstance(decision, ToolsToFinalOutputResult):
        raise Hint(f"it returned {type(decision).__name__}; return "
                   "`ToolsToFinalOutputResult(is_final_output=..., final_output=...)`.")

    agent = Agent(name="Host", tools=[book_table, check_availability], tool_use_behavior=stop_after_booking)
    booking = await Runner.run(agent, "Book a table for 4 at Luigi's.", run_config=offline_run_config())
    if booking.final_output != _BOOKING or len(booking.raw_responses) != 1:
        raise Hint(f"after book_table ran, the final output was {booking.final_output!r} after "
                   f"{len(booking.raw_responses)} model calls; stop at once with "
                   "`is_final_output=True, final_output=result.output` for the book_table result.")
    checking = await Runner.run(agent, "Is there availability at Luigi's tonight?", run_config=offline_run_config())
    if len(checking.raw_responses) != 2:
        raise Hint("after check_availability the run stopped too: return `ToolsToFinalOutputResult("
                   "is_final_output=False)` unless a result's `tool.name` is 'book_table'.")
    return "the run ends with book_table's output, and the model still answers after check_availability."


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.
from typing import Literal

RATES = {"EUR": 0.9, "GBP": 0.8, "JPY": 150.0}  # as the exercise cell defines them


@reference_solution(check_convert_currency)
def _convert_currency():
    """`Literal["EUR", "GBP", "JPY"]` becomes an `enum` in the schema, so the model can send only those three; the
    docstring's first line describes the tool and its `Args:` section describes each parameter."""

    @function_tool
    def convert_currency(amount: float, currency: Literal["EUR", "GBP", "JPY"]) -> str:
        """Convert an amount of US dollars to another currency.

        Args:
            amount: How many US dollars to convert.
            currency: The currency to convert to.
        """
        return f"{amount} USD is {amount * RATES[currency]} {currency}."

    return convert_currency


@reference_solution(check_stop_after_booking)
def _stop_after_booking():
    """The runner passes the tool results of this turn; each has `.tool.name` and `.output`. Return
    `ToolsToFinalOutputResult(is_final_output=True, final_output=...)` to end the run, or `is_final_output=False`
    to let the model see the output and answer."""

    def stop_after_booking(context, results):
        for result in results:
            if result.tool.name == "book_table":
                return ToolsToFinalOutputResult(is_final_output=True, final_output=result.output)
        return ToolsToFinalOutputResult(is_final_output=False)

    return stop_after_booking
