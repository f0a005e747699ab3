"""RedisSession and SQLAlchemySession keep a conversation on real servers, and a second process continues it."""

import asyncio
import json
import os
import subprocess
import sys

import psycopg
import redis
from agents import Agent, Runner
from agents.extensions.memory import RedisSession, SQLAlchemySession

from course_helpers import services
from course_helpers.checks import offline_run_config

FIRST, NEXT = "My name is Ada. What is 12 * 7?", "What is my name?"
MESSAGES = "agents:session:ada:messages"

# The second process: its own agent and sessions, nothing but the two URLs from this one.
SECOND_PROCESS = """
import asyncio, sys
from agents import Agent, RunHooks, Runner
from agents.extensions.memory import RedisSession, SQLAlchemySession
from course_helpers.checks import offline_run_config

class Sent(RunHooks):
    async def on_llm_start(self, context, agent, system_prompt, input_items):
        self.users = [item["content"] for item in input_items if item.get("role") == "user"]

async def main(redis_url, postgres_url):
    for name, session in [("redis", RedisSession.from_url("ada", url=redis_url)),
                          ("postgres", SQLAlchemySession.from_url("ada", url=postgres_url))]:
        hooks = Sent()
        result = await Runner.run(Agent(name="Assistant"), "What is my name?", session=session, hooks=hooks,
                                  run_config=offline_run_config())
        print(name, hooks.users, result.final_output, sep="|")
        await (session.close() if name == "redis" else session.engine.dispose())

asyncio.run(main(*sys.argv[1:]))
"""


def _users(items: list[dict]) -> list[str]:
    return [item["content"] for item in items if item.get("role") == "user"]


async def _first_turn(redis_url: str, postgres_url: str) -> None:
    redis_session = RedisSession.from_url("ada", url=redis_url)
    postgres_session = SQLAlchemySession.from_url("ada", url=postgres_url, create_tables=True)
    for session in (redis_session, postgres_session):
        await Runner.run(Agent(name="Assistant"), FIRST, session=session, run_config=offline_run_config())
    await redis_session.close()
    await postgres_session.engine.dispose()


def test_a_second_process_continues_the_conversation_on_real_redis_and_postgres():
    with services.redis_server() as redis_server, services.postgres_server() as postgres_server:
        client = redis.Redis.from_url(redis_server.url, decode_responses=True)
        info = client.info("server")
        assert info["process_id"] == redis_server.pid and info["redis_version"] == redis_server.version

        def postgres_items() -> list[dict]:
            with psycopg.connect(postgres_server.url) as db:
                version = db.execute("SELECT version()").fetchone()[0]
                assert version.startswith(f"PostgreSQL {postgres_server.version} ")  # the server we started
                rows = db.execute("SELECT message_data FROM agent_messages WHERE session_id = 'ada' ORDER BY id")
                return [json.loads(data) for (data,) in rows.fetchall()]

        asyncio.run(_first_turn(redis_server.url, postgres_server.asyncpg_url))
        assert client.llen(MESSAGES) == 2 and len(postgres_items()) == 2  # the question and the reply

        second = subprocess.run([sys.executable, "-c", SECOND_PROCESS, redis_server.url, postgres_server.asyncpg_url],
                                capture_output=True, text=True, env={**os.environ, "COURSE_PROVIDER": "offline"},
                                timeout=120)
        assert second.returncode == 0, second.stderr
        for line, name in zip(second.stdout.splitlines(), ("redis", "postgres")):
            assert line == f"{name}|{[FIRST, NEXT]}|Your name is Ada."  # sent turn 1, so it knew the name

        in_redis = [json.loads(item) for item in client.lrange(MESSAGES, 0, -1)]
        for stored in (in_redis, postgres_items()):
            assert len(stored) == 4 and _users(stored) == [FIRST, NEXT]
        client.close()
