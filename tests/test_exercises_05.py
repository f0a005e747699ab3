"""The checkers of notebook 05 accept right answers and give specific hints for blank or wrong ones."""

import httpx

from course_helpers.exercises.ex05_llm_apis_are_stateless import check_ask, check_next_messages


def _post(endpoint, messages):
    return httpx.post(
        f"{endpoint.base_url}/chat/completions",
        json={"model": endpoint.model, "messages": messages},
        headers={"Authorization": f"Bearer {endpoint.api_key}"},
        timeout=10,
    )


ask = check_ask.reference()  # the reference solution, from the package


def test_ask_accepts_a_right_answer(capsys):
    assert check_ask(ask)
    assert capsys.readouterr().out.startswith("✅ one POST")


def test_ask_blank(capsys):
    def blank(endpoint, messages):
        ...

    assert not check_ask(blank)
    assert not check_ask(...)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith("✏️ Not attempted yet — write `ask") for line in lines)


def test_ask_returning_the_whole_body(capsys):
    def whole_body(endpoint, messages):
        return _post(endpoint, messages).json()

    assert not check_ask(whole_body)
    assert 'return body["choices"][0]["message"]["content"]' in capsys.readouterr().out


def test_ask_returning_the_message(capsys):
    def message(endpoint, messages):
        return _post(endpoint, messages).json()["choices"][0]["message"]

    assert not check_ask(message)
    assert 'return its text, message["content"]' in capsys.readouterr().out


def test_ask_without_raise_for_status(capsys):
    def unchecked(endpoint, messages):
        return _post(endpoint, messages).json()["choices"][0]["message"]["content"]

    assert not check_ask(unchecked)
    assert "raised KeyError" in capsys.readouterr().out


def test_ask_that_hides_errors(capsys):
    def silent(endpoint, messages):
        body = _post(endpoint, messages).json()
        return body["choices"][0]["message"]["content"] if "choices" in body else ""

    assert not check_ask(silent)
    out = capsys.readouterr().out
    assert "returned ''" in out and "call `response.raise_for_status()`" in out


def test_ask_without_the_model(capsys):
    def no_model(endpoint, messages):
        response = httpx.post(f"{endpoint.base_url}/chat/completions", json={"messages": messages}, timeout=10)
        response.raise_for_status()
        return response.json()["choices"][0]["message"]["content"]

    assert not check_ask(no_model)
    out = capsys.readouterr().out
    assert "refused the request (400: 'model' must be a non-empty string" in out
    assert '"model": endpoint.model' in out


def test_ask_that_sends_only_the_last_message(capsys):
    def last_only(endpoint, messages):
        return ask(endpoint, messages[-1:] + [{"role": "user", "content": "Hello"}])

    assert not check_ask(last_only)
    assert "the model answers '6 * 7 = 42'" in capsys.readouterr().out


next_messages = check_next_messages.reference()  # the reference solution, from the package


def test_next_messages_accepts_a_right_answer(capsys):
    assert check_next_messages(next_messages)
    assert capsys.readouterr().out.startswith("✅ system prompt first")


def test_next_messages_blank(capsys):
    def blank(system_prompt, history, user_text):
        ...

    assert not check_next_messages(blank)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write `next_messages")


def test_next_messages_that_appends_to_history(capsys):
    def appends(system_prompt, history, user_text):
        history.append({"role": "user", "content": user_text})
        return [{"role": "system", "content": system_prompt}, *history]

    assert not check_next_messages(appends)
    assert "changed the `history` list" in capsys.readouterr().out


def test_next_messages_without_the_system_prompt(capsys):
    def no_system(system_prompt, history, user_text):
        return [*history, {"role": "user", "content": user_text}]

    assert not check_next_messages(no_system)
    assert "the first message should be the system prompt" in capsys.readouterr().out


def test_next_messages_that_forgets_the_history(capsys):
    def forgets(system_prompt, history, user_text):
        return [{"role": "system", "content": system_prompt}, {"role": "user", "content": user_text}]

    assert not check_next_messages(forgets)
    assert "resend the whole history, in order: expected 2 earlier messages, found 0" in capsys.readouterr().out


def test_next_messages_with_the_question_first(capsys):
    def question_first(system_prompt, history, user_text):
        return [{"role": "system", "content": system_prompt}, {"role": "user", "content": user_text}, *history]

    assert not check_next_messages(question_first)
    assert "the last message should be the new question" in capsys.readouterr().out
