"""`chat_endpoint` sends raw requests to the local server offline, or to the real provider, and never shows a key."""

import httpx
import pytest

from course_helpers.endpoints import OPENAI_BASE_URL, ChatEndpoint, chat_endpoint
from course_helpers.errors import CourseSetupError
from course_helpers.model_ids import OFFLINE_MODEL_ID
from course_helpers.providers import GEMINI_BASE_URL, CourseModel
from course_helpers.server import start_server

SECRET = "sk-test-SECRET123"


def course_for(provider: str, model_id: str = "some-model") -> CourseModel:
    return CourseModel(provider, model_id, "test", model=None, traces=None)


@pytest.fixture(scope="module")
def server():
    with start_server() as running:
        yield running


def test_offline_uses_the_local_server_and_it_answers(server):
    endpoint = chat_endpoint(course_for("offline", OFFLINE_MODEL_ID), server)

    assert endpoint.base_url == server.base_url and endpoint.model == OFFLINE_MODEL_ID
    response = httpx.post(
        f"{endpoint.base_url}/chat/completions",
        json={"model": endpoint.model, "messages": [{"role": "user", "content": "What is 2 + 3?"}]},
        headers={"Authorization": f"Bearer {endpoint.api_key}"},
    )
    assert response.json()["choices"][0]["message"]["content"] == "2 + 3 = 5"


def test_str_hides_the_local_port_and_repr_hides_the_key(server):
    endpoint = chat_endpoint(course_for("offline"), server)

    assert str(endpoint) == f"{OFFLINE_MODEL_ID} at http://127.0.0.1:<port>/v1"
    assert str(server.port) in repr(endpoint) and "not-needed" not in repr(endpoint)


def test_openai_uses_its_url_the_chosen_model_and_the_key(server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", f" {SECRET} ")
    endpoint = chat_endpoint(course_for("openai", "model-from-setup"), server)

    assert endpoint == ChatEndpoint(OPENAI_BASE_URL, "model-from-setup", SECRET)
    assert SECRET not in repr(endpoint) and SECRET not in str(endpoint)
    assert str(endpoint) == "model-from-setup at https://api.openai.com/v1"


@pytest.mark.parametrize("key_name", ["GEMINI_API_KEY", "GOOGLE_API_KEY"])
def test_gemini_uses_its_openai_compatible_url_without_the_trailing_slash(server, monkeypatch, key_name):
    monkeypatch.setenv(key_name, SECRET)
    endpoint = chat_endpoint(course_for("gemini"), server)

    assert endpoint.base_url == GEMINI_BASE_URL.rstrip("/") and endpoint.api_key == SECRET
    assert not endpoint.base_url.endswith("/")


def test_openai_compatible_uses_course_base_url_and_an_optional_key(server, monkeypatch):
    monkeypatch.setenv("COURSE_BASE_URL", "http://localhost:11434/v1/")
    endpoint = chat_endpoint(course_for("openai-compatible", "llama3.2"), server)

    assert endpoint == ChatEndpoint("http://localhost:11434/v1", "llama3.2", "not-needed")
    assert str(endpoint) == "llama3.2 at http://localhost:<port>/v1"

    monkeypatch.setenv("COURSE_API_KEY", SECRET)
    assert chat_endpoint(course_for("openai-compatible"), server).api_key == SECRET


def test_litellm_has_no_single_endpoint_so_raw_requests_go_to_the_local_server(server):
    endpoint = chat_endpoint(course_for("litellm", "anthropic/some-model"), server)

    assert endpoint.base_url == server.base_url and endpoint.model == OFFLINE_MODEL_ID


def test_a_key_that_is_not_in_the_environment_gives_one_clear_sentence(server):
    with pytest.raises(CourseSetupError) as caught:
        chat_endpoint(course_for("openai"), server)

    message = str(caught.value)
    assert message.startswith("The raw HTTP cells need OPENAI_API_KEY in the environment or Colab secrets")
    assert "COURSE_PROVIDER=offline" in message and message.count(".") <= 2
