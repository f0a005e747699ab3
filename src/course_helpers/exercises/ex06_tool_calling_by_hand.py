"""Checkers for the exercises in notebooks/06_tool_calling_by_hand.ipynb."""

from __future__ import annotations

import json
from typing import Any, Callable

from course_helpers.checks import reference_solution, Hint, checker, listed
from course_helpers.offline import Message, ToolSpec, decide

_CURRENCY_FIELDS = {"amount": "number", "from_currency": "string", "to_currency": "string"}
_CURRENCY_QUESTION = "Convert 100 USD to EUR."


@checker("write `convert_currency_tool`, the Chat Completions tool dict for convert_currency.", value_answer=True)
def check_convert_currency_tool(tool: Any) -> str:
    """Check a hand-written tool schema, then let the offline model call it."""
    if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(tool.get("function"), dict):
        kind = "" if isinstance(tool, dict) else f" (you gave a {type(tool).__name__}: write the dict itself)"
        raise Hint('the tool is a dict shaped {"type": "function", "function": {"name": ..., "description": ..., '
                   f'"parameters": {{...}}}}}}{kind}.')
    function = tool["function"]
    if function.get("name") != "convert_currency":
        raise Hint(f"the function's name should be 'convert_currency', not {function.get('name')!r}.")
    if not isinstance(function.get("description"), str) or not function["description"].strip():
        raise Hint("add a `description`: the model reads it to decide when the tool is useful.")
    parameters = function.get("parameters")
    if not isinstance(parameters, dict) or parameters.get("type") != "object":
        raise Hint('`parameters` is a JSON schema for an object: {"type": "object", "properties": {...}, ...}.')
    properties = parameters.get("properties") or {}
    if missing := [name for name in _CURRENCY_FIELDS if name not in properties]:
        raise Hint(f"`properties` needs {', '.join(missing)} (it has {', '.join(properties) or 'nothing'}).")
    for name, json_type in _CURRENCY_FIELDS.items():
        found = properties[name].get("type") if isinstance(properties[name], dict) else None
        if found != json_type:
            why = " (amounts like 9.99 are not integers)" if name == "amount" else ""
            raise Hint(f'`{name}` should be {{"type": "{json_type}"}}{why}, not {found!r}.')
    if undocumented := [name for name in _CURRENCY_FIELDS if not properties[name].get("description")]:
        raise Hint(f"give {listed(undocumented)} a \"description\" too: the model reads it to fill the argument "
                   '(e.g. "from_currency": {"type": "string", "description": "The code to convert from, e.g. USD."}).')
    required = parameters.get("required") or []
    if sorted(required) != sorted(_CURRENCY_FIELDS):
        raise Hint(f"list all three parameters in `required`; you have {required}.")
    if parameters.get("additionalProperties") is not False:
        raise Hint('add "additionalProperties": False, so the model cannot invent arguments the function lacks.')

    spec = ToolSpec(function["name"], function["description"], parameters)
    decision = decide([Message("user", _CURRENCY_QUESTION)], [spec])
    expected = {"amount": 100, "from_currency": "USD", "to_currency": "EUR"}
    called = [(call.name, call.arguments) for call in decision.tool_calls]
    if called != [("convert_currency", expected)]:
        raise Hint(f"asked {_CURRENCY_QUESTION!r}, the offline model made the calls {called} with your schema "
                   f"instead of convert_currency{json.dumps(expected)}: check the description and field names.")
    return f"a valid tool: asked {_CURRENCY_QUESTION!r}, the offline model called convert_currency{json.dumps(expected)}."


def _get_weather(city: str) -> str:
    return f"The weather in {city} is sunny."


def _divide(a: float, b: float) -> float:
    return a / b


