"""The checkers of notebook 08 accept right answers and give specific hints for blank or wrong ones."""

import asyncio

from agents import RunContextWrapper, ToolCallItem, function_tool

from course_helpers.exercises.ex08_first_agent import (
    check_home_city_tool,
    check_loyalty_instructions,
    check_tools_called,
)


def run(check):
    return asyncio.run(check)


# Exercise 1: tools_called


tools_called = check_tools_called.reference()  # the reference solution, from the package


def tools_called_from_raw_responses(result):
    return [o.name for r in result.raw_responses for o in r.output if o.type == "function_call"]


def test_tools_called_accepts_right_answers(capsys):
    assert run(check_tools_called(tools_called))
    assert run(check_tools_called(tools_called_from_raw_responses))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith("✅ tools_called found") for line in lines)


def test_tools_called_blank(capsys):
    def tools_called(result):
        ...

    assert not run(check_tools_called(tools_called))
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write `tools_called(result)`")


def test_tools_called_reading_every_item(capsys):
    def every_item(result):
        return [item.raw_item.name for item in result.new_items]

    assert not run(check_tools_called(every_item))
    assert "keep only `ToolCallItem`s" in capsys.readouterr().out


def test_tools_called_returning_item_types(capsys):
    def item_types(result):
        return [type(item).__name__ for item in result.new_items]

    assert not run(check_tools_called(item_types))
    assert "return each tool call's name: `item.raw_item.name`" in capsys.readouterr().out


def test_tools_called_returning_a_set(capsys):
    def as_set(result):
        return set(tools_called(result))

    assert not run(check_tools_called(as_set))
    assert "return a list (the order matters), not a set" in capsys.readouterr().out


def test_tools_called_without_return(capsys):
    def no_return(result):
        tools_called(result)

    assert not run(check_tools_called(no_return))
    assert "returned None" in capsys.readouterr().out


# Exercise 2: get_home_city


get_home_city = check_home_city_tool.reference()  # the reference solution, from the package


def test_home_city_accepts_a_right_answer(capsys):
    assert run(check_home_city_tool(get_home_city))
    assert capsys.readouterr().out.startswith("✅ the tool takes no arguments from the model")


def test_home_city_blank(capsys):
    assert not run(check_home_city_tool(...))
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write `get_home_city(")


def test_home_city_without_decorator(capsys):
    def get_home_city(wrapper: RunContextWrapper) -> str:
        """Look up the signed-in user's home city."""
        return wrapper.context.city

    assert not run(check_home_city_tool(get_home_city))
    assert "put `@function_tool` on the line above" in capsys.readouterr().out


def test_home_city_asking_the_model_for_the_city(capsys):
    @function_tool
    def get_home_city(city: str) -> str:
        """Look up the signed-in user's home city."""
        return city

    assert not run(check_home_city_tool(get_home_city))
    assert "the model would have to supply ['city']" in capsys.readouterr().out


def test_home_city_hard_coded(capsys):
    @function_tool
    def get_home_city(wrapper: RunContextWrapper) -> str:
        """Look up the signed-in user's home city."""
        return "London"

    assert not run(check_home_city_tool(get_home_city))
    assert "for a user living in New York, the tool said 'London'" in capsys.readouterr().out


# Exercise 3: loyalty_instructions


loyalty_instructions = check_loyalty_instructions.reference()  # the reference solution, from the package


async def async_loyalty_instructions(wrapper, agent):
    return loyalty_instructions(wrapper, agent)


def test_instructions_accept_sync_and_async_answers(capsys):
    assert run(check_loyalty_instructions(loyalty_instructions))
    assert run(check_loyalty_instructions(async_loyalty_instructions))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith("✅ the instructions name each user") for line in lines)


def test_instructions_blank(capsys):
    def loyalty_instructions(wrapper, agent):
        ...

    assert not run(check_loyalty_instructions(loyalty_instructions))
    blank = "✏️ Not attempted yet — write `loyalty_instructions_for(wrapper, agent)`"
    assert capsys.readouterr().out.startswith(blank)


def test_instructions_with_one_parameter(capsys):
    def one_parameter(wrapper):
        return f"You help {wrapper.context.name}."

    assert not run(check_loyalty_instructions(one_parameter))
    assert "exactly two arguments: `(wrapper, agent)`" in capsys.readouterr().out


def test_instructions_hard_coded(capsys):
    def hard_coded(wrapper, agent):
        return "You help Ada, who has 120 loyalty points."

    assert not run(check_loyalty_instructions(hard_coded))
    assert "for Grace with 80 points" in capsys.readouterr().out


def test_instructions_without_points(capsys):
    def name_only(wrapper, agent):
        return f"You help {wrapper.context.name}."

    assert not run(check_loyalty_instructions(name_only))
    assert "which lacks 120" in capsys.readouterr().out


def test_instructions_given_a_string(capsys):
    assert not run(check_loyalty_instructions("You help the user."))
    assert "should be a function" in capsys.readouterr().out
