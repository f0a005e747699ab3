"""The checkers of notebook 06 accept right answers and give specific hints for blank or wrong ones."""

import copy
import json

import pytest

import course_helpers.exercises.ex06_tool_calling_by_hand as ex06
from course_helpers.exercises.ex06_tool_calling_by_hand import check_convert_currency_tool, check_tool_message
from course_helpers.offline import Decision

CONVERT_CURRENCY_TOOL = check_convert_currency_tool.reference()  # the reference solution, from the package


def changed(**changes):
    """A copy of the right answer with some `function.parameters` (or, with a `function.` prefix, function) keys set."""
    tool = copy.deepcopy(CONVERT_CURRENCY_TOOL)
    for key, value in changes.items():
        target = tool["function"] if key.startswith("function_") else tool["function"]["parameters"]
        target[key.removeprefix("function_")] = value
    return tool


def test_convert_currency_tool_accepts_a_right_answer(capsys):
    assert check_convert_currency_tool(CONVERT_CURRENCY_TOOL)
    out = capsys.readouterr().out
    assert out.startswith("✅ a valid tool") and 'convert_currency{"amount": 100' in out


def test_convert_currency_tool_accepts_other_wording_and_order(capsys):
    tool = {"function": {"parameters": {"additionalProperties": False, "required": ["to_currency", "from_currency",
            "amount"], "type": "object", "properties": {
                "amount": {"description": "the sum of money", "type": "number"},
                "from_currency": {"description": "ISO code of the source currency", "type": "string"},
                "to_currency": {"description": "ISO code of the target currency", "type": "string"}}},
            "description": "Converts money between currencies (codes like USD or EUR).", "name": "convert_currency"},
            "type": "function"}
    assert check_convert_currency_tool(tool)


def test_convert_currency_tool_given_a_function_is_not_called_blank(capsys):
    def convert_currency(amount: float, from_currency: str, to_currency: str) -> float:
        """Convert money between currencies."""
        ...

    assert not check_convert_currency_tool(convert_currency)
    assert capsys.readouterr().out.startswith("🤔 Not quite — the tool is a dict shaped")


def test_convert_currency_tool_blank(capsys):
    assert not check_convert_currency_tool(...)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write `convert_currency_tool`")


@pytest.mark.parametrize(
    ("tool", "hint"),
    [
        (CONVERT_CURRENCY_TOOL["function"], 'shaped {"type": "function", "function"'),
        (changed(function_name="convert"), "should be 'convert_currency', not 'convert'"),
        (changed(function_description=""), "add a `description`"),
        (changed(type="dict"), '`parameters` is a JSON schema for an object'),
        (changed(properties={"amount": {"type": "number"}}), "`properties` needs from_currency, to_currency"),
        (changed(properties={**CONVERT_CURRENCY_TOOL["function"]["parameters"]["properties"],
                             "amount": {"type": "integer"}}), "amounts like 9.99 are not integers"),
        (changed(properties={**CONVERT_CURRENCY_TOOL["function"]["parameters"]["properties"],
                             "to_currency": {"type": "str"}}), '`to_currency` should be {"type": "string"}'),
        (changed(required=["amount"]), "list all three parameters in `required`"),
        (changed(additionalProperties=None), '"additionalProperties": False'),
        (changed(properties={"amount": {"type": "number"}, "from_currency": {"type": "string"},
                             "to_currency": {"type": "string", "description": "The code to convert to."}}),
         'give amount and from_currency a "description" too'),
        (lambda amount, from_currency, to_currency: amount, "(you gave a function: write the dict itself)"),
    ],
)
def test_convert_currency_tool_typical_mistakes(capsys, tool, hint):
    assert not check_convert_currency_tool(tool)
    out = capsys.readouterr().out
    assert out.startswith("🤔 Not quite") and hint in out