def _call(name: str, arguments: str, call_id: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


# (what the case is, the call, what the content must contain, what the content should do to say so)
_FAILURES = [
    ("an unknown tool name", _call("get_forecast", '{"city": "Paris"}', "call_3"), ["get_forecast", "get_weather"],
     "name the tool and list the tools that exist, get_weather and divide"),
    ("arguments that are not JSON", _call("get_weather", "{city: Paris}", "call_4"), ["JSON"],
     "say the arguments are not valid JSON"),
    ("a wrong argument name", _call("get_weather", '{"town": "Paris"}', "call_5"), ["town"],
     "include the message of the TypeError that calling the function raised"),
    ("a tool that fails", _call("divide", '{"a": 1, "b": 0}', "call_6"), ["division by zero"],
     "include the message of the ZeroDivisionError the function raised"),
]


@checker("write `tool_message(call, functions)` returning the `tool` message for one tool call.")
def check_tool_message(tool_message: Callable[[dict[str, Any], dict[str, Callable[..., Any]]], Any]) -> str:
    """Check a tool executor that answers every call, good or bad, with a `tool` message and never raises."""
    functions = {"get_weather": _get_weather, "divide": _divide}
    good = [
        (_call("get_weather", '{"city": "Paris"}', "call_1"), "The weather in Paris is sunny."),
        (_call("divide", '{"a": 1, "b": 4}', "call_2"), "0.25"),
    ]
    for call, content in good:
        message = tool_message(call, dict(functions))
        if not isinstance(message, dict):
            raise Hint(f"return a dict like {{'role': 'tool', 'tool_call_id': ..., 'content': ...}}, "
                       f"not {type(message).__name__}.")
        if message.get("role") != "tool":
            raise Hint(f"the message's role should be 'tool', not {message.get('role')!r}.")
        if message.get("tool_call_id") != call["id"]:
            raise Hint(f"`tool_call_id` should be the call's id, call['id'] ({call['id']!r}), "
                       f"not {message.get('tool_call_id')!r}.")
        if not isinstance(message.get("content"), str):
            raise Hint(f"`content` must be a string; the API does not accept {type(message.get('content')).__name__}: "
                       "use str(result).")
        if message["content"] != content:
            raise Hint(f"for {call['function']['name']}{call['function']['arguments']} the content should be "
                       f"{content!r}, not {message['content']!r}.")
    for case, call, needles, hint in _FAILURES:
        try:
            message = tool_message(call, dict(functions))
        except Exception as error:
            raise Hint(f"for {case}, `tool_message` raised {type(error).__name__}: return a `tool` message whose "
                       f"content starts with 'Error:' and {hint}.") from None
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str) or not content.startswith("Error:"):
            raise Hint(f"for {case}, the content should start with 'Error:' so the model knows the call failed; "
                       f"you returned {message!r}.")
        if message.get("tool_call_id") != call["id"]:
            raise Hint(f"for {case}, `tool_call_id` should still be the call's id ({call['id']!r}).")
        if not all(needle.lower() in content.lower() for needle in needles):
            raise Hint(f"for {case} the content was {content!r}, but it should {hint}.")
    return "every call gets a `tool` message: the result, or an error the model can act on."


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.


@reference_solution(check_convert_currency_tool)
def _convert_currency_tool():
    """A Chat Completions tool is `{"type": "function", "function": {"name", "description", "parameters"}}`, where
    `parameters` is a JSON schema: `"type": "object"`, a `properties` entry per parameter (each with its `type` and
    `description`), `required`, and `"additionalProperties": False` to allow no other arguments."""

    convert_currency_tool = {
        "type": "function",
        "function": {
            "name": "convert_currency",
            "description": "Convert an amount of money from one currency to another.",
            "parameters": {
                "type": "object",
                "properties": {
                    "amount": {"type": "number", "description": "How much money to convert."},
                    "from_currency": {"type": "string", "description": "The currency code to convert from, e.g. USD."},
                    "to_currency": {"type": "string", "description": "The currency code to convert to, e.g. EUR."},
                },
                "required": ["amount", "from_currency", "to_currency"],
                "additionalProperties": False,
            },
        },
    }
    return convert_currency_tool


@reference_solution(check_tool_message)
def _tool_message():
    """Every call must get an answer with its `tool_call_id`, even a bad one, or the next request is rejected. Handle
    the three problems in the order they can happen: the name, then `json.loads`, then the call itself."""

    def tool_message(call, functions):
        name, call_id = call["function"]["name"], call["id"]
        if name not in functions:
            content = f"Error: there is no tool {name!r}; the tools are {', '.join(functions)}."
            return {"role": "tool", "tool_call_id": call_id, "content": content}
        try:
            arguments = json.loads(call["function"]["arguments"])
        except json.JSONDecodeError as error:
            return {"role": "tool", "tool_call_id": call_id, "content": f"Error: the arguments are not JSON ({error})."}
        try:
            result = functions[name](**arguments)
        except Exception as error:  # the model reads the message and can try again
            return {"role": "tool", "tool_call_id": call_id, "content": f"Error: {name} failed: {error}"}
        return {"role": "tool", "tool_call_id": call_id, "content": str(result)}

    return tool_message
