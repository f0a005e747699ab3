"""Checkers for the exercises in notebooks/19_testing_agents.ipynb."""

from __future__ import annotations

import inspect
from typing import Any

from agents import Agent, ModelBehaviorError, RunConfig, Runner, function_tool, trace
from agents.testing import InvalidModelStep, ScriptedModel, UnconsumedModelSteps, UnexpectedModelCall

from course_helpers.checks import reference_solution, Hint, checker
from course_helpers.offline import OfflineModel

__all__ = ["check_routing_accuracy", "check_weather_script"]

_QUESTION = "What is the weather in Paris?"
_ANSWER = "It is sunny in Paris."


def _weather_agent(cities: list[str]) -> Agent:
    @function_tool
    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        cities.append(city)
        return f"The weather in {city} is sunny."

    return Agent(name="Weather agent", instructions="Answer questions about the weather.", tools=[get_weather])


@checker("fill in `weather_steps`: a list of two scripted model steps (a tool call, then an answer).")
async def check_weather_script(weather_steps: Any) -> str:
    """Run the weather agent on a ScriptedModel built from the learner's steps."""
    if not isinstance(weather_steps, (list, tuple)):
        raise Hint(f"`weather_steps` should be a list of steps, not a {type(weather_steps).__name__}.")
    try:
        model = ScriptedModel(weather_steps)
    except InvalidModelStep as error:
        raise Hint(f"ScriptedModel refused a step ({error}). Each step is a list of output items.") from None
    cities: list[str] = []
    config = RunConfig(model=model, tracing_disabled=True)
    try:
        result = await Runner.run(_weather_agent(cities), _QUESTION, run_config=config)
    except UnexpectedModelCall:
        raise Hint(
            "the script ran out: after the tool result, the runner calls the model again. "
            f"Add a second step, `[assistant_message({_ANSWER!r})]`."
        ) from None
    except ModelBehaviorError as error:
        raise Hint(f"the agent has one tool, `get_weather`, and the script called another ({error}).") from None
    if cities != ["Paris"]:
        raise Hint(
            f"get_weather ran with {cities}; the first step should be "
            "`[function_call('get_weather', {'city': 'Paris'}, call_id='call_1')]`."
        )
    if result.final_output != _ANSWER:
        raise Hint(f"the final answer was {result.final_output!r}; make the last step answer {_ANSWER!r}.")
    try:
        model.assert_complete()
    except UnconsumedModelSteps as error:
        raise Hint(f"{error} Remove the steps the run never used.") from None
    return "the scripted model called get_weather for Paris, then answered; every step was used."


def _support_agents() -> Agent:
    """A triage agent with two specialists, all on the offline model so the runs are the same everywhere."""
    offline = OfflineModel()
    billing = Agent(name="Billing agent", model=offline, handoff_description="Invoices, charges and payments.")
    refunds = Agent(name="Refunds agent", model=offline, handoff_description="Refunds for damaged or late orders.")
    return Agent(name="Triage agent", model=offline, instructions="Route the customer.", handoffs=[billing, refunds])


# Each set has cases the offline model routes as expected and cases it misses, so the accuracy is between 0 and 1.
_CASES = [
    [("I was charged twice on invoice 1042.", "Billing agent"),
     ("Order 7731 arrived damaged, please refund it.", "Refunds agent"),
     ("Can I pay by bank transfer?", "Billing agent"),
     ("My teapot is broken, I want my money back.", "Refunds agent"),
     ("The spout is chipped.", "Refunds agent")],
    [("Please refund my late order.", "Refunds agent"),
     ("Hello there!", "Triage agent"),
     ("Why is there a second charge on my invoice?", "Billing agent"),
     ("The lid cracked on arrival.", "Refunds agent"),
     ("I never received the parcel and want a refund.", "Refunds agent")],
]


async def _truth(agent: Agent, cases: list[tuple[str, str]]) -> tuple[float, int]:
    """The accuracy, and the number of cases routed as expected."""
    names = [(await Runner.run(agent, message)).last_agent.name for message, _ in cases]
    hits = sum(name == expected for name, (_, expected) in zip(names, cases))
    return hits / len(cases), hits


@checker("fill in `routing_accuracy(agent, cases)` so it runs each message and returns the share routed right.")
async def check_routing_accuracy(routing_accuracy: Any) -> str:
    """Compare the learner's accuracy with the checker's own, on two sets of cases."""
    if not inspect.iscoroutinefunction(routing_accuracy):
        raise Hint("make it `async def routing_accuracy(agent, cases):` so it can `await Runner.run(...)`.")
    for cases in _CASES:
        agent = _support_agents()
        with trace("Checking routing_accuracy", disabled=True):  # the learner's runs make no traces of their own
            expected, hits = await _truth(agent, cases)
            answer = await routing_accuracy(agent, list(cases))
        if not isinstance(answer, (int, float)) or isinstance(answer, bool):
            raise Hint(f"return a number between 0 and 1, not {answer!r}.")
        if answer == hits and hits != expected:
            raise Hint(f"you returned the number of hits ({hits}); divide by the number of cases ({len(cases)}).")
        if answer == 0 and expected > 0:
            raise Hint(
                "no case counted as right: compare `result.last_agent.name` (a string) with the expected name."
            )
        if abs(answer - expected) > 1e-9:
            raise Hint(
                f"for these {len(cases)} cases the offline model routes {hits} as expected, so the accuracy is "
                f"{expected:.2f}, not {answer!r}. Count a case when `result.last_agent.name == expected_agent`."
            )
    return "routing accuracy is measured by running every case: a small evaluation you can rerun after any change."


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.


@reference_solution(check_weather_script)
def _weather_script():
    """A script is a list of steps, one per model call, and each step is a list of output items: first a
    `function_call("get_weather", {"city": "Paris"}, call_id=...)`, then, after the tool ran, an
    `assistant_message("It is sunny in Paris.")`."""

    from agents.testing import assistant_message, function_call

    weather_steps = [
        [function_call("get_weather", {"city": "Paris"}, call_id="call_1")],  # model call 1: ask for the tool
        [assistant_message("It is sunny in Paris.")],  # model call 2: answer with its output in view
    ]
    return weather_steps


@reference_solution(check_routing_accuracy)
def _routing_accuracy():
    """Loop over the `(message, expected)` pairs, `await Runner.run(agent, message)` for each, count the results whose
    `last_agent.name == expected`, and divide by `len(cases)`."""

    async def routing_accuracy(agent, cases) -> float:
        hits = 0
        for message, expected_agent in cases:
            result = await Runner.run(agent, message)
            hits += result.last_agent.name == expected_agent
        return hits / len(cases)

    return routing_accuracy
