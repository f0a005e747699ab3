"""Property-based fuzzing of the local server: whatever a client sends, the answer is a valid reply or a 4xx in
OpenAI's error shape, never a 500, a hang or a page that is not JSON."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openai.types.chat import ChatCompletion
from openai.types.responses import Response

from course_helpers.server import start_server

FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=False, allow_infinity=False),
                     st.text(max_size=12))
_json = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                     max_leaves=12)
_words = st.sampled_from(["Paris", "What is the weather in Oslo?", "17 * 23", "refund my invoice", "", "Hi",
                          "caf\u00e9 \u2603", "\ud83d\ude00 emoji", "x" * 300])
_KEYWORDS = ["type", "properties", "required", "items", "enum", "const", "anyOf", "oneOf", "allOf", "$ref",
             "$defs", "definitions", "additionalProperties", "minimum", "maximum", "default", "description",
             "title", "prefixItems", "not", "minItems", "format", "pattern"]
_TYPES = st.sampled_from(["string", "number", "integer", "boolean", "object", "array", "null", "thing"])
_REFS = st.sampled_from(["#/$defs/A", "#/$defs/B", "#/definitions/A", "#", "#/", "#/$defs/Missing",
                         "https://example.com/s.json", "#/properties/a", "#/$defs/A/properties/x", "A"])


def _schema_node(children: st.SearchStrategy) -> st.SearchStrategy:
    """One schema object: mostly well-typed keywords, sometimes junk in their place."""
    value_for = {
        "type": st.one_of(_TYPES, st.lists(_TYPES, max_size=3), _json),
        "properties": st.one_of(st.dictionaries(st.sampled_from(["a", "x", "city", "reason", "items"]), children,
                                                max_size=3), _json),
        "required": st.one_of(st.lists(st.sampled_from(["a", "x", "city", "zzz"]), max_size=3), _json),
        "items": st.one_of(children, _json),
        "enum": st.one_of(st.lists(_scalars, max_size=3), _json),
        "anyOf": st.lists(children, max_size=3), "oneOf": st.lists(children, max_size=2),
        "allOf": st.lists(children, max_size=2), "prefixItems": st.lists(children, max_size=2),
        "$ref": st.one_of(_REFS, _json),
        "$defs": st.dictionaries(st.sampled_from(["A", "B"]), children, max_size=2),
        "definitions": st.dictionaries(st.sampled_from(["A"]), children, max_size=1),
        "additionalProperties": st.one_of(st.booleans(), children), "not": children,
        "minimum": st.one_of(st.integers(-5, 5), _json), "maximum": st.one_of(st.floats(-1e6, 1e6), _json),
        "minItems": st.one_of(st.integers(-1, 3), _json),
    }
    keys = st.lists(st.sampled_from(_KEYWORDS), max_size=5, unique=True)
    return keys.flatmap(lambda chosen: st.fixed_dictionaries(
        {key: value_for.get(key, _json) for key in chosen}))


_schemas = st.recursive(st.one_of(st.booleans(), st.just({}), _TYPES.map(lambda t: {"type": t}), _scalars),
                        _schema_node, max_leaves=10)
_roles = st.sampled_from(["user", "system", "developer", "assistant", "tool", "wizard"])


@st.composite
def _chat_message(draw) -> dict:
    message = {"role": draw(st.one_of(_roles, _json)), "content": draw(st.one_of(_words, _json))}
    if message["role"] == "assistant" and draw(st.booleans()):
        message["tool_calls"] = [{"id": draw(st.sampled_from(["call_1", "call_2"])), "type": "function",
                                  "function": {"name": "f", "arguments": draw(st.one_of(
                                      st.just('{"a": 1}'), st.just("{}"), st.text(max_size=10), _json))}}]
    if message["role"] == "tool":
        message["tool_call_id"] = draw(st.one_of(st.sampled_from(["call_1", "call_2"]), _json))
    return message


_sampling = st.fixed_dictionaries({}, optional={
    "temperature": st.one_of(st.floats(-1, 3, allow_nan=False), _json), "top_p": st.floats(-1, 2),
    "max_tokens": st.one_of(st.integers(-10, 10_000), _json), "seed": _json, "stream": st.one_of(st.booleans(), _json),
    "n": st.one_of(st.just(1), _json), "stop": _json, "user": _json, "metadata": _json,
})


@st.composite
def _chat_body(draw) -> dict:
    body = {"model": draw(st.one_of(st.just("m"), _json)),
            "messages": draw(st.one_of(st.lists(_chat_message(), min_size=1, max_size=4), _json))}
    if draw(st.booleans()):
        tool = {"name": draw(st.sampled_from(["get_weather", "f", "transfer_to_billing_agent"])),
                "description": draw(st.one_of(_words, _json)), "parameters": draw(_schemas)}
        body["tools"] = draw(st.one_of(st.just([{"type": "function", "function": tool}]), _json))
        body["tool_choice"] = draw(st.one_of(st.none(), st.sampled_from(["auto", "none", "required"]), _json))
    if draw(st.booleans()):
        body["response_format"] = draw(st.one_of(
            st.builds(lambda s: {"type": "json_schema", "json_schema": {"name": "out", "schema": s}}, _schemas),
            st.sampled_from([{"type": "text"}, {"type": "json_object"}]), _json))
    return {**body, **draw(_sampling)}


@st.composite
def _responses_body(draw) -> dict:
    item = st.one_of(
        st.builds(lambda role, content: {"role": role, "content": content}, _roles, st.one_of(_words, _json)),
        st.builds(lambda call_id, arguments: {"type": "function_call", "call_id": call_id, "name": "f",
                                              "arguments": arguments},
                  st.sampled_from(["c1", "c2"]), st.one_of(st.just('{"a": 1}'), st.text(max_size=8))),
        st.builds(lambda call_id, output: {"type": "function_call_output", "call_id": call_id, "output": output},
                  st.one_of(st.sampled_from(["c1", "c2"]), _json), st.one_of(_words, _json)),
        _json)
    body = {"model": "m", "input": draw(st.one_of(_words, st.lists(item, min_size=1, max_size=4), _json))}
    if draw(st.booleans()):
        body["tools"] = [{"type": "function", "name": draw(st.sampled_from(["get_weather", "f"])),
                          "parameters": draw(_schemas)}]
    if draw(st.booleans()):
        body["text"] = {"format": {"type": "json_schema", "name": "out", "schema": draw(_schemas)}}
    optional = {"instructions": st.one_of(_words, _json), "temperature": _json, "max_output_tokens": _json,
                "stream": st.booleans(), "tool_choice": _json, "store": _json}
    return {**body, **draw(st.fixed_dictionaries({}, optional=optional))}


@pytest.fixture(scope="module")
def http():
    with start_server() as server, httpx.Client(base_url=server.base_url, timeout=15) as client:
        yield client


def _answered_well(reply: httpx.Response, valid: type) -> None:
    """A reply is a valid `valid` object, a clean event stream, or a 4xx in OpenAI's error shape."""
    assert reply.status_code != 500, reply.text
    if reply.status_code == 200 and reply.headers["content-type"] == "text/event-stream":
        assert '"error"' not in reply.text and "HTTP/1." not in reply.text, reply.text[-500:]
        return
    assert reply.headers["content-type"] == "application/json"
    if reply.status_code == 200:
        valid.model_validate(reply.json())
        return
    assert 400 <= reply.status_code < 500
    error = reply.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["type"] == "invalid_request_error"
    assert isinstance(error["message"], str) and error["message"].endswith(".")


