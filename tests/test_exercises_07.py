"""The checkers of notebook 07 accept right answers and give specific hints for blank or wrong ones."""

import asyncio
import json

from agents.run_config import ModelInputData

from course_helpers.exercises.ex07_agent_loop_from_scratch import check_agent_loop, check_keep_current_turn


agent_loop = check_agent_loop.reference()  # the reference solution, from the package


def test_agent_loop_accepts_a_right_answer(capsys):
    assert check_agent_loop(agent_loop)
    assert capsys.readouterr().out.startswith("✅ your loop chains tools")


def test_agent_loop_blank(capsys):
    def blank(call_model, question, functions, max_turns=5):
        ...

    assert not check_agent_loop(blank)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write `agent_loop")


def test_agent_loop_with_a_system_message(capsys):
    def with_system(call_model, question, functions, max_turns=5):
        return agent_loop(lambda messages: call_model([{"role": "system", "content": "Hi"}, *messages]),
                          question, functions, max_turns)

    assert not check_agent_loop(with_system)
    assert "the first call should send exactly one message, {'role': 'user'" in capsys.readouterr().out


def test_agent_loop_that_forgets_the_assistant_message(capsys):
    def no_assistant(call_model, question, functions, max_turns=5):
        messages = [{"role": "user", "content": question}]
        for _ in range(max_turns):
            reply = call_model(messages)
            if not reply.get("tool_calls"):
                return reply["content"]
            for call in reply["tool_calls"]:
                output = functions[call["function"]["name"]](**json.loads(call["function"]["arguments"]))
                messages.append({"role": "tool", "tool_call_id": call["id"], "content": str(output)})
        raise RuntimeError("too many turns")

    assert not check_agent_loop(no_assistant)
    assert "append the model's reply (the assistant message with its tool_calls)" in capsys.readouterr().out


def test_agent_loop_that_never_sends_tool_results(capsys):
    def no_results(call_model, question, functions, max_turns=5):
        messages = [{"role": "user", "content": question}]
        for _ in range(max_turns):
            reply = call_model(messages)
            messages.append(reply)
            if not reply.get("tool_calls"):
                return reply["content"]
            for call in reply["tool_calls"]:
                functions[call["function"]["name"]](**json.loads(call["function"]["arguments"]))
        raise RuntimeError("too many turns")

    assert not check_agent_loop(no_results)
    assert "append one message per call, {'role': 'tool', 'tool_call_id'" in capsys.readouterr().out


def test_agent_loop_that_runs_only_the_first_call(capsys):
    def first_call_only(call_model, question, functions, max_turns=5):
        messages = [{"role": "user", "content": question}]
        for _ in range(max_turns):
            reply = call_model(messages)
            messages.append(reply)
            if not reply.get("tool_calls"):
                return reply["content"]
            call = reply["tool_calls"][0]
            output = functions[call["function"]["name"]](**json.loads(call["function"]["arguments"]))
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": str(output)})
        raise RuntimeError("too many turns")

    assert not check_agent_loop(first_call_only)
    assert "the model asked for 2 tool calls in one reply: run every one" in capsys.readouterr().out


def test_agent_loop_that_sends_the_raw_result(capsys):
    def raw_result(call_model, question, functions, max_turns=5):
        wrapped = {name: (lambda f: lambda **kwargs: f"Result: {f(**kwargs)}")(f) for name, f in functions.items()}
        return agent_loop(call_model, question, wrapped, max_turns)

    assert not check_agent_loop(raw_result)
    assert "should be the function's output 'Paris', not 'Result: Paris'" in capsys.readouterr().out


def test_agent_loop_that_returns_the_message(capsys):
    def returns_message(call_model, question, functions, max_turns=5):
        content = agent_loop(call_model, question, functions, max_turns)
        return {"role": "assistant", "content": content}

    assert not check_agent_loop(returns_message)
    assert "return its content ('It is sunny in Paris.')" in capsys.readouterr().out


def test_agent_loop_without_a_turn_limit(capsys):
    def endless(call_model, question, functions, max_turns=5):
        return agent_loop(call_model, question, functions, max_turns=1000)

    assert not check_agent_loop(endless)
    assert "the loop called the model 10 times and did not stop" in capsys.readouterr().out


def test_agent_loop_that_returns_none_at_the_limit(capsys):
    def gives_up_quietly(call_model, question, functions, max_turns=5):
        try:
            return agent_loop(call_model, question, functions, max_turns)
        except RuntimeError:
            return None

    assert not check_agent_loop(gives_up_quietly)
    assert "should make the loop raise RuntimeError after max_turns model calls; it returned None after 3" in (
        capsys.readouterr().out)


def test_agent_loop_off_by_one(capsys):
    def one_more(call_model, question, functions, max_turns=5):
        return agent_loop(call_model, question, functions, max_turns + 1)

    assert not check_agent_loop(one_more)
    assert "with max_turns=3, call the model 3 times before raising; it was called 4 times" in (
        capsys.readouterr().out)


keep_current_turn = check_keep_current_turn.reference()  # the reference solution, from the package


def test_keep_current_turn_accepts_a_right_answer(capsys):
    assert asyncio.run(check_keep_current_turn(keep_current_turn))
    assert capsys.readouterr().out.startswith("✅ the model saw only the current turn")


def test_keep_current_turn_blank(capsys):
    def blank(data):
        ...

    assert not asyncio.run(check_keep_current_turn(blank))
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write `keep_current_turn")


def test_keep_current_turn_returning_a_list(capsys):
    def returns_list(data):
        return keep_current_turn(data).input

    assert not asyncio.run(check_keep_current_turn(returns_list))
    assert "return `ModelInputData(input=..., instructions=...)`, not list" in capsys.readouterr().out


def test_keep_current_turn_dropping_the_instructions(capsys):
    def no_instructions(data):
        return ModelInputData(input=keep_current_turn(data).input, instructions=None)

    assert not asyncio.run(check_keep_current_turn(no_instructions))
    assert "keep the instructions as they are" in capsys.readouterr().out


def test_keep_current_turn_that_keeps_everything(capsys):
    def unchanged(data):
        return data.model_data

    assert not asyncio.run(check_keep_current_turn(unchanged))
    assert "the first call still got the whole history (5 items)" in capsys.readouterr().out


def test_keep_current_turn_that_keeps_only_the_last_item(capsys):
    def last_item_only(data):
        return ModelInputData(input=data.model_data.input[-1:], instructions=data.model_data.instructions)

    assert not asyncio.run(check_keep_current_turn(last_item_only))
    assert "on the second call the model should see the question and this turn's tool call and output (3 items)" in (
        capsys.readouterr().out)


def test_keep_current_turn_that_keeps_the_first_user_message(capsys):
    def first_user(data):
        items = data.model_data.input
        start = min(index for index, item in enumerate(items) if item.get("role") == "user")
        return ModelInputData(input=items[start + 1:], instructions=data.model_data.instructions)

    assert not asyncio.run(check_keep_current_turn(first_user))
    assert "the kept input should start with the latest user message" in capsys.readouterr().out
