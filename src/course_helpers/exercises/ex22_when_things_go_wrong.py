"""Checkers for notebook 22: retry settings that survive injected failures, a `max_turns` handler, retry or stop."""

from __future__ import annotations

import asyncio
from typing import Any

import openai
from agents import (Agent, MaxTurnsExceeded, ModelRetrySettings, ModelSettings, ModelTimeoutError,
                    OpenAIChatCompletionsModel, RunConfig, Runner, function_tool, retry_policies)

from course_helpers.checks import Hint, checker, offline_run_config, reference_solution
from course_helpers.failures import Failure
from course_helpers.model_ids import OFFLINE_MODEL_ID
from course_helpers.server import OfflineServer

__all__ = ["check_retry_settings", "check_max_turns_handler", "check_retry_or_stop"]

_FAILURES = {1: Failure("429", retry_after=0.05), 2: "500", 3: "stall"}
_LONGEST_TIMEOUT = 2.0  # seconds: the stalled request costs this much; far more only makes the learner wait
_GUARD_SECONDS = 20  # far longer than a right answer takes (well under a second); stops slow backoffs hanging


@checker("write `settings = ModelSettings(timeout=..., retry=ModelRetrySettings(max_retries=..., policy=...))`.",
         value_answer=True)
async def check_retry_settings(settings: Any) -> str:
    """Run a calculator with `settings` against a server that answers 429, 500, then nothing, then recovers."""
    if not isinstance(settings, ModelSettings):
        raise Hint(f"`settings` should be a `ModelSettings(...)`, not a {type(settings).__name__}: the retries go in "
                   "its `retry=` and the time limit in its `timeout=`.")
    retry = settings.retry
    if retry is None:
        raise Hint("without `retry=ModelRetrySettings(...)` the runner retries nothing, so the first failure, the "
                   "429, ends the run.")
    if retry.policy is None:
        raise Hint("a `ModelRetrySettings` without a `policy` retries nothing: add `policy=` with a policy from "
                   "`retry_policies`.")
    if settings.timeout is None or settings.timeout > _LONGEST_TIMEOUT:
        raise Hint("request 3 never answers, so set `timeout=` on the `ModelSettings` to a second or less: the "
                   "stalled attempt then ends and can be retried.")
    if (retry.max_retries or 0) < 3:
        raise Hint(f"three requests fail before the fourth is answered, so `max_retries` must be at least 3 (yours "
                   f"is {retry.max_retries}).")
    with OfflineServer(failures=_FAILURES) as server:
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="not-needed", max_retries=0)
        model = OpenAIChatCompletionsModel(model=OFFLINE_MODEL_ID, openai_client=client)
        calculator = Agent(name="Calculator", instructions="Answer briefly.", model=model, model_settings=settings)
        try:
            run = Runner.run(calculator, "What is 12 * 7?", run_config=RunConfig(tracing_disabled=True))
            result = await asyncio.wait_for(run, _GUARD_SECONDS)
        except ModelTimeoutError:
            raise Hint("the stalled request timed out and your policy did not retry the timeout: combine "
                       "`retry_policies.provider_suggested()` with `retry_policies.network_error()`, which retries "
                       "timeouts, in `retry_policies.any(...)`.") from None
        except openai.APIStatusError as error:
            raise Hint(f"your policy did not retry the {error.status_code}: `retry_policies.provider_suggested()` "
                       "retries what the provider says is worth retrying, 429s and 500s among them.") from None
        except asyncio.TimeoutError:
            raise Hint(f"the run took over {_GUARD_SECONDS} s: keep the `backoff` delays short (or leave `backoff` "
                       "out for the SDK's defaults).") from None
        finally:
            await client.close()
    outcomes = ", ".join(answer.outcome.split()[0] for answer in server.answers)
    return f"the run answered {result.final_output!r} after {len(server.answers)} requests ({outcomes})."


@reference_solution(check_retry_settings)
def _retry_settings():
    """Three parts: `retry=ModelRetrySettings(...)` with `max_retries` of at least 3; a `policy` that retries HTTP
    errors and timeouts alike (`retry_policies.any(...)` of two ready-made policies); and a short `timeout=`."""
    settings = ModelSettings(
        timeout=0.5,
        retry=ModelRetrySettings(
            max_retries=3,
            policy=retry_policies.any(retry_policies.provider_suggested(), retry_policies.network_error()),
        ),
    )
    return settings