@FUZZ
@given(body=_chat_body())
def test_chat_completions_never_fail_on_any_body(http, body):
    _answered_well(http.post("/chat/completions", content=json.dumps(body).encode()), ChatCompletion)


@FUZZ
@given(body=_responses_body())
def test_responses_never_fail_on_any_body(http, body):
    _answered_well(http.post("/responses", content=json.dumps(body).encode()), Response)


@FUZZ
@given(schema=_schemas, wire=st.sampled_from(["chat", "responses"]), as_output=st.booleans())
def test_any_schema_is_served_or_refused_with_a_400(http, schema, wire, as_output):
    if wire == "chat":
        body = {"model": "m", "messages": [{"role": "user", "content": "What is the weather in Paris on 2024-05-01?"}]}
        if as_output:
            body["response_format"] = {"type": "json_schema", "json_schema": {"name": "out", "schema": schema}}
        else:
            body["tools"] = [{"type": "function", "function": {"name": "get_weather", "parameters": schema}}]
            body["tool_choice"] = "required"
        _answered_well(http.post("/chat/completions", json=body), ChatCompletion)
    else:
        body = {"model": "m", "input": "What is the weather in Paris on 2024-05-01?"}
        if as_output:
            body["text"] = {"format": {"type": "json_schema", "name": "out", "schema": schema}}
        else:
            body["tools"] = [{"type": "function", "name": "get_weather", "parameters": schema}]
            body["tool_choice"] = "required"
        _answered_well(http.post("/responses", json=body), Response)


@settings(FUZZ, max_examples=60)
@given(raw=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)),
       path=st.sampled_from(["/chat/completions", "/responses", "/models", "/nowhere"]))
def test_raw_bytes_are_never_a_500(http, raw, path):
    reply = http.post(path, content=raw)
    assert reply.status_code != 500 and reply.headers["content-type"] == "application/json"
