"""The checkers of notebook 09 accept right answers and give specific hints for blank or wrong ones."""

import asyncio
from typing import Literal

from agents import ToolsToFinalOutputResult, function_tool

from course_helpers.exercises.ex09_function_tools import check_convert_currency, check_stop_after_booking

RATES = {"EUR": 0.9, "GBP": 0.8, "JPY": 150.0}


def run(check):
    return asyncio.run(check)


# Exercise 1: convert_currency


convert_currency = check_convert_currency.reference()  # the reference solution, from the package


def test_convert_currency_accepts_a_right_answer(capsys):
    assert run(check_convert_currency(convert_currency))
    assert capsys.readouterr().out == (
        "✅ the model sent {'amount': 100, 'currency': 'GBP'} and your tool said: 100.0 USD is 80.0 GBP.\n"
    )


def test_convert_currency_blank(capsys):
    assert not run(check_convert_currency(...))
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write `convert_currency(")


def test_convert_currency_without_decorator(capsys):
    assert not run(check_convert_currency(convert_currency.__wrapped__))
    assert "put `@function_tool` on the line above `def convert_currency`" in capsys.readouterr().out


def test_convert_currency_with_a_plain_string_currency(capsys):
    @function_tool
    def convert_currency(amount: float, currency: str) -> str:
        """Convert an amount of US dollars to another currency.

        Args:
            amount: How many US dollars to convert.
            currency: The currency to convert to.
        """
        return f"{amount} USD is {amount * RATES[currency]} {currency}."

    assert not run(check_convert_currency(convert_currency))
    assert 'Literal["EUR", "GBP", "JPY"]' in capsys.readouterr().out


def test_convert_currency_with_an_int_amount(capsys):
    @function_tool
    def convert_currency(amount: int, currency: Literal["EUR", "GBP", "JPY"]) -> str:
        """Convert US dollars."""
        return ""

    assert not run(check_convert_currency(convert_currency))
    assert "`amount` has JSON type 'integer'; annotate it `amount: float`" in capsys.readouterr().out


def test_convert_currency_without_args_section(capsys):
    @function_tool
    def convert_currency(amount: float, currency: Literal["EUR", "GBP", "JPY"]) -> str:
        """Convert an amount of US dollars to another currency."""
        return f"{amount} USD is {amount * RATES[currency]} {currency}."

    assert not run(check_convert_currency(convert_currency))
    assert "the schema has no description for amount and currency: add an `Args:` section" in capsys.readouterr().out


def test_convert_currency_with_one_parameter_described(capsys):
    @function_tool
    def convert_currency(amount: float, currency: Literal["EUR", "GBP", "JPY"]) -> str:
        """Convert an amount of US dollars to another currency.

        Args:
            amount: How many US dollars to convert.
        """
        return f"{amount} USD is {amount * RATES[currency]} {currency}."

    assert not run(check_convert_currency(convert_currency))
    assert "the schema has no description for currency: add an `Args:` section" in capsys.readouterr().out


def test_convert_currency_accepts_a_docstring_worded_differently(capsys):
    @function_tool
    def convert_currency(amount: float, currency: Literal["JPY", "GBP", "EUR"]) -> str:
        """Turns dollars into euros, pounds or yen.

        Uses today's fixed rates.

        Args:
            amount (float): the sum in USD
            currency (str): target currency code
        """
        return f"That is {amount * RATES[currency]:.1f} {currency} for {amount} USD."

    assert run(check_convert_currency(convert_currency))


def test_convert_currency_with_a_wrong_conversion(capsys):
    @function_tool
    def convert_currency(amount: float, currency: Literal["EUR", "GBP", "JPY"]) -> str:
        """Convert an amount of US dollars to another currency.

        Args:
            amount: How many US dollars to convert.
            currency: The currency to convert to.
        """
        return f"{amount} USD is {amount / RATES[currency]} {currency}."

    assert not run(check_convert_currency(convert_currency))
    out = capsys.readouterr().out
    assert "your tool returned '100.0 USD is 125.0 GBP.'" in out and "100 USD is 80.0 GBP" in out


def test_convert_currency_with_extra_parameters(capsys):
    @function_tool
    def convert_currency(amount: float, source: str, currency: Literal["EUR", "GBP", "JPY"]) -> str:
        """Convert money."""
        return ""

    assert not run(check_convert_currency(convert_currency))
    assert "['amount', 'currency', 'source']" in capsys.readouterr().out


# Exercise 2: stop_after_booking


stop_after_booking = check_stop_after_booking.reference()  # the reference solution, from the package


async def stop_after_booking_async(context, results):
    return stop_after_booking(context, results)


def test_stop_after_booking_accepts_sync_and_async_answers(capsys):
    assert run(check_stop_after_booking(stop_after_booking))
    assert run(check_stop_after_booking(stop_after_booking_async))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith("✅ the run ends with book_table's output") for line in lines)


def test_stop_after_booking_blank(capsys):
    def stop_after_booking(context, results):
        ...

    assert not run(check_stop_after_booking(stop_after_booking))
    blank = "✏️ Not attempted yet — write `stop_after_booking(context, results)`"
    assert capsys.readouterr().out.startswith(blank)


def test_stop_after_booking_returning_the_output_itself(capsys):
    def returns_output(context, results):
        return results[0].output

    assert not run(check_stop_after_booking(returns_output))
    assert "it returned str; return `ToolsToFinalOutputResult(" in capsys.readouterr().out


def test_stop_after_booking_that_always_stops(capsys):
    def always_stops(context, results):
        return ToolsToFinalOutputResult(is_final_output=True, final_output=results[0].output)

    assert not run(check_stop_after_booking(always_stops))
    assert "after check_availability the run stopped too" in capsys.readouterr().out


def test_stop_after_booking_that_never_stops(capsys):
    def never_stops(context, results):
        return ToolsToFinalOutputResult(is_final_output=False)

    assert not run(check_stop_after_booking(never_stops))
    assert "after book_table ran, the final output was" in capsys.readouterr().out