def test_convert_currency_tool_reports_what_the_model_called(capsys, monkeypatch):
    # When the model does not call the tool as expected, the hint shows what it did call.
    monkeypatch.setattr(ex06, "decide", lambda messages, tools: Decision(text="I cannot help.", tool_calls=(), why="test"))
    assert not check_convert_currency_tool(CONVERT_CURRENCY_TOOL)
    assert "the offline model made the calls [] with your schema" in capsys.readouterr().out


tool_message = check_tool_message.reference()  # the reference solution, from the package


def test_tool_message_accepts_a_right_answer(capsys):
    assert check_tool_message(tool_message)
    assert capsys.readouterr().out.startswith("✅ every call gets a `tool` message")


def test_tool_message_blank(capsys):
    def blank(call, functions):
        ...

    assert not check_tool_message(blank)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write `tool_message")


def test_tool_message_that_returns_only_the_output(capsys):
    def output_only(call, functions):
        return functions[call["function"]["name"]](**json.loads(call["function"]["arguments"]))

    assert not check_tool_message(output_only)
    assert "return a dict like {'role': 'tool'" in capsys.readouterr().out


def test_tool_message_without_str(capsys):
    def raw_result(call, functions):
        result = functions[call["function"]["name"]](**json.loads(call["function"]["arguments"]))
        return {"role": "tool", "tool_call_id": call["id"], "content": result}

    assert not check_tool_message(raw_result)
    assert "`content` must be a string; the API does not accept float: use str(result)" in capsys.readouterr().out


def test_tool_message_with_the_wrong_id(capsys):
    def wrong_id(call, functions):
        return {**tool_message(call, functions), "tool_call_id": call["function"]["name"]}

    assert not check_tool_message(wrong_id)
    assert "`tool_call_id` should be the call's id, call['id'] ('call_1')" in capsys.readouterr().out


def test_tool_message_that_raises_for_an_unknown_tool(capsys):
    def no_error_handling(call, functions):
        result = functions[call["function"]["name"]](**json.loads(call["function"]["arguments"]))
        return {"role": "tool", "tool_call_id": call["id"], "content": str(result)}

    assert not check_tool_message(no_error_handling)
    assert capsys.readouterr().out == (
        "🤔 Not quite — for an unknown tool name, `tool_message` raised KeyError: return a `tool` message whose "
        "content starts with 'Error:' and name the tool and list the tools that exist, get_weather and divide.\n"
    )


def test_tool_message_that_lets_the_function_raise(capsys):
    def catches_only_json_errors(call, functions):
        name = call["function"]["name"]
        if name not in functions:
            return {"role": "tool", "tool_call_id": call["id"], "content": f"Error: no tool {name}; use get_weather."}
        try:
            arguments = json.loads(call["function"]["arguments"])
        except json.JSONDecodeError:
            return {"role": "tool", "tool_call_id": call["id"], "content": "Error: invalid JSON."}
        return {"role": "tool", "tool_call_id": call["id"], "content": str(functions[name](**arguments))}

    assert not check_tool_message(catches_only_json_errors)
    out = capsys.readouterr().out
    assert "for a wrong argument name, `tool_message` raised TypeError" in out


def test_tool_message_with_errors_that_do_not_say_error(capsys):
    def quiet(call, functions):
        message = tool_message(call, functions)
        return {**message, "content": message["content"].removeprefix("Error: ")}

    assert not check_tool_message(quiet)
    assert "the content should start with 'Error:'" in capsys.readouterr().out


def test_tool_message_with_a_vague_error(capsys):
    def vague(call, functions):
        message = tool_message(call, functions)
        if message["content"].startswith("Error:"):
            return {**message, "content": "Error: something went wrong."}
        return message

    assert not check_tool_message(vague)
    assert capsys.readouterr().out == (
        "🤔 Not quite — for an unknown tool name the content was 'Error: something went wrong.', but it should name "
        "the tool and list the tools that exist, get_weather and divide.\n"
    )
