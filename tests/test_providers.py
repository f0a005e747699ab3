"""`setup()`: provider choice, keys kept secret, the default model for every run, and one-sentence errors."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import types

import httpx
import openai
import pytest
from agents import Agent, ModelSettings, RunConfig, Runner, function_tool
from agents.models import get_default_model
from agents.retry import ModelRetryAdviceRequest
from agents.run import get_default_agent_runner
from agents.testing import ScriptedModel, assistant_message

from conftest import SECRET, processors

from course_helpers import model_ids, providers
from course_helpers.errors import CourseProviderError, CourseSetupError
from course_helpers.offline import OfflineModel, OfflineModelResponse
from course_helpers.providers import setup

pytestmark = pytest.mark.usefixtures("fresh_course_state")


def run(agent, run_config=None):
    return asyncio.run(Runner.run(agent, "What is the weather in Paris?", run_config=run_config))


@function_tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny in {city}"


# --- Which provider ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("env", "provider", "model_id"), [
    ({}, "offline", model_ids.OFFLINE_MODEL_ID),
    ({"OPENAI_API_KEY": SECRET}, "openai", model_ids.OPENAI_MODEL_ID),
    ({"GEMINI_API_KEY": SECRET}, "gemini", model_ids.GEMINI_MODEL_ID),
    ({"GOOGLE_API_KEY": SECRET}, "gemini", model_ids.GEMINI_MODEL_ID),
    ({"OPENAI_API_KEY": SECRET, "GEMINI_API_KEY": SECRET}, "openai", model_ids.OPENAI_MODEL_ID),
    ({"COURSE_PROVIDER": "offline", "OPENAI_API_KEY": SECRET}, "offline", model_ids.OFFLINE_MODEL_ID),
    ({"COURSE_PROVIDER": "openai", "OPENAI_API_KEY": SECRET}, "openai", model_ids.OPENAI_MODEL_ID),
    ({"COURSE_PROVIDER": "gemini", "GOOGLE_API_KEY": SECRET, "OPENAI_API_KEY": SECRET}, "gemini",
     model_ids.GEMINI_MODEL_ID),
    ({"COURSE_PROVIDER": " OpenAI ", "OPENAI_API_KEY": SECRET}, "openai", model_ids.OPENAI_MODEL_ID),
    ({"COURSE_PROVIDER": "openai-compatible", "COURSE_BASE_URL": "http://localhost:11434/v1",
      "COURSE_MODEL": "llama3.2"}, "openai-compatible", "llama3.2"),
    ({"OPENAI_API_KEY": SECRET, "COURSE_MODEL": "gpt-custom"}, "openai", "gpt-custom"),
    ({"GEMINI_API_KEY": SECRET, "COURSE_MODEL": "gemini-custom"}, "gemini", "gemini-custom"),
])
def test_setup_chooses_the_provider_from_the_environment(env, provider, model_id, capsys):
    os.environ.update(env)
    course = setup()
    assert (course.provider, course.model_id) == (provider, model_id)
    assert SECRET not in capsys.readouterr().out


def test_the_argument_wins_over_the_environment(capsys):
    os.environ.update(COURSE_PROVIDER="openai", OPENAI_API_KEY=SECRET)
    assert setup("offline").provider == "offline"
    assert setup("openai").provider == "openai"
    assert capsys.readouterr().out.splitlines()[-1].endswith('Call setup("offline") to run offline.')


def test_the_offline_model_is_the_course_model(capsys):
    course = setup()
    assert isinstance(course.model, OfflineModel)
    assert course.description == "offline course model"
    assert capsys.readouterr().out == (
        "Model: offline course model (deterministic, no network, no key). To use a real LLM, "
        "set OPENAI_API_KEY or GEMINI_API_KEY and re-run; see 00_start_here.\n")


def test_the_openai_default_is_the_sdk_default():
    assert model_ids.OPENAI_MODEL_ID == get_default_model()


@pytest.mark.parametrize("provider", ["claude", "open-ai", ""])
def test_an_unknown_provider_names_the_valid_ones(provider):
    with pytest.raises(CourseSetupError) as raised:
        setup(provider)
    assert str(raised.value).count(". ") == 0
    assert "offline, openai, gemini, litellm, openai-compatible" in str(raised.value)


def test_an_unknown_provider_in_the_environment_fails_too():
    os.environ["COURSE_PROVIDER"] = "anthropic"
    with pytest.raises(CourseSetupError, match="Unknown provider 'anthropic'"):
        setup()


@pytest.mark.parametrize(("provider", "names"), [
    ("openai", "OPENAI_API_KEY"), ("gemini", "GEMINI_API_KEY or GOOGLE_API_KEY")])
def test_an_explicit_provider_without_a_key_says_how_to_give_one(provider, names):
    os.environ["COURSE_PROVIDER"] = provider
    with pytest.raises(CourseSetupError) as raised:
        setup()
    assert f"set {names}" in str(raised.value)
    assert "set COURSE_PROVIDER=offline to run offline." in str(raised.value)


def test_a_missing_key_is_asked_for_where_a_prompt_works(monkeypatch, capsys):
    prompts = []
    monkeypatch.setattr(providers, "_can_prompt", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or f" {SECRET} ")
    course = setup("openai")
    assert course.provider == "openai" and prompts == ["Paste your OPENAI_API_KEY (input hidden): "]
    out = capsys.readouterr().out
    assert "(key from the prompt)" in out and SECRET not in out
    assert "OPENAI_API_KEY" not in os.environ


def kernel_shell(allow_stdin: bool) -> types.SimpleNamespace:
    return types.SimpleNamespace(kernel=types.SimpleNamespace(_allow_stdin=allow_stdin))


@pytest.mark.parametrize(("shell", "expected"), [
    (None, False),  # plain Python, stdin not a terminal
    (kernel_shell(allow_stdin=False), False),  # e.g. nbconvert or nbval
    (kernel_shell(allow_stdin=True), True),  # Jupyter or Colab
])
def test_prompting_depends_on_the_kernel_allowing_input(monkeypatch, shell, expected):
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    assert providers._can_prompt() is expected


@pytest.mark.parametrize(("env", "needed"), [
    ({"COURSE_PROVIDER": "litellm"}, "COURSE_MODEL"),
    ({"COURSE_PROVIDER": "openai-compatible", "COURSE_MODEL": "llama3.2"}, "COURSE_BASE_URL"),
    ({"COURSE_PROVIDER": "openai-compatible", "COURSE_BASE_URL": "http://localhost:8000/v1"}, "COURSE_MODEL"),
])
def test_missing_settings_are_named(env, needed):
    os.environ.update(env)
    with pytest.raises(CourseSetupError, match=f"set {needed}"):
        setup()


def test_setup_errors_render_as_one_sentence_in_a_notebook():
    with pytest.raises(CourseSetupError) as raised:
        setup("nonsense")
    sentence, hint = raised.value._render_traceback_()
    assert sentence == f"CourseSetupError: {raised.value}" and "00_start_here" in hint


def test_an_openai_compatible_server_needs_no_key(capsys):
    os.environ.update(COURSE_PROVIDER="openai-compatible", COURSE_MODEL="llama3.2",
                      COURSE_BASE_URL="http://user:pw@localhost:11434/v1?token=x")
    course = setup()
    assert course.description == "llama3.2 via the server at http://localhost:11434/v1"
    assert capsys.readouterr().out == (f"Model: {course.description} (no key). "
                                       "Set COURSE_PROVIDER=offline to run offline.\n")


# --- Colab secrets ----------------------------------------------------------------------------------------------

class SecretNotFoundError(Exception):
    pass


class NotebookAccessError(Exception):
    pass


def fake_colab(monkeypatch, secrets: dict[str, str], denied: tuple[str, ...] = ()):
    def get(name):
        if name in denied:
            raise NotebookAccessError(name)
        if name not in secrets:
            raise SecretNotFoundError(name)
        return secrets[name]

    userdata = types.ModuleType("google.colab.userdata")
    userdata.get = get
    colab = types.ModuleType("google.colab")
    colab.userdata = userdata
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab.userdata", userdata)


def test_a_key_in_colab_secrets_selects_its_provider(monkeypatch, capsys):
    fake_colab(monkeypatch, {"GEMINI_API_KEY": SECRET}, denied=("OPENAI_API_KEY",))
    course = setup()
    assert course.provider == "gemini"
    out = capsys.readouterr().out
    assert "(key from Colab secrets)" in out and SECRET not in out
    assert "GEMINI_API_KEY" not in os.environ


def test_colab_without_secrets_runs_offline(monkeypatch):
    fake_colab(monkeypatch, {}, denied=("GEMINI_API_KEY",))
    assert setup().provider == "offline"


def test_the_environment_wins_over_colab_secrets(monkeypatch, capsys):
    fake_colab(monkeypatch, {"OPENAI_API_KEY": "sk-from-colab"})
    os.environ["OPENAI_API_KEY"] = SECRET
    setup()
    assert "(key from the environment)" in capsys.readouterr().out


# --- What is printed and shown ----------------------------------------------------------------------------------

@pytest.mark.parametrize("env", [
    {"OPENAI_API_KEY": SECRET},
    {"GEMINI_API_KEY": SECRET},
    {"COURSE_PROVIDER": "openai-compatible", "COURSE_API_KEY": SECRET, "COURSE_MODEL": "m",
     "COURSE_BASE_URL": "https://openrouter.ai/api/v1"},
])
def test_setup_prints_one_line_and_never_the_key(env, capsys):
    os.environ.update(env)
    course = setup()
    out, err = capsys.readouterr()
    assert out.count("\n") == 1 and out.startswith(f"Model: {course.model_id} via ") and err == ""
    for shown in (out, repr(course), str(course), course.description, repr(course.model)):
        assert SECRET not in shown


def test_the_course_model_repr_is_helpful():
    os.environ["OPENAI_API_KEY"] = SECRET
    assert repr(setup()) == (f"CourseModel(provider='openai', model_id='{model_ids.OPENAI_MODEL_ID}', "
                             f"description='{model_ids.OPENAI_MODEL_ID} via OpenAI')")


# --- The default model of every run -----------------------------------------------------------------------------

def test_an_agent_without_a_model_runs_on_the_offline_model():
    setup()
    result = run(Agent(name="Assistant", instructions="Be brief.", tools=[get_weather]))
    assert all(isinstance(response, OfflineModelResponse) for response in result.raw_responses)
    assert "Sunny in Paris" in result.final_output


def test_run_sync_and_run_streamed_use_it_too():
    setup()
    agent = Agent(name="Assistant", tools=[get_weather])
    assert isinstance(Runner.run_sync(agent, "Weather in Oslo?").raw_responses[0], OfflineModelResponse)

    async def streamed():
        result = Runner.run_streamed(agent, "Weather in Oslo?")
        async for _ in result.stream_events():
            pass
        return result

    assert "Sunny in Oslo" in asyncio.run(streamed()).final_output


@pytest.mark.parametrize("run_config", [{}, {"workflow_name": "x"}, RunConfig(), RunConfig(workflow_name="x")])
def test_run_configs_without_a_provider_get_the_course_one(run_config):
    setup()
    result = run(Agent(name="Assistant", tools=[get_weather]), run_config)
    assert isinstance(result.raw_responses[0], OfflineModelResponse)


def test_an_explicit_agent_model_wins():
    setup()
    result = run(Agent(name="Assistant", model=ScriptedModel([[assistant_message("scripted")]])))
    assert result.final_output == "scripted"


def test_an_explicit_run_config_model_wins():
    setup()
    config = RunConfig(model=ScriptedModel([[assistant_message("from the run config")]]))
    assert run(Agent(name="Assistant"), config).final_output == "from the run config"


def test_an_explicit_model_provider_wins():
    class Scripted(providers.ModelProvider):
        def get_model(self, model_name):
            return ScriptedModel([[assistant_message(f"asked for {model_name}")]])

    setup()
    result = run(Agent(name="Assistant", model="some-model"), RunConfig(model_provider=Scripted()))
    assert result.final_output == "asked for some-model"


def test_the_course_model_can_be_passed_explicitly():
    course = setup()
    assert isinstance(run(Agent(name="A", model=course.model, tools=[get_weather])).raw_responses[0],
                      OfflineModelResponse)


def test_the_default_model_settings_follow_the_course_model():
    os.environ["GEMINI_API_KEY"] = SECRET
    setup()
    # Gemini must not be sent the GPT-5 defaults (reasoning effort, verbosity).
    assert Agent(name="A").model_settings == ModelSettings()


def test_setup_twice_replaces_rather_than_stacks(capsys):
    os.environ["OPENAI_API_KEY"] = SECRET
    setup()
    course = setup("offline")
    runner = get_default_agent_runner()
    assert type(runner) is providers._CourseRunner and type(runner).__mro__[1] is providers.AgentRunner
    assert runner.provider.get_model(None) is course.model
    assert processors() == (course.traces,)
    assert isinstance(run(Agent(name="A", tools=[get_weather])).raw_responses[0], OfflineModelResponse)
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_setup_is_lazy_and_keeps_litellm_off_the_network():
    code = ("import os, sys, course_helpers; course_helpers.setup(); "
            "print('litellm' in sys.modules, os.environ['LITELLM_LOCAL_MODEL_COST_MAP'])")
    env = {name: value for name, value in os.environ.items() if name != "LITELLM_LOCAL_MODEL_COST_MAP"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert done.stdout.splitlines()[-1] == "False True" and done.stderr == ""


# --- Provider failures become one sentence ----------------------------------------------------------------------

def fake_openai(monkeypatch, respond):
    """Every OpenAI client setup() makes talks to `respond` instead of the network, without retries."""
    def client(api_key, base_url, timeout, client_class):
        transport = httpx.AsyncClient(transport=httpx.MockTransport(respond))
        return client_class(api_key=api_key, base_url=base_url, max_retries=0, http_client=transport)

    monkeypatch.setattr(providers, "_openai_client", client)


def failing_with(status, message="nope", **body):
    return lambda request: httpx.Response(status, json={"error": {"message": message, **body}})


def refuse_connection(request):
    raise httpx.ConnectError("connection refused", request=request)


@pytest.mark.parametrize(("env", "respond", "expected"), [
    ({"OPENAI_API_KEY": SECRET}, failing_with(401, f"Incorrect API key provided: {SECRET}"),
     "OpenAI rejected the API key: check OPENAI_API_KEY, or unset the key to run offline."),
    ({"OPENAI_API_KEY": SECRET}, failing_with(429), "OpenAI is rate-limiting you or your quota is used up (429)"),
    ({"OPENAI_API_KEY": SECRET}, failing_with(403), "OpenAI refused access to 'gpt-5.6-luna' (403)"),
    ({"OPENAI_API_KEY": SECRET, "COURSE_MODEL": "gpt-nope"}, failing_with(404),
     "OpenAI does not know the model 'gpt-nope' (404): set COURSE_MODEL"),
    ({"OPENAI_API_KEY": SECRET}, failing_with(503), "OpenAI had a server error (503)"),
    ({"OPENAI_API_KEY": SECRET}, refuse_connection, "Could not reach OpenAI"),
    ({"GEMINI_API_KEY": SECRET}, failing_with(400, "API key not valid. Please pass a valid API key."),
     "Gemini rejected the API key: check GEMINI_API_KEY or GOOGLE_API_KEY, or unset the key to run offline."),
    ({"COURSE_PROVIDER": "openai-compatible", "COURSE_MODEL": "llama3.2",
      "COURSE_BASE_URL": "http://localhost:11434/v1"}, refuse_connection,
     "Could not reach the server at http://localhost:11434/v1: check your connection (or that the server is "
     "running), or set COURSE_PROVIDER=offline to run offline."),
])
def test_provider_failures_become_one_sentence(monkeypatch, env, respond, expected):
    os.environ.update(env)
    fake_openai(monkeypatch, respond)
    setup()
    with pytest.raises(CourseProviderError) as raised:
        run(Agent(name="Assistant"))
    message = str(raised.value)
    assert message.startswith(expected) and message.endswith("offline.") and ". " not in message
    assert SECRET not in message + raised.value.hint
    assert raised.value.__suppress_context__ and isinstance(raised.value.__context__, openai.OpenAIError)
    assert raised.value._render_traceback_() == [f"CourseProviderError: {message}", raised.value.hint]


def test_gemini_gets_a_plain_chat_completions_request_with_the_key(monkeypatch):
    requests = []

    def answer(request):
        requests.append(request)
        return httpx.Response(200, json={
            "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": model_ids.GEMINI_MODEL_ID,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "Hello from Gemini"}}]})

    os.environ["GEMINI_API_KEY"] = SECRET
    fake_openai(monkeypatch, answer)
    setup()
    assert run(Agent(name="Assistant", instructions="Be brief.")).final_output == "Hello from Gemini"
    [request] = requests
    body = json.loads(request.content)
    assert str(request.url) == providers.GEMINI_BASE_URL + "chat/completions"
    assert request.headers["authorization"] == f"Bearer {SECRET}"
    assert body["model"] == model_ids.GEMINI_MODEL_ID
    assert "reasoning_effort" not in body and "verbosity" not in body


def test_streamed_failures_become_one_sentence_too(monkeypatch):
    os.environ["OPENAI_API_KEY"] = SECRET
    fake_openai(monkeypatch, failing_with(401))
    setup()

    async def stream():
        async for _ in Runner.run_streamed(Agent(name="Assistant"), "Hi").stream_events():
            pass

    with pytest.raises(CourseProviderError, match="OpenAI rejected the API key"):
        asyncio.run(stream())


def test_a_refused_request_is_one_sentence_with_the_providers_own_message(monkeypatch):
    os.environ["OPENAI_API_KEY"] = SECRET
    fake_openai(monkeypatch, failing_with(400, "Invalid schema for function 'x'.\nSee the docs."))
    setup()
    with pytest.raises(CourseProviderError) as raised:
        run(Agent(name="Assistant"))
    assert str(raised.value) == ("OpenAI refused the request (400: Invalid schema for function 'x'. See the docs): "
                                 "change what it names, or unset the key to run offline.")


def test_the_sdk_can_still_retry_a_translated_error(monkeypatch):
    os.environ["OPENAI_API_KEY"] = SECRET
    fake_openai(monkeypatch, failing_with(429))
    course = setup()
    with pytest.raises(CourseProviderError) as raised:
        run(Agent(name="Assistant"))
    advice = course.model.get_retry_advice(ModelRetryAdviceRequest(error=raised.value, attempt=1, stream=False))
    assert advice is not None and advice.suggested and advice.normalized.status_code == 429


def test_litellm_is_set_up_and_its_failures_become_one_sentence(monkeypatch, capsys):
    import litellm  # slow to import (seconds), so one test covers LiteLLM

    os.environ.update(COURSE_PROVIDER="litellm", COURSE_MODEL="anthropic/claude-test", COURSE_API_KEY=SECRET)
    course = setup()
    assert (course.provider, course.description) == ("litellm", "anthropic/claude-test via LiteLLM")
    from agents.extensions.models.litellm_model import LitellmModel

    assert isinstance(course.model.inner, LitellmModel) and course.model.inner.api_key == SECRET
    assert processors() == (course.traces,)

    async def rate_limited(**kwargs):
        raise litellm.RateLimitError("Rate limited", llm_provider="anthropic", model=kwargs["model"])

    monkeypatch.setattr(litellm, "acompletion", rate_limited)
    with pytest.raises(CourseProviderError, match=r"^LiteLLM is rate-limiting you .* set COURSE_PROVIDER=offline"):
        run(Agent(name="Assistant"))
    assert SECRET not in capsys.readouterr().out
