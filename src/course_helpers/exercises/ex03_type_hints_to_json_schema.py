"""Checkers for notebook 03: a Pydantic model's schema and a function's tool schema."""

from __future__ import annotations

import inspect
from typing import Any

from agents.exceptions import UserError
from agents.function_schema import function_schema
from pydantic import BaseModel, ValidationError

from course_helpers.checks import reference_solution, Hint, checker

__all__ = ["check_order_model", "check_book_table_tool"]

_ORDER_FIELDS = ["drink", "quantity", "size", "note"]
_SIZES = ["small", "medium", "large"]
_BOOKING_PARAMS = ["restaurant", "party_size", "time", "notes"]
_TIMES = ["18:00", "19:00", "20:00"]


@checker(blank_hint="give `Order` the four fields drink, quantity, size and note.")
def check_order_model(order_model: Any) -> str:
    """Check that `order_model` is a Pydantic model with the exercise's four fields."""
    if not (inspect.isclass(order_model) and issubclass(order_model, BaseModel)):
        raise Hint("`Order` should be a class that inherits from pydantic's `BaseModel`.")
    if not order_model.model_fields:
        raise NotImplementedError  # An empty model is the untouched starting point.
    schema = order_model.model_json_schema()
    properties = schema["properties"]
    _expect_exact_names(properties, _ORDER_FIELDS, "Order's fields")
    _check_drink(properties["drink"])
    _check_quantity(properties["quantity"])
    _check_size(properties["size"])
    _check_optional_text(properties["note"], "note", "`note: Optional[str] = None`")
    if schema.get("required") != ["drink"]:
        raise Hint(
            f"Only `drink` should be required, but the schema requires {schema.get('required')}. "
            "A field with a default value can be left out."
        )
    return "Order's schema has the right types, limits, enum, defaults and required list."


@checker(blank_hint="write the signature of `book_table` with type hints, a docstring and a body.")
def check_book_table_tool(book_table: Any) -> str:
    """Check the tool schema the SDK generates from the learner's `book_table` function."""
    if not inspect.isfunction(book_table):
        raise Hint("`book_table` should be a plain function defined with `def`.")
    if not inspect.signature(book_table).parameters:
        raise Hint("`book_table` has no parameters yet: add restaurant, party_size, time and notes.")
    try:
        loose = function_schema(book_table, strict_json_schema=False)
        strict = function_schema(book_table)
    except UserError as error:
        raise Hint(f"the SDK could not build a strict schema: {error}") from None
    properties = loose.params_json_schema["properties"]
    _expect_exact_names(properties, _BOOKING_PARAMS, "book_table's parameters")
    _expect_type(properties["restaurant"], "string", "restaurant", "str")
    _expect_type(properties["party_size"], "integer", "party_size", "int")
    _expect_whole_numbers(properties["party_size"], "party_size", 1, 12, "Annotated[int, Field(ge=1, le=12)]")
    if properties["time"].get("enum") != _TIMES:
        raise Hint('`time` should only allow three slots: annotate it as `Literal["18:00", "19:00", "20:00"]`.')
    _check_optional_text(properties["notes"], "notes", "`notes: Optional[str] = None`")
    required = loose.params_json_schema.get("required", [])
    if required != _BOOKING_PARAMS[:3]:
        raise Hint(f"restaurant, party_size and time should be required (no default), but required is {required}.")
    _check_descriptions(loose.description, properties)
    return _call_like_the_sdk(book_table, strict)


def _expect_exact_names(properties: dict[str, Any], expected: list[str], what: str) -> None:
    missing = [name for name in expected if name not in properties]
    extra = [name for name in properties if name not in expected]
    if missing:
        raise Hint(f"{what} are missing {', '.join(missing)}.")
    if extra:
        raise Hint(f"{what} include {', '.join(extra)}, which the exercise does not ask for; remove it.")


def _expect_type(prop: dict[str, Any], json_type: str, name: str, python_type: str) -> None:
    if prop.get("type") != json_type:
        raise Hint(f"`{name}` should be annotated as `{python_type}` (JSON type {json_type!r}).")


def _check_drink(prop: dict[str, Any]) -> None:
    _expect_type(prop, "string", "drink", "str")
    if not prop.get("description"):
        raise Hint('`drink` needs a description: `drink: str = Field(description="...")`.')


def _check_quantity(prop: dict[str, Any]) -> None:
    _expect_type(prop, "integer", "quantity", "int")
    _expect_whole_numbers(prop, "quantity", 1, 10, "Field(default=1, ge=1, le=10)")
    if prop.get("default") != 1:
        raise Hint("`quantity` should default to 1.")


