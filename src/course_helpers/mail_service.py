"""Notebook 27's email service: an API over PostgreSQL, which holds the mail, its triage, the approval queue and outbox.

`uvicorn course_helpers.mail_service:app` serves it, with MAIL_DB_URL (PostgreSQL), MAIL_API_KEY (the secret that
signs users' keys, as in notebook 24) and MAIL_CALENDAR_URL (the calendar MCP server) set. Each caller sees only
their own mail and queue. A reply is sent only by `POST /replies/{id}/approve`, which marks it approved and writes
it to the outbox in one transaction; the outbox's primary key is the reply's id, so nothing is ever sent twice.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal

import psycopg
from agents import Agent, RunContextWrapper, Runner, function_tool
from agents.extensions.memory import SQLAlchemySession
from agents.mcp import MCPServerStreamableHttp
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import create_async_engine

from course_helpers import durable_demo
from course_helpers.chat_service import BodyLimit, caller, user_key
from course_helpers.inbox import Email

__all__ = ["app", "deliver", "prepare", "user_key"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS mail (user_id text NOT NULL, email_id int NOT NULL, email jsonb NOT NULL,
    PRIMARY KEY (user_id, email_id));
CREATE TABLE IF NOT EXISTS triage (user_id text NOT NULL, email_id int NOT NULL, category text NOT NULL,
    reason text NOT NULL, PRIMARY KEY (user_id, email_id), FOREIGN KEY (user_id, email_id) REFERENCES mail);
CREATE TABLE IF NOT EXISTS replies (id bigserial PRIMARY KEY, user_id text NOT NULL, email_id int NOT NULL,
    body text NOT NULL, source text NOT NULL, status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'approved', 'rejected')), FOREIGN KEY (user_id, email_id) REFERENCES mail);
CREATE UNIQUE INDEX IF NOT EXISTS one_draft_per_email ON replies (user_id, email_id) WHERE source = 'triage';
CREATE TABLE IF NOT EXISTS outbox (reply_id bigint PRIMARY KEY REFERENCES replies, user_id text NOT NULL,
    email_id int NOT NULL, body text NOT NULL, sent_at timestamptz NOT NULL DEFAULT now());
"""


def prepare(db_url: str) -> None:
    """Create DBOS's tables, notebook 26's ledger and the service's tables once, before any process starts."""
    durable_demo.prepare(db_url)
    with psycopg.connect(db_url, autocommit=True) as connection:
        connection.execute(SCHEMA)


def deliver(db_url: str, user_id: str, emails: Iterable[Email]) -> int:
    """Put emails into a user's mailbox, as a mail server would; returns how many were new (a repeat is ignored)."""
    with psycopg.connect(db_url) as connection:
        rows = [(user_id, email.id, email.model_dump_json()) for email in emails]
        new = 0
        for row in rows:
            new += connection.execute("INSERT INTO mail (user_id, email_id, email) VALUES (%s, %s, %s) "
                                      "ON CONFLICT DO NOTHING", row).rowcount
    return new


# --- The interactive agent: it reads the caller's mail and can queue a reply, never send one ---------------------

@dataclass
class Caller:
    """Who is talking to the agent; every tool reads only this user's rows."""

    user_id: str
    db_url: str


async def _fetch(db_url: str, sql: str, *args: object) -> list[tuple]:
    """Run one statement on its own autocommitted connection and return its rows."""
    async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as connection:
        return await (await connection.execute(sql, args)).fetchall()


@function_tool
async def list_triaged_mail(ctx: RunContextWrapper[Caller],
                            category: Literal["important", "less_important", "junk", "any"]) -> str:
    """List the user's emails the background triage has sorted, with their category, optionally of one category."""
    rows = await _fetch(ctx.context.db_url,
                        "SELECT t.email_id, m.email->>'subject', t.category FROM triage t JOIN mail m USING "
                        "(user_id, email_id) WHERE user_id = %s AND (%s = 'any' OR t.category = %s) "
                        "ORDER BY t.email_id",
                        ctx.context.user_id, category, category)
    return "\n".join(f"#{email_id} [{kind}] {subject}" for email_id, subject, kind in rows) or "No triaged mail."


@function_tool
async def read_email(ctx: RunContextWrapper[Caller], email_id: int) -> str:
    """Open one of the user's emails by its number and read all of it."""
    rows = await _fetch(ctx.context.db_url, "SELECT email FROM mail WHERE user_id = %s AND email_id = %s",
                        ctx.context.user_id, email_id)
    return Email.model_validate(rows[0][0]).as_text() if rows else f"There is no email #{email_id}."


@function_tool
async def queue_reply(ctx: RunContextWrapper[Caller], email_id: int, text: str) -> str:
    """Draft a reply to one of the user's emails; it waits in the approval queue until the user approves it."""
    rows = await _fetch(ctx.context.db_url,
                        "WITH own AS (SELECT user_id, email_id FROM mail WHERE user_id = %s AND email_id = %s) "
                        "INSERT INTO replies (user_id, email_id, body, source) SELECT user_id, email_id, %s, 'chat' "
                        "FROM own RETURNING id", ctx.context.user_id, email_id, text)
    return f"Your reply to #{email_id} waits in the approval queue." if rows else f"There is no email #{email_id}."


email_assistant = Agent[Caller](
    name="Email assistant",
    instructions="You help the user with their inbox and calendar. You cannot send email: queue_reply puts a draft "
                 "in the user's approval queue, and the user sends it by approving it.",
    tools=[list_triaged_mail, read_email, queue_reply],
)


