"""The checkers of notebook 12 accept right answers and give specific hints for blank or wrong ones."""

import asyncio
import re

import pytest
from agents import GuardrailFunctionOutput, ToolGuardrailFunctionOutput, input_guardrail, tool_output_guardrail

from course_helpers.exercises.ex12_guardrails import check_card_guardrail, check_injection_guardrail

CARD = re.compile(r"\b(?:\d{4}[ -]?){3}\d{4}\b")


def run_check(check, answer):
    return asyncio.run(check(answer))


no_card_numbers = check_card_guardrail.reference()  # the reference solution, from the package


@input_guardrail
def blank_card_guardrail(ctx, agent, input):
    ...


@input_guardrail
def spaces_only(ctx, agent, input):
    found = re.search(r"\d{4} \d{4} \d{4} \d{4}", str(input))
    return GuardrailFunctionOutput(output_info=None, tripwire_triggered=bool(found))


@input_guardrail
def any_long_number(ctx, agent, input):
    found = re.search(r"\d[\d -]{10,}\d", str(input))
    return GuardrailFunctionOutput(output_info=None, tripwire_triggered=bool(found))


@input_guardrail
def no_card_numbers_lookaround(ctx, agent, input):
    digits = re.sub(r"(?<=\d)[ -](?=\d{4})", "", str(input))  # 4111 1111 ... -> 4111111111111111
    found = re.search(r"(?<!\d)\d{16}(?!\d)", digits)
    return GuardrailFunctionOutput(output_info=None, tripwire_triggered=found is not None)


@input_guardrail
def sixteen_digits_anywhere(ctx, agent, input):
    found = re.search(r"(\d[ -]?){16}", str(input))
    return GuardrailFunctionOutput(output_info=None, tripwire_triggered=bool(found))


@input_guardrail
def returns_a_bool(ctx, agent, input):
    return bool(CARD.search(str(input)))


def plain_function(ctx, agent, input):
    return GuardrailFunctionOutput(output_info=None, tripwire_triggered=False)


@pytest.mark.parametrize("right", [no_card_numbers, no_card_numbers_lookaround])
def test_card_checker_accepts_a_right_answer(right, capsys):
    assert run_check(check_card_guardrail, right)
    assert capsys.readouterr().out.startswith("✅ the tripwire fires for card numbers")


def test_card_checker_blank(capsys):
    assert not run_check(check_card_guardrail, blank_card_guardrail)
    assert not run_check(check_card_guardrail, ...)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith("✏️ Not attempted yet") for line in lines)


@pytest.mark.parametrize(
    ("wrong", "expected_hint"),
    [
        (spaces_only, "'Card 4111-1111-1111-1111 was declined.' got through"),
        (any_long_number, "holds no card number"),
        (sixteen_digits_anywhere, "'Where is order 40213377900152648812? It has 20 digits.' tripped the wire"),
        (returns_a_bool, "must return `GuardrailFunctionOutput"),
        (plain_function, "put `@input_guardrail`"),
    ],
)
def test_card_checker_explains_a_typical_mistake(wrong, expected_hint, capsys):
    assert not run_check(check_card_guardrail, wrong)
    out = capsys.readouterr().out
    assert out.startswith("🤔 Not quite")
    assert expected_hint in out


withhold_injections = check_injection_guardrail.reference()  # the reference solution, from the package


@tool_output_guardrail
def blank_injection_guardrail(data):
    ...


@tool_output_guardrail
def raises_instead(data):
    if "ignore" in str(data.output).lower():
        return ToolGuardrailFunctionOutput.raise_exception(output_info="injection")
    return ToolGuardrailFunctionOutput.allow()


@tool_output_guardrail
def case_sensitive(data):
    if "ignore previous instructions" in str(data.output):
        return ToolGuardrailFunctionOutput.reject_content("Withheld.")
    return ToolGuardrailFunctionOutput.allow()


@tool_output_guardrail
def rejects_everything(data):
    return ToolGuardrailFunctionOutput.reject_content("Withheld.")


@tool_output_guardrail
def forgets_allow(data):
    if "ignore" in str(data.output).lower():
        return ToolGuardrailFunctionOutput.reject_content("Withheld.")


@tool_output_guardrail
def echoes_the_page(data):
    if "ignore" in str(data.output).lower():
        return ToolGuardrailFunctionOutput.reject_content(f"Suspicious page: {data.output}")
    return ToolGuardrailFunctionOutput.allow()


def test_injection_checker_accepts_a_right_answer(capsys):
    assert run_check(check_injection_guardrail, withhold_injections)
    assert capsys.readouterr().out.startswith("✅ injected pages are withheld")


def test_injection_checker_blank(capsys):
    assert not run_check(check_injection_guardrail, blank_injection_guardrail)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — fill in `withhold_injections`")


@pytest.mark.parametrize(
    ("wrong", "expected_hint"),
    [
        (raises_instead, "`raise_exception()` stopped the whole run"),
        (case_sensitive, "so letter case and 'all' do not matter"),
        (rejects_everything, "a clean page reached the model as 'Withheld.'"),
        (forgets_allow, "the guardrail returned nothing"),
        (echoes_the_page, "your rejection message repeats the page"),
        (plain_function, "put `@tool_output_guardrail`"),
    ],
)
def test_injection_checker_explains_a_typical_mistake(wrong, expected_hint, capsys):
    assert not run_check(check_injection_guardrail, wrong)
    out = capsys.readouterr().out
    assert out.startswith("🤔 Not quite")
    assert expected_hint in out
