"""Checkers for the exercises in notebooks/05_llm_apis_are_stateless.ipynb."""

from __future__ import annotations

import copy
from typing import Any, Callable

import httpx
import openai

from course_helpers.checks import reference_solution, Hint, checker
from course_helpers.endpoints import ChatEndpoint
from course_helpers.model_ids import OFFLINE_MODEL_ID
from course_helpers.server import start_server

_QUESTION = [
    {"role": "system", "content": "You are a concise maths tutor."},
    {"role": "user", "content": "What is 6 * 7?"},
]


@checker("write `ask(endpoint, messages)`: POST the messages to /chat/completions and return the reply's text.")
def check_ask(ask: Callable[[ChatEndpoint, list[dict[str, Any]]], Any]) -> str:
    """Check a function that makes one Chat Completions request with httpx and returns the answer text."""
    with start_server() as server:
        endpoint = ChatEndpoint(server.base_url, OFFLINE_MODEL_ID, "not-needed")
        messages = copy.deepcopy(_QUESTION)
        try:
            answer = ask(endpoint, messages)
        except (httpx.HTTPStatusError, openai.APIStatusError) as error:
            raise Hint(
                f"the server refused the request ({_reason(error)}). Send the JSON body "
                '{"model": endpoint.model, "messages": messages} to f"{endpoint.base_url}/chat/completions".'
            ) from None
        if messages != _QUESTION:
            raise Hint("`ask` changed the list of messages it was given; send it as it is.")
        if isinstance(answer, dict) and "choices" in answer:
            raise Hint('you returned the whole response body; return body["choices"][0]["message"]["content"].')
        if isinstance(answer, dict) and "role" in answer:
            raise Hint('you returned the assistant message; return its text, message["content"].')
        if not isinstance(answer, str):
            raise Hint(f"`ask` should return the reply's text (a str), not {type(answer).__name__}.")
        if answer != "6 * 7 = 42":
            raise Hint(f"the model answers '6 * 7 = 42' to these messages, but `ask` returned {answer!r}.")
        try:
            failed = ask(endpoint, [])  # the server rejects an empty conversation with 400
        except (httpx.HTTPStatusError, openai.APIStatusError):
            return "one POST, the answer's text back, and a clear error when the server refuses the request."
        except Exception as error:
            raise Hint(
                f"for a request the server refuses, `ask` raised {type(error).__name__} instead of saying what "
                "went wrong: call `response.raise_for_status()` before reading the body."
            ) from None
        raise Hint(
            f"for a request the server refuses (no messages), `ask` returned {failed!r}: "
            "call `response.raise_for_status()` so a failed request raises."
        )


@checker("write `next_messages(system_prompt, history, user_text)` returning the full list of messages to send.")
def check_next_messages(next_messages: Callable[[str, list[dict[str, Any]], str], Any]) -> str:
    """Check that a request carries the system prompt, the whole history and the new question, in order."""
    system_prompt = "You are a weather assistant."
    history = [
        {"role": "user", "content": "What is the weather in Paris?"},
        {"role": "assistant", "content": "It is sunny and 22 °C in Paris."},
    ]
    for past in (history, []):
        given = copy.deepcopy(past)
        messages = next_messages(system_prompt, given, "And in Oslo?")
        if given != past:
            raise Hint(
                "`next_messages` changed the `history` list it was given: build a new list, "
                "e.g. `[system_message, *history, user_message]`."
            )
        if not isinstance(messages, list):
            raise Hint(f"return a list of message dicts, not {type(messages).__name__}.")
        system = {"role": "system", "content": system_prompt}
        if not messages or messages[0] != system:
            raise Hint(
                "the first message should be the system prompt, "
                f"{system}: the API keeps no instructions between calls, so every request carries them."
            )
        if messages[-1:] != [{"role": "user", "content": "And in Oslo?"}]:
            raise Hint("the last message should be the new question: {'role': 'user', 'content': user_text}.")
        if messages[1:-1] != past:
            raise Hint(
                "between the system prompt and the new question, resend the whole history, in order: "
                f"expected {len(past)} earlier messages, found {len(messages) - 2}."
            )
    return "system prompt first, the whole history, then the new question: all the model will know."


def _reason(error: Exception) -> str:
    """The status code and the server's error message, from an httpx or openai error."""
    response = getattr(error, "response", None)
    try:
        message = response.json()["error"]["message"]
    except Exception:
        message = str(error)
    status = getattr(response, "status_code", "an error")
    return f"{status}: {message}"


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.


@reference_solution(check_ask)
def _ask():
    """It is one POST: the JSON body holds `model` and `messages`, the key goes in `Authorization: Bearer ...`, and
    the text is `response.json()["choices"][0]["message"]["content"]`. `response.raise_for_status()` raises on a
    refusal (a 4xx or 5xx status)."""

    def ask(endpoint, messages):
        response = httpx.post(
            f"{endpoint.base_url}/chat/completions",
            json={"model": endpoint.model, "messages": messages},
            headers={"Authorization": f"Bearer {endpoint.api_key}"},
            timeout=30,
        )
        response.raise_for_status()  # a refused request raises instead of returning an error body as the answer
        return response.json()["choices"][0]["message"]["content"]

    return ask


@reference_solution(check_next_messages)
def _next_messages():
    """The server remembers nothing, so each request carries the system message, then the whole history, then the
    new user message. Build a new list (`[first, *history, last]`) instead of appending to `history`."""

    def next_messages(system_prompt, history, user_text):
        return [{"role": "system", "content": system_prompt}, *history, {"role": "user", "content": user_text}]

    return next_messages
