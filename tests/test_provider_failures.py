"""Real-provider failures, each against a misbehaving server on 127.0.0.1, become one sentence without a key."""

import asyncio
import logging
import os
import time

import httpx
import pytest
from agents import Agent, ModelSettings, Runner

from conftest import SECRET, processors
from fake_servers import DROP, HANG, FakeServer, Reply, html_reply, json_reply

from course_helpers import providers, urls
from course_helpers.endpoints import chat_endpoint
from course_helpers.errors import CourseProviderError, CourseSetupError
from course_helpers.providers import setup
from course_helpers.server import start_server

pytestmark = pytest.mark.usefixtures("fresh_course_state")

OFFLINE = "set COURSE_PROVIDER=offline to run offline."


def wire(name: str, base_url: str) -> dict[str, str]:
    """The settings that send the SDK to `base_url` through one wire: Chat Completions, Responses or LiteLLM."""
    return {
        "chat": {"COURSE_PROVIDER": "openai-compatible", "COURSE_MODEL": "m", "COURSE_BASE_URL": base_url},
        "responses": {"COURSE_PROVIDER": "openai", "OPENAI_API_KEY": SECRET, "OPENAI_BASE_URL": base_url},
        "litellm": {"COURSE_PROVIDER": "litellm", "COURSE_MODEL": "openai/m", "COURSE_BASE_URL": base_url,
                    "COURSE_API_KEY": SECRET},
    }[name]


def failure(env: dict[str, str], stream: bool = False) -> tuple[str, float]:
    """Set up with `env`, run one agent turn, and return the one sentence it failed with and the seconds it took."""
    os.environ.update(env)
    course = setup()
    started = time.monotonic()

    async def turn():
        try:
            if stream:
                async for _ in Runner.run_streamed(Agent(name="A"), "Hi").stream_events():
                    pass
            else:
                await Runner.run(Agent(name="A"), "Hi")
        finally:
            if client := getattr(course.model.inner, "_client", None):
                await client.close()  # inside this event loop, so no connection outlives it

    with pytest.raises(CourseProviderError) as raised:
        asyncio.run(turn())
    message = str(raised.value)
    assert SECRET not in message + raised.value.hint and "\n" not in message and message.endswith(".")
    return message, time.monotonic() - started


# --- 1. A server that accepts the connection and never answers ---------------------------------------------------

@pytest.mark.parametrize("name", ["chat", "responses", "litellm"])
def test_a_server_that_never_answers_fails_in_seconds(name):
    with FakeServer(lambda request: HANG) as server:
        message, seconds = failure({**wire(name, server.base_url), "COURSE_TIMEOUT": "0.5"})
    service = {"chat": "the server", "responses": "the server", "litellm": "LiteLLM"}[name]
    assert message == (f"{service} at {server.base_url} did not answer within 0.5 s: re-run the cell, "
                       f"set COURSE_TIMEOUT to more seconds for a slow model, or {OFFLINE}")
    assert seconds < 5 and len(server.requests) == 2  # one retry, no more


def test_real_providers_wait_a_minute_for_an_answer_and_retry_once(monkeypatch):
    import litellm

    os.environ.update(wire("chat", "http://localhost:11434/v1"))
    client = setup().model.inner._client
    assert (client.timeout.read, client.timeout.connect, client.max_retries) == (60, 5, 1)
    calls = []
    monkeypatch.setattr(litellm, "acompletion", lambda **kwargs: calls.append(kwargs) or 1 / 0)
    os.environ.update(wire("litellm", "http://localhost:4000/v1"))
    setup()
    with pytest.raises(ZeroDivisionError):
        Runner.run_sync(Agent(name="A"), "Hi")
    with pytest.raises(ZeroDivisionError):  # an agent's own setting wins
        Runner.run_sync(Agent(name="A", model_settings=ModelSettings(extra_args={"timeout": 600})), "Hi")
    assert [(call["timeout"], call["num_retries"]) for call in calls] == [(60, 1), (600, 1)]


@pytest.mark.parametrize("value", ["soon", "0", "-3"])
def test_a_timeout_that_is_not_a_positive_number_is_one_sentence(value):
    os.environ.update({**wire("chat", "http://localhost:11434/v1"), "COURSE_TIMEOUT": value})
    with pytest.raises(CourseSetupError) as raised:
        setup()
    assert str(raised.value) == (f"COURSE_TIMEOUT must be a number of seconds, like 120 (it is {value!r}): "
                                 f"fix it, unset it for 60 s, or {OFFLINE}")


# --- 2. Malformed base URLs, caught in setup() -------------------------------------------------------------------

