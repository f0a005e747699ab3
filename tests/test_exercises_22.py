"""The checkers of notebook 22 accept right answers and give specific hints for blank or wrong ones."""

import asyncio

from agents import ModelRetrySettings, ModelSettings, RunErrorHandlerResult, retry_policies

from course_helpers.exercises.ex22_when_things_go_wrong import (check_max_turns_handler, check_retry_or_stop,
                                                               check_retry_settings)


def check(checker, answer) -> bool:
    return asyncio.run(checker(answer))


def settings(timeout=0.4, max_retries=4, policy=None, **retry) -> ModelSettings:
    if policy is None:
        policy = retry_policies.any(retry_policies.http_status([429, 500]), retry_policies.network_error())
    return ModelSettings(timeout=timeout, retry=ModelRetrySettings(max_retries=max_retries, policy=policy, **retry))


# ---------------------------------------------------------------- Exercise 1: retry settings


def test_retry_settings_worded_differently_pass(capsys):
    assert check(check_retry_settings, settings(backoff={"initial_delay": 0.01, "jitter": False}))
    out = capsys.readouterr().out
    assert out.startswith("✅ the run answered") and "after 4 requests (429, 500, stall, 200)" in out


def test_retry_settings_blank(capsys):
    assert not check(check_retry_settings, ...)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write `settings = ModelSettings(")


def test_retry_settings_that_are_not_model_settings(capsys):
    assert not check(check_retry_settings, ModelRetrySettings(max_retries=3))
    assert "should be a `ModelSettings(...)`, not a ModelRetrySettings" in capsys.readouterr().out


def test_retry_settings_without_retry(capsys):
    assert not check(check_retry_settings, ModelSettings(timeout=0.5))
    assert "the runner retries nothing, so the first failure, the 429, ends the run" in capsys.readouterr().out


def test_retry_settings_without_a_policy(capsys):
    assert not check(check_retry_settings, ModelSettings(timeout=0.5, retry=ModelRetrySettings(max_retries=3)))
    assert "without a `policy` retries nothing" in capsys.readouterr().out


def test_retry_settings_without_a_short_timeout(capsys):
    assert not check(check_retry_settings, settings(timeout=None))
    assert "request 3 never answers, so set `timeout=`" in capsys.readouterr().out
    assert not check(check_retry_settings, settings(timeout=30))
    assert "request 3 never answers" in capsys.readouterr().out


def test_retry_settings_with_too_few_retries(capsys):
    assert not check(check_retry_settings, settings(max_retries=2))
    assert "`max_retries` must be at least 3 (yours is 2)" in capsys.readouterr().out


def test_retry_settings_whose_policy_skips_timeouts(capsys):
    assert not check(check_retry_settings, settings(policy=retry_policies.provider_suggested()))
    assert "did not retry the timeout" in capsys.readouterr().out


def test_retry_settings_whose_policy_skips_http_errors(capsys):
    assert not check(check_retry_settings, settings(policy=retry_policies.network_error()))
    assert "your policy did not retry the 429" in capsys.readouterr().out


# ---------------------------------------------------------------- Exercise 2: a max_turns handler


def test_max_turns_handler_worded_differently_passes(capsys):
    async def out_of_time(data):
        return RunErrorHandlerResult(f"{data.run_data.last_agent.name} will write back to you shortly.")

    assert check(check_max_turns_handler, out_of_time)
    assert capsys.readouterr().out.startswith("✅ out of turns, the customer read: 'Parcel desk will write back")


def test_max_turns_handler_blank(capsys):
    def out_of_time(data):
        ...

    assert not check(check_max_turns_handler, out_of_time)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write `def out_of_time(data):`")


def test_max_turns_handler_returning_none(capsys):
    def out_of_time(data):
        print("sorry")

    assert not check(check_max_turns_handler, out_of_time)
    assert "returned None, which lets `MaxTurnsExceeded` raise" in capsys.readouterr().out


def test_max_turns_handler_that_does_not_name_the_agent(capsys):
    assert not check(check_max_turns_handler, lambda data: "Sorry, we ran out of time.")
    assert "(here 'Parcel desk') is not in 'Sorry, we ran out of time.'" in capsys.readouterr().out


def test_max_turns_handler_returning_something_other_than_text(capsys):
    assert not check(check_max_turns_handler, lambda data: {"agent": data.run_data.last_agent.name})
    assert "return a message for the customer (a non-empty string)" in capsys.readouterr().out


def test_max_turns_handler_that_raises(capsys):
    assert not check(check_max_turns_handler, lambda data: data.agent.name)
    assert "your code raised AttributeError" in capsys.readouterr().out


# ---------------------------------------------------------------- Exercise 3: retry or stop

CASES = ["a 429 from the model API", "a 400 from the model API", "get_order_status timed out", "charge_card timed out",
         "a streamed answer dropped after its first words"]
RIGHT = dict(zip(CASES, [True, False, True, False, False]))


def test_retry_or_stop_right_in_another_order(capsys):
    assert check_retry_or_stop(dict(reversed(list(RIGHT.items()))))
    assert capsys.readouterr().out.startswith("✅ retry what is transient and safe to repeat")


def test_retry_or_stop_blank(capsys):
    assert not check_retry_or_stop(dict.fromkeys(CASES, ...))
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — replace each `...` with True")
    assert not check_retry_or_stop(...)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet")


def test_retry_or_stop_half_done(capsys):
    assert not check_retry_or_stop({**RIGHT, "charge_card timed out": ...})
    assert "decide every case: 'charge_card timed out' is still `...`" in capsys.readouterr().out


def test_retry_or_stop_retrying_the_payment(capsys):
    assert not check_retry_or_stop({**RIGHT, "charge_card timed out": True})
    assert "may have gone through" in capsys.readouterr().out


def test_retry_or_stop_retrying_a_400_or_a_started_stream(capsys):
    assert not check_retry_or_stop({**RIGHT, "a 400 from the model API": True})
    assert "fails the same way every time" in capsys.readouterr().out
    assert not check_retry_or_stop({**RIGHT, "a streamed answer dropped after its first words": True})
    assert "already read part of the answer" in capsys.readouterr().out


def test_retry_or_stop_never_retrying(capsys):
    assert not check_retry_or_stop(dict.fromkeys(CASES, False))
    assert "wait as `Retry-After` says" in capsys.readouterr().out


def test_retry_or_stop_with_words_or_a_missing_case(capsys):
    assert not check_retry_or_stop({**RIGHT, "a 429 from the model API": "retry"})
    assert "True (retry) or False (stop), not 'retry'" in capsys.readouterr().out
    assert not check_retry_or_stop({case: RIGHT[case] for case in CASES[1:]})
    assert "'a 429 from the model API' is missing" in capsys.readouterr().out
    assert not check_retry_or_stop([True, False])
    assert "not a list" in capsys.readouterr().out
