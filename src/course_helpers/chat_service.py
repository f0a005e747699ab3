"""A stateless chat service: FastAPI routes that run one agent turn, each user's conversation kept in Redis.

Run it as `uvicorn course_helpers.chat_service:app --workers 2` with two environment variables:
`CHAT_REDIS_URL` (where conversations live) and `CHAT_API_KEY` (the secret that signs each user's key).
No worker keeps anything between requests, so any worker can answer any turn, and one can die at any time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, HTTPException, Request, Response, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from fastapi.sse import EventSourceResponse, ServerSentEvent
from openai.types.responses import ResponseTextDeltaEvent
from pydantic import BaseModel, Field
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeoutError
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agents import Agent, Runner
from agents.extensions.memory import RedisSession

MAX_BODY_BYTES = 8192  # a chat message, not a document; bigger bodies get a 413 before any work is done
TURN_LOCK_SECONDS = 120  # longer than any turn takes; a dead worker's lock expires after it
TURN_WAIT_SECONDS = 30  # how long a second turn of the same user waits for the first before a 409
USER_ID = r"^[A-Za-z0-9_-]{1,64}$"

assistant = Agent(name="Assistant", instructions="Answer briefly. Use what the user told you earlier.")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


class Turn(BaseModel):
    """One user message: who sends it and what it says."""

    user_id: str = Field(pattern=USER_ID, description="letters, digits, _ or -; at most 64")
    message: str = Field(min_length=1, max_length=4000)


class Reply(BaseModel):
    """The agent's answer, and how many items the user's stored conversation holds now."""

    user_id: str
    reply: str
    stored_items: int


class History(BaseModel):
    """Every item stored for one user, oldest first, as the session keeps them."""

    user_id: str
    items: list[dict]


def user_key(user_id: str, secret: str) -> str:
    """The API key for `user_id`: the id and its HMAC under the service's secret, so no key table is needed."""
    digest = hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).digest()
    return f"{user_id}.{base64.urlsafe_b64encode(digest).decode().rstrip('=')}"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Per worker: read the settings, choose the model as every notebook does, open one Redis client."""
    from course_helpers import setup

    missing = [name for name in ("CHAT_REDIS_URL", "CHAT_API_KEY") if not os.environ.get(name)]
    if missing:
        raise RuntimeError(f"Set {' and '.join(missing)} before starting the chat service.")
    setup()
    app.state.secret = os.environ["CHAT_API_KEY"]
    app.state.redis = Redis.from_url(os.environ["CHAT_REDIS_URL"])
    try:
        yield
    finally:
        await app.state.redis.aclose()


TOO_LARGE = f"The request body is larger than {MAX_BODY_BYTES} bytes: send a shorter message."


class BodyLimit:
    """Refuse a body past MAX_BODY_BYTES with a 413: unread when Content-Length says so, else once it grows past."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return await JSONResponse({"detail": TOO_LARGE}, status_code=413)(scope, receive, send)
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:
                raise HTTPException(413, TOO_LARGE)  # a body sent in chunks, with no Content-Length
            return message

        await self.app(scope, counting_receive, send)


app = FastAPI(title="Chat service", lifespan=lifespan)
app.add_middleware(BodyLimit)


def caller(request: Request, key: str | None = Security(api_key_header)) -> str:
    """The user the X-API-Key header belongs to; 401 when it is missing or not a key this service signed."""
    if not key:
        raise HTTPException(401, "Send your API key in the X-API-Key header.")
    user_id = key.rpartition(".")[0]
    if not hmac.compare_digest(key.encode(), user_key(user_id, request.app.state.secret).encode()):
        raise HTTPException(401, "This API key is not one this service issued: check the X-API-Key header.")
    return user_id


def _own(user_id: str, user: str) -> str:
    if user_id != user:
        raise HTTPException(403, "Your API key belongs to another user: you can only use your own conversation.")
    return user_id


def own_turn(turn: Turn, user: str = Depends(caller)) -> Turn:
    """The request body, if it is a turn of the caller's own conversation; 403 for anyone else's."""
    _own(turn.user_id, user)
    return turn