EXAMPLE = "set it to the server's API address, for example"
LOCAL = "http://localhost:11434/v1"
MALFORMED = [
    ("COURSE_BASE_URL", "localhost:11434/v1",
     f"COURSE_BASE_URL has no http:// or https:// in front ('localhost:11434/v1'): {EXAMPLE} {LOCAL}"),
    ("COURSE_BASE_URL", f"me:{SECRET}@localhost:11434/v1",
     f"COURSE_BASE_URL has no http:// or https:// in front ('localhost:11434/v1'): {EXAMPLE} {LOCAL}"),
    ("COURSE_BASE_URL", "http://localhost:abc/v1",
     f"COURSE_BASE_URL has a port that is not a number ('http://localhost:abc/v1'): {EXAMPLE} {LOCAL}"),
    ("COURSE_BASE_URL", "ftp://localhost:11434/v1", "COURSE_BASE_URL does not start with http:// or https:// "
     f"('ftp://localhost:11434/v1'): {EXAMPLE} {LOCAL}"),
    ("COURSE_BASE_URL", f"http://{SECRET}@:8080/v1?key={SECRET}",
     f"COURSE_BASE_URL has no host name ('http://:8080/v1'): {EXAMPLE} {LOCAL}"),
]


@pytest.mark.parametrize(("name", "setting", "url", "expected"), [
    *(("chat", *case) for case in MALFORMED),
    *(("litellm", *case) for case in MALFORMED),
    ("responses", "OPENAI_BASE_URL", "localhost:8000/v1",
     f"OPENAI_BASE_URL has no http:// or https:// in front ('localhost:8000/v1'): {EXAMPLE} http://localhost:8000/v1"),
    ("responses", "OPENAI_BASE_URL", "https:///v1",
     f"OPENAI_BASE_URL has no host name ('https:///v1'): {EXAMPLE} https://api.openai.com/v1"),
])
def test_a_malformed_base_url_is_one_sentence_from_setup(name, setting, url, expected):
    os.environ.update(wire(name, url))
    with pytest.raises(CourseSetupError) as raised:
        setup()
    assert str(raised.value) == f"{expected}, or {OFFLINE}" and SECRET not in str(raised.value)


@pytest.mark.parametrize(("url", "shown"), [
    ("localhost:11434/v1", "localhost:11434/v1"),
    ("http://localhost:abc/v1", "http://localhost:abc/v1"),
    (f"http://me:{SECRET}@[::1]:8080/v1?key={SECRET}#x", "http://[::1]:8080/v1"),
    ("http://:8080", "http://:8080"),
])
def test_safe_url_shows_the_url_as_written_without_secrets_and_never_none(url, shown):
    assert urls.safe_url(url) == shown


# --- 3. Replies that are not the API's: HTML pages and broken JSON -----------------------------------------------

NOT_JSON = Reply(200, b"{'choices': oops", {"Content-Type": "application/json"})
PLAIN_TEXT = Reply(200, b"OK", {"Content-Type": "text/plain"})


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("name", ["chat", "responses"])
@pytest.mark.parametrize("reply", [html_reply(), NOT_JSON, PLAIN_TEXT])
def test_a_reply_that_is_not_the_apis_is_one_sentence(name, stream, reply):
    with FakeServer(lambda request: reply) as server:
        message, _ = failure(wire(name, server.base_url), stream)
    what = "an HTML page" if reply.status == 200 and b"<html" in reply.body else (
        "a reply that is not a stream of events" if stream else "a reply that is not JSON")
    setting = "OPENAI_BASE_URL" if name == "responses" else "COURSE_BASE_URL"
    assert message == (f"the server at {server.base_url} sent back {what} instead of an API reply: check that "
                       f"{setting} is the server's API address (it usually ends in /v1), or {OFFLINE}")
    assert len(server.requests) == 1  # not retried


@pytest.mark.parametrize("stream", [False, True])
def test_litellm_says_the_same_of_an_html_page(stream):
    with FakeServer(lambda request: html_reply()) as server:
        message, _ = failure(wire("litellm", server.base_url), stream)
    # Streamed, LiteLLM drops the page's lines unread, so all that shows is that no events came.
    what = "a reply that is not a stream of events" if stream else "an HTML page"
    assert message == (f"LiteLLM at {server.base_url} sent back {what} instead of an API reply: check that "
                       f"COURSE_BASE_URL is the server's API address (it usually ends in /v1), or {OFFLINE}")


# --- 4. Refused requests (400, 422) with the provider's own words; 404 for the route or for the model ---------------

