"""Gemini's OpenAI-compatible Chat Completions, as the openai client must speak it (sources in tests/test_gemini.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from functools import cached_property
from typing import Any

import openai
from openai.resources.chat import AsyncChat, AsyncCompletions

__all__ = ["GEMINI_BASE_URL", "GeminiClient"]

GEMINI_BASE_URL = "https://generativelanguage.googleapis.com/v1beta/openai/"

# Gemini's OpenAI-compatible endpoint differs from OpenAI's Chat Completions; these are the differences that
# the SDK's requests meet (sources in tests/test_gemini.py). It rejects these request fields as unknown:
_GEMINI_REJECTED_FIELDS = ("store", "metadata", "parallel_tool_calls")


class GeminiClient(openai.AsyncOpenAI):
    """The openai client, adapted to Gemini's OpenAI-compatible Chat Completions (see `_GeminiCompletions`)."""

    @cached_property
    def chat(self) -> AsyncChat:
        chat = AsyncChat(self)
        chat.__dict__["completions"] = _GeminiCompletions(self)  # what AsyncChat.completions would cache
        return chat


class _GeminiCompletions(AsyncCompletions):
    """Sends only fields Gemini accepts, and gives its tool calls the ids and stream indexes OpenAI's have."""

    async def create(self, **kwargs: Any) -> Any:  # type: ignore[override]
        for field in _GEMINI_REJECTED_FIELDS:
            kwargs.pop(field, None)
        for field in ("tools", "response_format"):  # the SDK passes the agent's own schemas: copy, don't edit
            if field in kwargs:
                kwargs[field] = _without_additional_properties(kwargs[field])
        reply = await super().create(**kwargs)
        if isinstance(reply, openai.types.chat.ChatCompletion):
            for choice in reply.choices:
                for call in choice.message.tool_calls or ():
                    call.id = call.id or _new_call_id()
            return reply
        return _reindexed_tool_calls(reply)


def _without_additional_properties(value: Any) -> Any:
    """A copy of JSON schemas (tools, a response format) without `additionalProperties`: Gemini rejects it."""
    if isinstance(value, dict):
        return {key: _without_additional_properties(item) for key, item in value.items()
                if key != "additionalProperties"}
    if isinstance(value, list):
        return [_without_additional_properties(item) for item in value]
    return value


async def _reindexed_tool_calls(stream: Any) -> AsyncIterator[Any]:
    """Gemini's stream, with each tool call at its own index and with an id.

    Gemini streams each call whole, name included, but every one at index 0 and sometimes with an empty id;
    OpenAI's client-side merging would glue parallel calls into one. A delta with a name starts a call.
    """
    started = 0
    latest: dict[int, int] = {}  # Gemini's index -> the index of the call it last started
    try:
        async for chunk in stream:
            for choice in chunk.choices:
                for call in choice.delta.tool_calls or ():
                    if call.function and call.function.name:
                        latest[call.index], started = started, started + 1
                        call.id = call.id or _new_call_id()
                    call.index = latest.get(call.index, call.index)
            yield chunk
    finally:
        await stream.close()


def _new_call_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"
