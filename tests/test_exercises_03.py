"""The checkers of notebook 03 accept right answers and give specific hints for blank or wrong ones."""

from typing import Annotated, Literal, Optional

import pytest
from pydantic import BaseModel, Field

from course_helpers.exercises.ex03_type_hints_to_json_schema import check_book_table_tool, check_order_model


Order = check_order_model.reference()  # the reference solution, from the package


class BlankOrder(BaseModel):
    ...


class OrderWithStrSize(BaseModel):
    drink: str = Field(description="What to drink.")
    quantity: int = Field(default=1, ge=1, le=10)
    size: str = "medium"
    note: Optional[str] = None


class OrderWithExclusiveLimits(BaseModel):  # right: for whole numbers, gt=0, lt=11 allows 1 to 10
    drink: str = Field(description="What to drink.")
    quantity: int = Field(default=1, gt=0, lt=11)
    size: Literal["small", "medium", "large"] = "medium"
    note: Optional[str] = None


class OrderExcludingTheLimits(BaseModel):
    drink: str = Field(description="What to drink.")
    quantity: int = Field(default=1, gt=1, lt=10)
    size: Literal["small", "medium", "large"] = "medium"
    note: Optional[str] = None


class OrderWithRequiredNote(BaseModel):
    drink: str = Field(description="What to drink.")
    quantity: int = Field(default=1, ge=1, le=10)
    size: Literal["small", "medium", "large"] = "medium"
    note: Optional[str]


class OrderWithEmptyStringNote(BaseModel):
    drink: str = Field(description="What to drink.")
    quantity: int = Field(default=1, ge=1, le=10)
    size: Literal["small", "medium", "large"] = "medium"
    note: str = ""


class OrderWithoutDescription(BaseModel):
    drink: str
    quantity: int = Field(default=1, ge=1, le=10)
    size: Literal["small", "medium", "large"] = "medium"
    note: Optional[str] = None


book_table = check_book_table_tool.reference()  # the reference solution, from the package


def blank_book_table():
    ...


def book_table_with_plain_str_time(
    restaurant: str,
    party_size: Annotated[int, Field(ge=1, le=12)],
    time: str,
    notes: Optional[str] = None,
) -> str:
    """Book a table at a restaurant.

    Args:
        restaurant: Name of the restaurant.
        party_size: How many people are coming.
        time: When the party arrives.
        notes: Anything the restaurant should know.
    """
    return "Booked."


def book_table_without_args_section(
    restaurant: str,
    party_size: Annotated[int, Field(ge=1, le=12)],
    time: Literal["18:00", "19:00", "20:00"],
    notes: Optional[str] = None,
) -> str:
    """Book a table at a restaurant."""
    return "Booked."


def book_table_with_dict_notes(
    restaurant: str,
    party_size: Annotated[int, Field(ge=1, le=12)],
    time: Literal["18:00", "19:00", "20:00"],
    notes: dict[str, str],
) -> str:
    """Book a table at a restaurant."""
    return "Booked."


def book_table_returning_nothing(
    restaurant: str,
    party_size: Annotated[int, Field(ge=1, le=12)],
    time: Literal["18:00", "19:00", "20:00"],
    notes: Optional[str] = None,
) -> None:
    """Book a table at a restaurant.

    Args:
        restaurant: Name of the restaurant.
        party_size: How many people are coming.
        time: When the party arrives.
        notes: Anything the restaurant should know.
    """
    message = f"Booked {restaurant}."  # noqa: F841 - the typical slip: no `return`


@pytest.mark.parametrize("right", [Order, OrderWithExclusiveLimits])
def test_order_checker_accepts_the_right_model(right, capsys):
    assert check_order_model(right)
    assert capsys.readouterr().out.startswith("✅")


@pytest.mark.parametrize("blank", [BlankOrder, ...])
def test_order_checker_calls_a_blank_model_not_attempted(blank, capsys):
    assert not check_order_model(blank)
    assert "Not attempted yet" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "expected_hint"),
    [
        (OrderWithStrSize, "Literal["),
        (OrderExcludingTheLimits, "should allow 1 to 10, but it allows 2 to 9 (`gt`/`lt` exclude the limit itself)"),
        (OrderWithRequiredNote, "default to None"),
        (OrderWithEmptyStringNote, "may be null"),
        (OrderWithoutDescription, "needs a description"),
        (dict, "BaseModel"),
    ],
)
def test_order_checker_explains_a_typical_mistake(wrong, expected_hint, capsys):
    assert not check_order_model(wrong)
    out = capsys.readouterr().out
    assert out.startswith("🤔 Not quite")
    assert expected_hint in out


def test_tool_checker_accepts_the_right_function(capsys):
    assert check_book_table_tool(book_table)
    assert capsys.readouterr().out.startswith("✅")


def test_tool_checker_calls_an_empty_function_not_attempted(capsys):
    assert not check_book_table_tool(blank_book_table)
    assert "Not attempted yet" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "expected_hint"),
    [
        (book_table_with_plain_str_time, 'Literal["18:00"'),
        (book_table_without_args_section, "Args:"),
        (book_table_with_dict_notes, "strict schema"),
        (book_table_returning_nothing, "confirmation string"),
    ],
)
def test_tool_checker_explains_a_typical_mistake(wrong, expected_hint, capsys):
    assert not check_book_table_tool(wrong)
    out = capsys.readouterr().out
    assert out.startswith("🤔 Not quite")
    assert expected_hint in out