def _expect_whole_numbers(prop: dict[str, Any], name: str, low: int, high: int, example: str) -> None:
    """An integer field must allow exactly low..high, however the limits are written (`ge=1` or `gt=0`)."""
    allowed = (_limit(prop, "minimum", "exclusiveMinimum", 1), _limit(prop, "maximum", "exclusiveMaximum", -1))
    if allowed == (low, high):
        return
    shown = " to ".join("no limit" if end is None else str(end) for end in allowed)
    exclusive = " (`gt`/`lt` exclude the limit itself)" if {"exclusiveMinimum", "exclusiveMaximum"} & set(prop) else ""
    raise Hint(f"`{name}` should allow {low} to {high}, but it allows {shown}{exclusive}: use `{example}`.")


def _limit(prop: dict[str, Any], inclusive: str, exclusive: str, step: int) -> int | None:
    """The first or last whole number a schema allows: `minimum`, or the number after `exclusiveMinimum`."""
    if inclusive in prop:
        return prop[inclusive]
    return prop[exclusive] + step if exclusive in prop else None


def _check_size(prop: dict[str, Any]) -> None:
    if prop.get("enum") != _SIZES:
        raise Hint(
            '`size` should only allow "small", "medium" and "large": annotate it as '
            '`Literal["small", "medium", "large"]` so the schema gets an enum.'
        )
    if prop.get("default") != "medium":
        raise Hint('`size` should default to "medium".')


def _check_optional_text(prop: dict[str, Any], name: str, example: str) -> None:
    variants = [variant.get("type") for variant in prop.get("anyOf", [])]
    if sorted(variants) != ["null", "string"]:
        raise Hint(f"`{name}` should be a string that may be null: write {example}.")
    if "default" not in prop or prop["default"] is not None:
        raise Hint(f"`{name}` should default to None so it can be left out: write {example}.")


def _check_descriptions(description: str | None, properties: dict[str, Any]) -> None:
    if not description:
        raise Hint("the tool has no description: start the docstring with one line saying what it does.")
    undocumented = [name for name, prop in properties.items() if not prop.get("description")]
    if undocumented:
        raise Hint(
            f"no description for {', '.join(undocumented)}: add an `Args:` section to the docstring "
            "with one `name: what it means` line per parameter."
        )


def _call_like_the_sdk(book_table: Any, strict: Any) -> str:
    """Validate sample arguments with the generated model and call the function, as the SDK does."""
    arguments = {"restaurant": "Chez Nous", "party_size": 2, "time": "19:00", "notes": None}
    try:
        parsed = strict.params_pydantic_model(**arguments)
    except ValidationError as error:
        raise Hint(f"the schema rejected a valid booking {arguments}: {error.errors()[0]['msg']}.") from None
    args, kwargs = strict.to_call_args(parsed)
    reply = book_table(*args, **kwargs)
    if not isinstance(reply, str) or not reply:
        raise Hint(f"`book_table` should return a confirmation string, but it returned {reply!r}.")
    return "The SDK builds the tool schema you wanted, in strict mode too, and calling the tool works."


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.
from typing import Annotated, Literal, Optional

from pydantic import Field


@reference_solution(check_order_model)
def _order():
    """Each field is `name: type = default`. `Literal["small", "medium", "large"]` allows only those strings,
    `Field(default=1, ge=1, le=10)` adds bounds and `Field(description=...)` a description, and `Optional[str] = None`
    makes a field that may be missing. A field without a default is required."""

    class Order(BaseModel):
        drink: str = Field(description="What to drink, for example 'latte'.")
        quantity: int = Field(default=1, ge=1, le=10)
        size: Literal["small", "medium", "large"] = "medium"
        note: Optional[str] = None

    return Order


@reference_solution(check_book_table_tool)
def _book_table():
    """`function_schema` reads the signature: plain hints for types, `Annotated[int, Field(ge=1, le=12)]` for bounds,
    `Literal[...]` for a fixed set of values, a default for what is optional; the docstring's summary describes the
    tool and its `Args:` section describes each parameter."""

    def book_table(
        restaurant: str,
        party_size: Annotated[int, Field(ge=1, le=12)],
        time: Literal["18:00", "19:00", "20:00"],
        notes: Optional[str] = None,
    ) -> str:
        """Book a table at a restaurant.

        Args:
            restaurant: Name of the restaurant.
            party_size: How many people are coming.
            time: When the party arrives.
            notes: Anything the restaurant should know, such as allergies.
        """
        return f"Booked {restaurant} for {party_size} at {time}."

    return book_table