@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("name", ["chat", "responses", "litellm"])
@pytest.mark.parametrize(("reply", "status", "words"), [
    (json_reply({"error": {"message": "Invalid value for 'temperature': must be <= 2.", "param": "temperature"}},
                400), 400, "Invalid value for 'temperature': must be <= 2"),
    (json_reply({"detail": [{"loc": ["body", "messages"], "msg": "Field required", "type": "missing"}]}, 422),
     422, "body.messages: Field required"),
    (json_reply([{"error": {"code": 400, "message": 'Invalid JSON payload received. Unknown name "store": Cannot '
                            'find field.', "status": "INVALID_ARGUMENT"}}], 400), 400,
     'Invalid JSON payload received. Unknown name "store": Cannot find field'),
])
def test_a_refused_request_names_the_providers_own_message(name, stream, reply, status, words):
    with FakeServer(lambda request: reply) as server:
        message, _ = failure(wire(name, server.base_url), stream)
    service = f"LiteLLM at {server.base_url}" if name == "litellm" else f"the server at {server.base_url}"
    assert message == f"{service} refused the request ({status}: {words}): change what it names, or {OFFLINE}"


NOT_FOUND = json_reply({"detail": "Not Found"}, 404)


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("name", ["chat", "responses"])
def test_a_missing_v1_is_told_from_an_unknown_model(name, stream):
    with FakeServer(lambda request: NOT_FOUND if not request.path.startswith("/v1/") else json_reply(
            {"error": {"message": "The model `m` does not exist.", "code": "model_not_found"}}, 404)) as server:
        root = server.base_url.removesuffix("/v1")
        message, _ = failure(wire(name, root), stream)
        setting = "OPENAI_BASE_URL" if name == "responses" else "COURSE_BASE_URL"
        assert message == (f"the server at {root} has no such API route (404, so the model was never looked up): "
                           f"add /v1 to the end of {setting}, as in http://localhost:11434/v1, or {OFFLINE}")
        message, _ = failure(wire(name, server.base_url), stream)
        model = "gpt-5.6-luna" if name == "responses" else "m"
        assert message == (f"the server at {server.base_url} does not know the model {model!r} (404): set "
                           f"COURSE_MODEL to a model it offers, or {OFFLINE}")


def test_a_404_below_v1_says_to_check_the_url():
    with FakeServer(lambda request: NOT_FOUND) as server:
        message, _ = failure(wire("chat", server.base_url))
    assert message == (f"the server at {server.base_url} has no such API route (404, so the model was never looked "
                       f"up): check COURSE_BASE_URL against the server's documentation, or {OFFLINE}")


# --- 5. LiteLLM: a dropped connection and a model string it cannot place -----------------------------------------

@pytest.mark.parametrize("stream", [False, True])
def test_litellm_reports_a_dropped_connection_as_one(stream):
    with FakeServer(lambda request: DROP) as server:
        message, _ = failure(wire("litellm", server.base_url), stream)
    assert message == (f"Could not reach LiteLLM at {server.base_url}: check your connection (or that the server "
                       f"is running), or {OFFLINE}")


def test_litellm_reports_a_model_string_without_a_provider_in_one_sentence():
    message, _ = failure({"COURSE_PROVIDER": "litellm", "COURSE_MODEL": "bogus-model", "COURSE_API_KEY": SECRET})
    assert message == ("LiteLLM cannot tell which provider the model 'bogus-model' belongs to: set COURSE_MODEL to "
                       "a LiteLLM model string such as anthropic/claude-sonnet-4-5 or ollama/llama3.2, or " + OFFLINE)


# --- 6. The setup line names the real server; no traces go to OpenAI with a key meant for another server ----------

def test_openai_base_url_is_named_and_gets_no_traces(fresh_course_state, capsys):
    os.environ.update(wire("responses", "http://127.0.0.1:8000/v1"))
    course = setup()
    assert capsys.readouterr().out == ("Model: gpt-5.6-luna via the server at http://127.0.0.1:8000/v1 (key from "
                                       "the environment). Set COURSE_PROVIDER=offline to run offline.\n")
    assert processors() == (course.traces,) and fresh_course_state.api_keys == []


def test_openai_base_url_at_openai_still_exports_traces(fresh_course_state, capsys):
    os.environ.update(wire("responses", "https://api.openai.com/v1"))
    setup()
    assert " via OpenAI (" in capsys.readouterr().out and fresh_course_state.api_keys == [SECRET]


def test_litellm_with_a_base_url_names_it(capsys):
    os.environ.update(wire("litellm", "http://127.0.0.1:4000/v1"))
    assert setup().description == "openai/m via LiteLLM at http://127.0.0.1:4000/v1"
    assert "via LiteLLM at http://127.0.0.1:4000/v1 (key from the environment)" in capsys.readouterr().out


