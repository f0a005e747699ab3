"""The offline model's values one behaviour at a time: arithmetic, typed values, schemas, refusals."""

import pytest

from course_helpers.offline.answers import arithmetic


@pytest.mark.parametrize(
    ("message", "expected"),
    [("What is 12 * (3 + 4)?", "12 * (3 + 4) = 84"),
     ("what is 5 - -3", "5 - -3 = 8"),
     ("what is 1,000 + 2", "1000 + 2 = 1002"),
     ("what is -2 ** 2", "-2 ** 2 = -4"),
     ("what is 2 ** 0.5", "2 ** 0.5 = 1.414214"),
     ("what is 99999 ** 99", "99999 ** 99 = 9.990104e+494"),
     ("what is 2e3 + 1", "2e3 + 1 = 2001")],
)
def test_arithmetic_is_computed(message, expected):
    assert arithmetic(message) == expected


def test_a_thousand_term_sum_is_computed_without_recursion():
    assert arithmetic("What is " + " + ".join(["1"] * 1000) + "?").endswith("= 1000")
    assert arithmetic("what is " + "(" * 5000 + "1" + ")" * 5000 + " + 1").endswith("= 2")


@pytest.mark.parametrize(
    ("message", "cause"),
    [("What is 2 ** 100000?", "the exponent 100000 is above 100"),
     ("what is 1.5e308 * 10", "too large for a floating-point number"),
     ("what is " + " * ".join(["99999"] * 2500), "more than 2000 numbers")],
)
def test_huge_arithmetic_gets_a_plain_sentence(message, cause):
    answer = arithmetic(message)
    assert "too large for the offline model to compute" in answer and cause in answer


def test_division_by_zero_is_a_sentence_and_non_sums_are_not_arithmetic():
    assert arithmetic("what is 10 / 0") == "10 / 0 has no value: it divides by zero."
    assert arithmetic("In 2024 I had 3 cats") is None
    assert arithmetic("What is __import__('os')?") is None
