"""The checkers of notebook 19 accept right answers and give specific hints for blank or wrong ones."""

import asyncio

from agents import Runner
from agents.testing import ModelStep, assistant_message, function_call

from course_helpers.exercises.ex19_testing_agents import check_routing_accuracy, check_weather_script

WEATHER_CALL = function_call("get_weather", {"city": "Paris"}, call_id="call_1")
ANSWER = assistant_message("It is sunny in Paris.")


def run_check(check, answer):
    return asyncio.run(check(answer))


def test_weather_script_accepts_a_right_answer(capsys):
    assert run_check(check_weather_script, [[WEATHER_CALL], [ANSWER]])
    assert capsys.readouterr().out.startswith("✅ the scripted model called get_weather for Paris")


def test_weather_script_accepts_model_steps_too(capsys):
    assert run_check(check_weather_script, [ModelStep(output=[WEATHER_CALL]), {"output": [ANSWER]}])
    assert capsys.readouterr().out.startswith("✅")


def test_weather_script_blank(capsys):
    assert not run_check(check_weather_script, ...)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — fill in `weather_steps`")


def test_weather_script_without_the_answer_step(capsys):
    assert not run_check(check_weather_script, [[WEATHER_CALL]])
    assert "the script ran out" in capsys.readouterr().out


def test_weather_script_calling_a_tool_the_agent_lacks(capsys):
    wrong = function_call("weather", {"city": "Paris"}, call_id="call_1")
    assert not run_check(check_weather_script, [[wrong], [ANSWER]])
    assert "one tool, `get_weather`" in capsys.readouterr().out


def test_weather_script_for_the_wrong_city(capsys):
    london = function_call("get_weather", {"city": "London"}, call_id="call_1")
    assert not run_check(check_weather_script, [[london], [ANSWER]])
    assert "get_weather ran with ['London']" in capsys.readouterr().out


def test_weather_script_with_a_step_left_over(capsys):
    assert not run_check(check_weather_script, [[WEATHER_CALL], [ANSWER], [ANSWER]])
    assert "1 scripted model step(s) were not consumed" in capsys.readouterr().out


def test_weather_script_with_a_bare_item_instead_of_a_list(capsys):
    assert not run_check(check_weather_script, [WEATHER_CALL, ANSWER])
    assert "ScriptedModel refused a step" in capsys.readouterr().out


routing_accuracy = check_routing_accuracy.reference()  # the reference solution, from the package


async def routing_hits(agent, cases):
    return sum([(await Runner.run(agent, m)).last_agent.name == e for m, e in cases])


async def comparing_agent_objects(agent, cases):
    results = [await Runner.run(agent, message) for message, _ in cases]
    return sum(r.last_agent == expected for r, (_, expected) in zip(results, cases)) / len(cases)


async def always_half(agent, cases):
    return 0.5


def routing_accuracy_not_async(agent, cases):
    return 1.0


async def blank_routing_accuracy(agent, cases):
    ...


def test_routing_accuracy_accepts_a_right_answer(capsys):
    assert run_check(check_routing_accuracy, routing_accuracy)
    assert capsys.readouterr().out.startswith("✅ routing accuracy is measured")


def test_routing_accuracy_blank(capsys):
    assert not run_check(check_routing_accuracy, blank_routing_accuracy)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet")


def test_routing_accuracy_counting_hits(capsys):
    assert not run_check(check_routing_accuracy, routing_hits)
    assert "divide by the number of cases (5)" in capsys.readouterr().out


def test_routing_accuracy_comparing_agents_with_names(capsys):
    assert not run_check(check_routing_accuracy, comparing_agent_objects)
    assert "compare `result.last_agent.name`" in capsys.readouterr().out


def test_routing_accuracy_hard_coded(capsys):
    assert not run_check(check_routing_accuracy, always_half)  # right for the first set, wrong for the second
    assert "the accuracy is 0.80, not 0.5" in capsys.readouterr().out


def test_routing_accuracy_not_async(capsys):
    assert not run_check(check_routing_accuracy, routing_accuracy_not_async)
    assert "make it `async def" in capsys.readouterr().out