@function_tool
def _look_up_parcel(parcel_id: int) -> str:
    """Find where a parcel is."""
    return f"Parcel {parcel_id} is at the depot."


@checker("write `def out_of_time(data):` that returns a string naming `data.run_data.last_agent.name`.")
async def check_max_turns_handler(out_of_time: Any) -> str:
    """Run an agent that needs two turns with `max_turns=1` and the learner's handler for `max_turns`."""
    seen: list[Any] = []

    def handler(data: Any) -> Any:
        seen.append(data)
        return out_of_time(data)

    desk = Agent(name="Parcel desk", instructions="Help with parcels.", tools=[_look_up_parcel])
    try:
        result = await Runner.run(desk, "Where is parcel 5120?", max_turns=1, error_handlers={"max_turns": handler},
                                  run_config=offline_run_config())
    except MaxTurnsExceeded:
        raise Hint("your handler returned None, which lets `MaxTurnsExceeded` raise: `return` the message for the "
                   "customer.") from None
    if not seen:
        raise Hint("the run never ran out of turns, so your handler was not called; pass it as "
                   "`error_handlers={'max_turns': out_of_time}`.")
    output = result.final_output
    if not isinstance(output, str) or not output.strip():
        raise Hint(f"return a message for the customer (a non-empty string), not {output!r}.")
    if desk.name.lower() not in output.lower():
        raise Hint(f"name the agent that was working on it: `data.run_data.last_agent.name` (here {desk.name!r}) "
                   f"is not in {output!r}.")
    return f"out of turns, the customer read: {output!r}"


@reference_solution(check_max_turns_handler)
def _out_of_time():
    """A handler gets a `RunErrorHandlerInput`: `data.run_data.last_agent` is the agent that was working; whatever
    the handler returns becomes `result.final_output`."""

    def out_of_time(data):
        agent = data.run_data.last_agent.name
        return f"Sorry, this is taking longer than it should. Your question is saved and {agent} will answer it."

    return out_of_time


_RETRY_OR_STOP = {
    "a 429 from the model API": (True, "a 429 means 'not now': wait as `Retry-After` says, and the same request "
                                       "will be answered"),
    "a 400 from the model API": (False, "a 400 means the request itself is wrong, so it fails the same way every "
                                        "time: fix the request instead"),
    "get_order_status timed out": (True, "reading an order twice changes nothing (it is idempotent), so another try "
                                         "is safe"),
    "charge_card timed out": (False, "a timed-out charge may have gone through, as the ledger in section 7 showed: "
                                     "check the provider's records before charging again"),
    "a streamed answer dropped after its first words": (False, "the user has already read part of the answer, so "
                                                               "the runner will not replay it: start a new run or "
                                                               "ask the user"),
}


@checker("replace each `...` with True (retry it) or False (stop and decide something else).", value_answer=True)
def check_retry_or_stop(decisions: Any) -> str:
    """Check which failures the learner would retry: the idempotent and transient ones, never a payment."""
    if not isinstance(decisions, dict):
        raise Hint(f"`decisions` should be the dict of five cases with True or False for each, not a "
                   f"{type(decisions).__name__}.")
    if missing := [case for case in _RETRY_OR_STOP if case not in decisions]:
        raise Hint(f"keep every case of the starting dict; {missing[0]!r} is missing.")
    undecided = [case for case in _RETRY_OR_STOP if decisions[case] is ...]
    if len(undecided) == len(_RETRY_OR_STOP):
        raise NotImplementedError
    if undecided:
        raise Hint(f"decide every case: {undecided[0]!r} is still `...`.")
    if odd := [case for case in _RETRY_OR_STOP if not isinstance(decisions[case], bool)]:
        raise Hint(f"answer with True (retry) or False (stop), not {decisions[odd[0]]!r} for {odd[0]!r}.")
    for case, (retry, why) in _RETRY_OR_STOP.items():
        if decisions[case] is not retry:
            raise Hint(f"{case!r}: {why}.")
    return "retry what is transient and safe to repeat; stop on what may already have happened or was seen."


@reference_solution(check_retry_or_stop)
def _retry_or_stop():
    """Ask of each case: would the same request, sent again, succeed, and is doing it twice harmless? Retry only
    when both are true."""
    decisions = {
        "a 429 from the model API": True,
        "a 400 from the model API": False,
        "get_order_status timed out": True,
        "charge_card timed out": False,
        "a streamed answer dropped after its first words": False,
    }
    return decisions
