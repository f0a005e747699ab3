"""The checker of notebook 00 accepts a right answer and gives specific hints for blank or wrong ones."""

import asyncio

from agents import function_tool

from course_helpers.exercises import ex00_start_here
from course_helpers.exercises.ex00_start_here import check_time_tool


def run_check(answer):
    return asyncio.run(check_time_tool(answer))


get_time = check_time_tool.reference()  # the reference solution, from the package


def test_accepts_a_right_answer(capsys):
    assert run_check(get_time)
    out = capsys.readouterr().out
    assert out == (
        "✅ the offline model chose get_time for 'What time is it in Tokyo?' "
        "and your tool said: It is 09:00 in Tokyo.\n"
    )


def test_blank(capsys):
    def get_time(city: str) -> str:
        ...

    assert not run_check(get_time)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write `get_time(city: str) -> str`")


def test_missing_decorator(capsys):
    def get_time(city: str) -> str:
        """Get the current time in a city."""
        return f"It is 09:00 in {city}."

    assert not run_check(get_time)
    assert "put `@function_tool` on the line above `def get_time`" in capsys.readouterr().out


def test_missing_docstring(capsys):
    @function_tool
    def get_time(city: str) -> str:
        return f"It is 09:00 in {city}."

    assert not run_check(get_time)
    assert "add a one-line docstring" in capsys.readouterr().out


def test_missing_city_parameter(capsys):
    @function_tool
    def get_time() -> str:
        """Get the current time."""
        return "It is 09:00."

    assert not run_check(get_time)
    assert "give `get_time` a parameter `city: str`" in capsys.readouterr().out


def test_a_question_the_tool_does_not_answer(capsys, monkeypatch):
    monkeypatch.setattr(ex00_start_here, "QUESTION", "What is the weather in Tokyo?")
    assert not run_check(get_time)
    assert "the offline model called ['get_weather']: say 'time'" in capsys.readouterr().out


def test_a_tool_that_ignores_the_city(capsys):
    @function_tool
    def get_time(city: str) -> str:
        """Get the current time in a city."""
        return "It is 09:00."

    assert not run_check(get_time)
    assert "the tool returned 'It is 09:00.'; return a sentence that includes the city" in capsys.readouterr().out