# --- The API ---------------------------------------------------------------------------------------------------

@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Per worker: the settings, the course's model, a session engine, and one connection to the calendar server."""
    from course_helpers import setup

    names = ("MAIL_DB_URL", "MAIL_API_KEY", "MAIL_CALENDAR_URL")
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        raise RuntimeError(f"Set {' and '.join(missing)} before starting the mail service.")
    setup()
    app.state.secret, app.state.db_url = os.environ["MAIL_API_KEY"], os.environ["MAIL_DB_URL"]
    app.state.sessions = create_async_engine(app.state.db_url.replace("postgresql://", "postgresql+asyncpg://", 1))
    async with MCPServerStreamableHttp({"url": os.environ["MAIL_CALENDAR_URL"]}, name="calendar",
                                       cache_tools_list=True) as calendar:
        app.state.agent = email_assistant.clone(mcp_servers=[calendar])
        try:
            yield
        finally:
            await app.state.sessions.dispose()


app = FastAPI(title="Mail service", lifespan=lifespan)
app.add_middleware(BodyLimit)


class Message(BaseModel):
    message: str = Field(min_length=1, max_length=4000)


class Reply(BaseModel):
    """A reply in the approval queue."""

    id: int
    email_id: int
    body: str
    source: str
    status: str


@app.post("/chat")
async def chat(request: Request, turn: Message, user: str = Depends(caller)) -> dict:
    """One turn with the interactive agent; the conversation is kept in PostgreSQL under the caller's id."""
    session = SQLAlchemySession(user, engine=request.app.state.sessions, create_tables=True)
    result = await Runner.run(request.app.state.agent, turn.message, session=session,
                              context=Caller(user, request.app.state.db_url))
    return {"user_id": user, "reply": str(result.final_output)}


@app.get("/mail")
async def triaged_mail(request: Request, user: str = Depends(caller)) -> list[dict]:
    """The caller's triaged mail: id, subject, category and reason."""
    rows = await _fetch(request.app.state.db_url,
                        "SELECT t.email_id, m.email->>'subject', t.category, t.reason FROM triage t JOIN mail m "
                        "USING (user_id, email_id) WHERE user_id = %s ORDER BY t.email_id", user)
    return [dict(zip(("email_id", "subject", "category", "reason"), row)) for row in rows]


@app.get("/replies")
async def replies(request: Request, status: Literal["pending", "approved", "rejected"] = "pending",
                  user: str = Depends(caller)) -> list[Reply]:
    """The caller's approval queue (or their approved or rejected replies)."""
    rows = await _fetch(request.app.state.db_url, "SELECT id, email_id, body, source, status FROM replies "
                        "WHERE user_id = %s AND status = %s ORDER BY id", user, status)
    return [Reply(**dict(zip(Reply.model_fields, row))) for row in rows]


@app.post("/replies/{reply_id}/{decision}")
async def decide(request: Request, reply_id: int, decision: Literal["approve", "reject"],
                 user: str = Depends(caller)) -> dict:
    """Approve (and so send) or reject one pending reply of the caller's; 404 for anyone else's, 409 if decided."""
    status, was = {"approve": "approved", "reject": "rejected"}[decision], None
    async with await psycopg.AsyncConnection.connect(request.app.state.db_url) as connection, connection.transaction():
        decided = await (await connection.execute(
            "UPDATE replies SET status = %s WHERE id = %s AND user_id = %s AND status = 'pending' "
            "RETURNING user_id, email_id, body", (status, reply_id, user))).fetchone()
        if decided and status == "approved":
            await connection.execute("INSERT INTO outbox (reply_id, user_id, email_id, body) VALUES (%s, %s, %s, %s)",
                                     (reply_id, *decided))
        if not decided:
            was = await (await connection.execute("SELECT status FROM replies WHERE id = %s AND user_id = %s",
                                                  (reply_id, user))).fetchone()
    if not decided and was is None:  # another user's reply is as invisible as one that does not exist
        raise HTTPException(404, f"There is no reply {reply_id} in your queue: list yours with GET /replies.")
    if not decided:
        raise HTTPException(409, f"Reply {reply_id} is already {was[0]}: a reply is decided once.")
    return {"id": reply_id, "status": status, "sent": status == "approved"}


@app.get("/outbox")
async def outbox(request: Request, user: str = Depends(caller)) -> list[dict]:
    """What was sent for the caller: each approved reply, once."""
    rows = await _fetch(request.app.state.db_url, "SELECT reply_id, email_id, body FROM outbox WHERE user_id = %s "
                        "ORDER BY reply_id", user)
    return [dict(zip(("reply_id", "email_id", "body"), row)) for row in rows]


@app.get("/health")
async def health(request: Request) -> dict:
    """Is this worker up, and can it reach PostgreSQL?"""
    return {"ok": (await _fetch(request.app.state.db_url, "SELECT 1")) == [(1,)]}


@app.exception_handler(RequestValidationError)
async def one_sentence_422(request: Request, error: RequestValidationError) -> JSONResponse:
    """A 422 whose `detail` is one sentence naming the field and the fix."""
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"][1:]) or "the body"
    detail = f"{field}: {first['msg']}. See GET /docs for what each route takes, e.g. {{\"message\": \"Hello\"}}."
    return JSONResponse({"detail": detail}, status_code=422)