# --- 7. Keys written inside a URL are shown nowhere --------------------------------------------------------------

def test_a_key_inside_the_base_url_is_used_but_never_shown(capsys, caplog):
    with start_server() as server:
        url = server.base_url.replace("http://", f"http://me:{SECRET}@") + f"?key={SECRET}"
        os.environ.update(wire("chat", url))
        os.environ["COURSE_MODEL"] = "course-offline"
        course = setup()
        with caplog.at_level(logging.INFO, logger="httpx2"):
            assert "Paris" in Runner.run_sync(Agent(name="A"), "What is the capital of France?").final_output
        endpoint = chat_endpoint(course, server)
        with caplog.at_level(logging.INFO, logger="httpx"):
            httpx.post(f"{endpoint.base_url}/chat/completions", json={"model": endpoint.model, "messages": []},
                       headers={"Authorization": f"Bearer {endpoint.api_key}"})
            with pytest.raises(httpx.HTTPStatusError) as raised:  # what a raw-HTTP cell's raise_for_status shows
                httpx.post(f"{endpoint.base_url}/nowhere", json={}).raise_for_status()
    shown = [capsys.readouterr().out, repr(course), str(course.connection), repr(endpoint), str(endpoint),
             str(raised.value), caplog.text]
    assert all(SECRET not in text for text in shown)
    assert endpoint.api_key == SECRET and endpoint.base_url == server.base_url
    assert f"HTTP Request: POST {server.base_url}/chat/completions" in caplog.text
    assert "via the server at http://127.0.0.1:" in shown[0]


def test_a_raw_httpx_log_line_is_redacted_too(caplog):
    setup()
    with FakeServer(lambda request: json_reply({})) as server, caplog.at_level(logging.INFO, logger="httpx"):
        httpx.get(server.base_url.replace("http://", f"http://me:{SECRET}@") + f"/models?key={SECRET}")
    # Once LiteLLM is imported its own filter may redact first, so the line's exact form depends on test order.
    assert 'HTTP Request: GET http://' in caplog.text and SECRET not in caplog.text


def test_the_log_filter_shows_urls_as_safe_url_does():
    url = httpx.URL(f"http://me:{SECRET}@127.0.0.1:8000/v1/models?key={SECRET}")
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, 'HTTP Request: %s %s "%s"', ("GET", url, "200"), None)
    assert urls.RedactURLs().filter(record) is True
    assert record.getMessage() == 'HTTP Request: GET http://127.0.0.1:8000/v1/models "200"'


def test_every_error_sentence_hides_a_key_in_the_url():
    with FakeServer(lambda request: HANG) as server:
        url = server.base_url.replace("http://", f"http://me:{SECRET}@") + f"?key={SECRET}"
        message, _ = failure({**wire("chat", url), "COURSE_TIMEOUT": "0.2"})  # failure() asserts no key
    assert message.startswith(f"the server at {server.base_url} did not answer")
    assert server.requests[0].path == f"/v1/chat/completions?key={SECRET}"  # the query still reaches the server


# --- 8. Raw HTTP (notebooks 05-07) with a key typed at the prompt, and with LiteLLM ------------------------------

def test_raw_http_uses_the_key_typed_at_the_prompt_and_openai_base_url(monkeypatch):
    monkeypatch.setattr(providers, "_can_prompt", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: SECRET)
    with start_server() as server:
        os.environ["OPENAI_BASE_URL"] = server.base_url
        course = setup("openai")
        endpoint = chat_endpoint(course, server)
        reply = httpx.post(f"{endpoint.base_url}/chat/completions",
                           json={"model": "course-offline", "messages": [{"role": "user", "content": "2 + 3?"}]},
                           headers={"Authorization": f"Bearer {endpoint.api_key}"})
    assert endpoint.api_key == SECRET and endpoint.base_url == server.base_url and reply.status_code == 200
    assert "OPENAI_API_KEY" not in os.environ and SECRET not in repr(course) + repr(endpoint) + str(endpoint)


def test_raw_http_with_litellm_says_it_goes_to_the_local_offline_server():
    os.environ.update(wire("litellm", "http://127.0.0.1:4000/v1"))
    course = setup()
    with start_server() as server:
        endpoint = chat_endpoint(course, server)
    assert str(endpoint) == ("course-offline at http://127.0.0.1:<port>/v1 (the local offline server: LiteLLM has "
                             "no single HTTP endpoint for raw requests)")
