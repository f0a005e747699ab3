"""Checkers for notebook 24: a route that serves only the caller's own conversation, and the evidence a crash lost
nothing."""

import copy
import inspect
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from agents import Agent, Runner, SQLiteSession

from course_helpers.checks import Hint, checker, offline_run_config, reference_solution

__all__ = ["check_conversation_length", "check_history_is_whole"]

_PATH = "/history/{user_id}/length"


async def _seeded_app(route: Any, redis_url: str, secret: str) -> Any:
    """A fresh service app with the learner's route, its state set as the chat service's lifespan sets it."""
    from fastapi import FastAPI
    from redis.asyncio import Redis

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.secret, app.state.redis = secret, Redis.from_url(redis_url)
        yield
        await app.state.redis.aclose()

    app = FastAPI(lifespan=lifespan)
    app.get(_PATH)(route)
    return app


async def _seed(redis_url: str, user_id: str, count: int) -> None:
    from agents.extensions.memory import RedisSession

    session = RedisSession.from_url(user_id, url=redis_url)
    await session.add_items([{"role": "user", "content": f"Message {n}"} for n in range(count)])
    await session.close()


@checker("write `async def conversation_length(request, user_id)` that returns "
         "`{'user_id': user_id, 'items': <how many items are stored>}`.")
async def check_conversation_length(conversation_length: Any) -> str:
    """Serve the learner's route on a real Redis; call it with the owner's key, another user's key and no key."""
    import asyncio

    from fastapi.testclient import TestClient

    from course_helpers.chat_service import user_key
    from course_helpers.services import redis_server

    if not inspect.iscoroutinefunction(conversation_length):
        raise Hint("make it `async def`: it awaits the session's `get_items()`.")
    secret = secrets.token_urlsafe(16)
    with redis_server() as redis:
        await _seed(redis.url, "ada", 3)
        app = await _seeded_app(conversation_length, redis.url, secret)

        def calls() -> list[Any]:
            with TestClient(app) as client:
                path = _PATH.format(user_id="ada")
                return [client.get(path, headers={"X-API-Key": user_key("ada", secret)}),
                        client.get(_PATH.format(user_id="bob"), headers={"X-API-Key": user_key("bob", secret)}),
                        client.get(path, headers={"X-API-Key": user_key("bob", secret)}),
                        client.get(path)]

        own, empty, other, anonymous = await asyncio.to_thread(calls)
    if own.status_code == 422:
        raise Hint("FastAPI took a parameter for a query parameter it did not get: annotate `request: Request`, and "
                   "take `user_id: str = Depends(own_user_id)` from the service.")
    if own.status_code != 200:
        raise Hint(f"Ada asking for her own count got {own.status_code}: {own.text[:200]}")
    body = own.json()
    if not isinstance(body, dict) or body.get("items") != 3 or body.get("user_id") != "ada":
        raise Hint(f"Ada has 3 stored items, but the route answered {body!r}: count what "
                   "`await RedisSession(user_id, redis_client=request.app.state.redis).get_items()` returns.")
    if empty.status_code != 200 or empty.json().get("items") != 0:
        raise Hint(f"Bob has no stored items yet, but his own count answered {empty.status_code} {empty.text[:120]}.")
    if other.status_code != 403:
        raise Hint(f"Bob's key read Ada's count ({other.status_code} {other.text[:80]}): take "
                   "`user_id: str = Depends(own_user_id)`, so the service checks the key belongs to that user.")
    if anonymous.status_code != 401:
        raise Hint(f"a request with no key at all got {anonymous.status_code}: `Depends(own_user_id)` also checks "
                   "the key, through `caller`.")
    return "Ada's own count is 3, Bob's is 0, Bob's key on Ada's count is a 403 and no key is a 401."


def _user_positions(items: list[dict]) -> list[int]:
    return [index for index, item in enumerate(items) if item.get("role") == "user"]


async def _real_history(sent: list[str]) -> list[dict]:
    """What the SDK stores for `sent`, one turn after another, run for real on the offline model."""
    session = SQLiteSession("check")
    agent = Agent(name="Assistant", instructions="Answer briefly. Use what the user told you earlier.")
    for message in sent:
        await Runner.run(agent, message, session=session, run_config=offline_run_config())
    items = await session.get_items()
    session.close()
    return items


@checker("write `check_history(items, sent)` that returns True only when the stored `items` hold the `sent` "
         "messages, each once, in order, each followed by its reply.")
async def check_history_is_whole(check_history: Any) -> str:
    """Give the learner's function a real history, and copies of it that lost, doubled, reordered or cut a turn."""
    sent = ["My name is Grace.", "What is 6 * 7?", "What is my name?"]
    whole = await _real_history(sent)
    users = _user_positions(whole)
    reasoning = copy.deepcopy(whole)
    reasoning.insert(users[1] + 1, {"type": "reasoning", "id": "rs_1", "summary": []})  # a reasoning model's extra
    second_turn = whole[users[1]:users[2]]
    cases = [
        (whole, sent, True, "the real history of three turns"),
        (reasoning, sent, True, "a history with a reasoning item before a reply (real models add such items)"),
        ([], [], True, "an empty history when nothing was sent"),
        (whole[:users[1]] + whole[users[2]:], sent, False, "a history that lost the second turn"),
        (whole[:users[2]] + second_turn + whole[users[2]:], sent, False, "a history with the second turn twice"),
        (whole + [{"role": "user", "content": "What is 2 + 2?"}], [*sent, "What is 2 + 2?"], False,
         "a history whose last message has no reply (the worker died mid-turn)"),
        (whole[users[1]:users[2]] + whole[:users[1]] + whole[users[2]:], sent, False,
         "a history with its first two turns swapped"),
    ]
    for items, messages, expected, what in cases:
        answer = check_history(copy.deepcopy(items), list(messages))
        if inspect.isawaitable(answer):
            answer.close()
            raise Hint("make `check_history` a plain `def`: it only reads a list.")
        if not isinstance(answer, bool):
            raise Hint(f"return True or False, not {answer!r} (of type {type(answer).__name__}).")
        if answer is not expected:
            fix = ("compare the user messages' `content`, in order, with `sent`, and check each is followed by at "
                   "least one item before the next user message (or the end)")
            raise Hint(f"for {what} it returned {answer}, but should return {expected}: {fix}.")
    return f"all {len(cases)} histories judged right: lost, doubled, swapped and unanswered turns are caught."


@reference_solution(check_conversation_length)
def _conversation_length():
    """Reuse the service's `own_user_id` dependency for the `user_id` parameter (it checks the key and the owner),
    then count the items a `RedisSession` on `request.app.state.redis` returns."""
    from fastapi import Depends, Request

    from agents.extensions.memory import RedisSession
    from course_helpers.chat_service import own_user_id

    async def conversation_length(request: Request, user_id: str = Depends(own_user_id)) -> dict:
        items = await RedisSession(user_id, redis_client=request.app.state.redis).get_items()
        return {"user_id": user_id, "items": len(items)}

    return conversation_length


@reference_solution(check_history_is_whole)
def _check_history():
    """Find the positions of the items whose role is "user": their contents must equal `sent`, and the gap from each
    to the next (or to the end of the list) must hold at least one more item, the reply."""

    def check_history(items, sent):
        starts = [i for i, item in enumerate(items) if item.get("role") == "user"]
        if [items[i]["content"] for i in starts] != sent:
            return False
        return all(end - start >= 2 for start, end in zip(starts, starts[1:] + [len(items)]))

    return check_history