def own_user_id(user_id: str, user: str = Depends(caller)) -> str:
    """The user id in the path, if it is the caller's own; 403 for anyone else's."""
    return _own(user_id, user)


@asynccontextmanager
async def one_turn_at_a_time(request: Request, user_id: str) -> AsyncIterator[RedisSession]:
    """The user's session under a Redis lock, so two turns of one conversation never interleave, whichever workers
    run them; 409 when another turn holds it too long (a dead worker's lock expires after TURN_LOCK_SECONDS)."""
    redis = request.app.state.redis
    lock = redis.lock(f"chat:turn:{user_id}", timeout=TURN_LOCK_SECONDS, blocking_timeout=TURN_WAIT_SECONDS)
    if not await lock.acquire():
        raise HTTPException(409, "Another turn of this conversation is still running: "
                                 "send this one once it is answered.")
    try:
        yield RedisSession(user_id, redis_client=redis)
    finally:
        await lock.release()


@app.post("/chat")
async def chat(request: Request, response: Response, turn: Turn = Depends(own_turn)) -> Reply:
    """One turn: the Runner loads the user's history from Redis, runs the agent, and saves the turn back."""
    async with one_turn_at_a_time(request, turn.user_id) as session:
        result = await Runner.run(assistant, turn.message, session=session)
        stored = len(await session.get_items())
    response.headers["X-Worker"] = str(os.getpid())  # which process answered, so a demo can kill it
    return Reply(user_id=turn.user_id, reply=str(result.final_output), stored_items=stored)


@app.post("/chat/stream", response_class=EventSourceResponse)
async def chat_stream(request: Request, turn: Turn = Depends(own_turn)) -> AsyncIterator[ServerSentEvent]:
    """The same turn as server-sent events: a `delta` event per piece of text, then `done` with the Reply
    (or one `error` event: once a stream has begun, its status can no longer change)."""
    try:
        async with one_turn_at_a_time(request, turn.user_id) as session:
            result = Runner.run_streamed(assistant, turn.message, session=session)
            async for event in result.stream_events():
                if event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent):
                    yield ServerSentEvent(event="delta", data=event.data.delta)
            stored = len(await session.get_items())
    except HTTPException as busy:
        yield ServerSentEvent(event="error", data={"detail": busy.detail})
        return
    reply = Reply(user_id=turn.user_id, reply=str(result.final_output), stored_items=stored)
    yield ServerSentEvent(event="done", data=reply.model_dump())


@app.get("/history/{user_id}")
async def history(request: Request, user_id: str = Depends(own_user_id)) -> History:
    """Every stored item of the caller's own conversation."""
    return History(user_id=user_id, items=await RedisSession(user_id, redis_client=request.app.state.redis).get_items())


@app.get("/health")
async def health(request: Request) -> dict:
    """For load balancers and Kubernetes probes: is this worker up, and can it reach Redis?"""
    return {"ok": bool(await request.app.state.redis.ping())}


@app.exception_handler(RequestValidationError)
async def one_sentence_422(request: Request, error: RequestValidationError) -> JSONResponse:
    """A 422 whose `detail` is one sentence naming the field and the fix; `errors` keeps pydantic's list."""
    errors = [{key: value for key, value in e.items() if key in ("type", "loc", "msg")} for e in error.errors()]
    field = ".".join(part for part in errors[0]["loc"][1:] if isinstance(part, str)) or "the body"
    detail = (f"{field}: {errors[0]['msg']}. Send JSON like "
              '{"user_id": "ada", "message": "Hello"} with Content-Type: application/json.')
    return JSONResponse({"detail": detail, "errors": errors}, status_code=422)



@app.exception_handler(RedisConnectionError)
@app.exception_handler(RedisTimeoutError)
async def store_unreachable(request: Request, error: Exception) -> JSONResponse:
    """Redis down or too slow: a 503 (so a load balancer tries elsewhere), and the turn was not run."""
    return JSONResponse({"detail": "The conversation store is not reachable right now: try again in a moment."},
                        status_code=503)
