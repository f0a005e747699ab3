"""Checkers for the exercises in notebooks/01_dataclasses.ipynb."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from agents import Agent

from course_helpers.checks import reference_solution, Hint, checker

# Words that name the language, and common Spanish words English instructions never use.
_NAMES_SPANISH = {"spanish", "español", "espanol", "castellano"}
_SPANISH_WORDS = {"responde", "contesta", "responder", "contestar", "siempre", "preguntas", "sobre", "las", "los",
                  "del", "usted", "eres", "por", "facturas", "facturación", "facturacion", "con"}


@checker("define `InventoryItem` as a @dataclass with `name`, `quantity` and `tags` fields.")
def check_inventory_item(InventoryItem: type) -> str:
    """Check a dataclass with a default, a `default_factory` list and `__post_init__` validation."""
    if not dataclasses.is_dataclass(InventoryItem):
        raise Hint("put `@dataclass` on the line above `class InventoryItem:`.")
    names = [f.name for f in dataclasses.fields(InventoryItem)]
    if names[:3] != ["name", "quantity", "tags"]:
        raise Hint(f"the fields should be name, quantity, tags (in that order); you have {names}.")
    item = InventoryItem("apple")
    if item.quantity != 0:
        raise Hint(f"`quantity` should default to 0, not {item.quantity!r}.")
    if not isinstance(item.tags, list):
        raise Hint(
            f"`tags` should default to a new empty list, but it is {item.tags!r}: "
            "use `field(default_factory=list)`."
        )
    other = InventoryItem("pear")
    item.tags.append("fruit")
    if other.tags:
        raise Hint(
            "two items share one `tags` list: use `field(default_factory=list)` "
            "so each item gets its own."
        )
    if InventoryItem("apple", 3) != InventoryItem("apple", 3):
        raise Hint("two items with equal values should be equal; remove any `__eq__` you wrote.")
    try:
        InventoryItem("apple", -1)
    except ValueError:
        return "InventoryItem has a default, a tags list per item, and rejects negative quantities."
    raise Hint("InventoryItem('apple', -1) should raise ValueError from `__post_init__`.")


@checker("make `spanish_agent` from `support_agent` with `support_agent.clone(...)`.")
def check_spanish_agent(spanish_agent: Any, support_agent: Agent) -> str:
    """Check a clone with a new name and instructions and a tools list of its own."""
    if not isinstance(spanish_agent, Agent):
        raise Hint(f"`spanish_agent` should be an Agent, not a {type(spanish_agent).__name__}.")
    if spanish_agent is support_agent:
        raise Hint("`spanish_agent` is `support_agent` itself: `clone` returns a new agent.")
    if spanish_agent.name != "Support (Spanish)":
        raise Hint(f"the name should be 'Support (Spanish)', not {spanish_agent.name!r}.")
    if support_agent.name == spanish_agent.name:
        raise Hint("`support_agent` was renamed too: change the copy with `clone(name=...)`.")
    instructions = spanish_agent.instructions
    if not isinstance(instructions, str) or not _asks_for_spanish(instructions):
        raise Hint("the instructions should ask for answers in Spanish: say so ('Answer in Spanish.'), "
                   "or write them in Spanish.")
    if spanish_agent.tools is support_agent.tools:
        raise Hint(
            "both agents still share one `tools` list: "
            "pass `tools=[*support_agent.tools]` to `clone`."
        )
    if spanish_agent.tools != support_agent.tools:
        raise Hint("the copy should keep the same tools as `support_agent`, in a list of its own.")
    return "a new agent with its own name, instructions and tools list; the original is unchanged."


def _asks_for_spanish(instructions: str) -> bool:
    """True when the instructions name Spanish (any case) or are written in Spanish."""
    words = re.findall(r"\w+", instructions.lower())
    return bool(_NAMES_SPANISH & set(words)) or len(_SPANISH_WORDS & set(words)) >= 2


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.
from dataclasses import dataclass, field

from agents import function_tool


@reference_solution(check_inventory_item)
def _inventory_item():
    """A default that is a list must be `field(default_factory=list)`, so each item gets a new one; validation
    goes in `def __post_init__(self):`, which the generated `__init__` calls last."""

    @dataclass
    class InventoryItem:
        name: str
        quantity: int = 0
        tags: list[str] = field(default_factory=list)  # a new list per item, never one shared by all

        def __post_init__(self):
            if self.quantity < 0:
                raise ValueError(f"quantity cannot be negative, got {self.quantity}")

    return InventoryItem


@reference_solution(check_spanish_agent)
def _spanish_agent():
    """`clone(**changes)` copies the agent with `dataclasses.replace`, which copies fields by reference: pass a new
    `tools=[...]` list, or both agents share one."""

    @function_tool
    def look_up_invoice(invoice_id: str) -> str:
        """Find an invoice by its id."""
        return f"Invoice {invoice_id} was paid on 3 March."

    support_agent = Agent(name="Support", instructions="Answer billing questions.", tools=[look_up_invoice])

    spanish_agent = support_agent.clone(
        name="Support (Spanish)",
        instructions="Answer billing questions in Spanish.",
        tools=[*support_agent.tools],  # a list of its own: clone() would share the original's
    )
    return spanish_agent, support_agent
