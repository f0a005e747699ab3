"""An SDK agent served over A2A (course_helpers.a2a_peer) against a real uvicorn server and a real A2A client."""

import asyncio
import contextlib
import json
import logging
import socket
import sys
from urllib.parse import urlsplit

import httpx
import psutil
from a2a.client import A2ACardResolver, ClientCallContext, ClientConfig, create_client
from a2a.helpers import new_text_message
from a2a.types import (AgentCapabilities, AgentCard, AgentSkill, CancelTaskRequest, GetTaskRequest, Message, Role,
                       SendMessageRequest, Task, TaskState)
from agents import Agent, RunConfig, Runner
from agents.testing import ScriptedModel

from course_helpers.a2a_peer import WAIT_SECONDS, AgentsSDKExecutor, a2a_server, a2a_tool, describe_a2a_error, task_text
from course_helpers.checks import offline_run_config
from course_helpers.mcp_servers.launch import NotebookMCPServerStdio

CARD = AgentCard(
    name="Riverside Librarian", version="1.0.0",
    description="Finds books in the Riverside Library, says which are on the shelf, and reserves copies.",
    capabilities=AgentCapabilities(streaming=True), default_input_modes=["text/plain"],
    default_output_modes=["text/plain"],
    skills=[AgentSkill(id="find-books", name="Find books", description="Search the catalogue, check the shelf.",
                       tags=["library"], examples=["Is Dracula on the shelf?"])],
)
LIBRARY = {"command": sys.executable, "args": ["-m", "course_helpers.mcp_servers.library"]}


@contextlib.asynccontextmanager
async def librarian_server(run_config=None):
    """The librarian agent (its tools from the MCP library server, reserve_copy needing approval), served over A2A."""
    async with NotebookMCPServerStdio(LIBRARY, name="Riverside Library",
                                      require_approval={"reserve_copy": "always"}) as library:
        librarian = Agent(name="Librarian", instructions="Help readers find and borrow books.", mcp_servers=[library])
        executor = AgentsSDKExecutor(librarian, run_config or offline_run_config())
        async with a2a_server(CARD, executor) as server:
            yield server, library


def user(text, task=None) -> Message:
    if task is None:
        return new_text_message(text, role=Role.ROLE_USER)
    return new_text_message(text, role=Role.ROLE_USER, task_id=task.id, context_id=task.context_id)


async def send(client, message):
    """Send a message; return the events as (kind, state name or None, text) and the task as last seen."""
    events, task = [], Task(id=message.task_id, context_id=message.context_id)  # a follow-up gets no Task first
    wait = ClientCallContext(timeout=WAIT_SECONDS)  # a first offline answer can take over httpx's 5 s on a busy box
    async for response in client.send_message(SendMessageRequest(message=message), context=wait):
        kind = response.WhichOneof("payload")
        if kind == "task":
            task = response.task
            events.append((kind, TaskState.Name(task.status.state), ""))
        elif kind == "status_update":
            status = response.status_update.status
            task.status.CopyFrom(status)
            events.append((kind, TaskState.Name(status.state), " ".join(p.text for p in status.message.parts)))
        else:
            events.append((kind, None, " ".join(p.text for p in response.artifact_update.artifact.parts)))
    return events, task


def states(events) -> list[str]:
    """The task's states in the order they arrived, repeats of one state collapsed."""
    seen = [state for _, state, _ in events if state]
    return [state for i, state in enumerate(seen) if i == 0 or seen[i - 1] != state]


def test_the_card_is_served_at_the_well_known_path_with_the_address_it_answers_on():
    async def check():
        async with librarian_server() as (server, _):
            async with httpx.AsyncClient() as http:
                raw = (await http.get(f"{server.url}/.well-known/agent-card.json")).json()
                card = await A2ACardResolver(http, server.url).get_agent_card()
        assert raw["name"] == "Riverside Librarian" and raw["capabilities"] == {"streaming": True}
        assert raw["skills"][0]["id"] == "find-books"
        interface = {"url": server.url, "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}
        assert raw["supportedInterfaces"] == [interface]
        assert card == server.card and urlsplit(server.url).hostname == "127.0.0.1"

    asyncio.run(check())


def test_a_task_goes_submitted_working_completed_and_streams_each_tool_call():
    async def check():
        async with librarian_server() as (server, _):
            async with await create_client(server.card) as client:
                events, task = await send(client, user("Check whether Dracula is on the shelf"))
        assert states(events) == ["TASK_STATE_SUBMITTED", "TASK_STATE_WORKING", "TASK_STATE_COMPLETED"]
        assert ("status_update", "TASK_STATE_WORKING", "Calling check_availability.") in events
        assert [kind for kind, _, _ in events].index("artifact_update") < len(events) - 1  # before the end
        assert "Dracula is available" in task_text(task) or "Dracula is available" in events[-2][2]

    asyncio.run(check())


def test_without_streaming_the_client_gets_the_finished_task_in_one_answer():
    async def check():
        async with librarian_server() as (server, _):
            async with await create_client(server.card, ClientConfig(streaming=False)) as client:
                events, task = await send(client, user("Check whether Dracula is on the shelf"))
                stored = await client.get_task(GetTaskRequest(id=task.id))
        assert events == [("task", "TASK_STATE_COMPLETED", "")]
        assert "Dracula is available" in task_text(task) and task_text(stored) == task_text(task)

    asyncio.run(check())


def test_input_required_round_trip_reserves_once_after_yes_and_asks_again_after_an_unclear_answer():
    async def check():
        async with librarian_server() as (server, library):
            async with await create_client(server.card) as client:
                asked, task = await send(client, user("Please reserve Dracula for Ada Lovelace"))
                unclear, _ = await send(client, user("maybe later", task))
                answered, task = await send(client, user("Yes, please.", task))
            shelf = await library.call_tool("check_availability", {"book_name": "Dracula"})
        assert states(asked) == ["TASK_STATE_SUBMITTED", "TASK_STATE_WORKING", "TASK_STATE_INPUT_REQUIRED"]
        question = asked[-1][2]
        assert "reserve_copy" in question and "Ada Lovelace" in question and "yes or no" in question
        assert states(unclear) == ["TASK_STATE_INPUT_REQUIRED"] and unclear[-1][2] == question
        assert states(answered) == ["TASK_STATE_WORKING", "TASK_STATE_COMPLETED"]
        assert "Reserved Dracula for Ada Lovelace" in " ".join(text for _, _, text in answered)
        assert shelf.content[0].text == "Dracula is out: all 2 copies are on loan."  # 1 of 2 was free: now none

    asyncio.run(check())


def test_no_rejects_the_tool_call_so_nothing_is_reserved():
    async def check():
        async with librarian_server() as (server, library):
            async with await create_client(server.card) as client:
                _, task = await send(client, user("Please reserve Dracula for Ada Lovelace"))
                answered, task = await send(client, user("no", task))
            shelf = await library.call_tool("check_availability", {"book_name": "Dracula"})
        assert states(answered)[-1] == "TASK_STATE_COMPLETED"
        assert shelf.content[0].text == "Dracula is available: 1 of 2 copies are on the shelf."

    asyncio.run(check())


def test_a_waiting_task_can_be_canceled_and_then_takes_no_answer():
    async def check():
        async with librarian_server() as (server, library):
            async with await create_client(server.card) as client:
                _, task = await send(client, user("Please reserve Dracula for Ada Lovelace"))
                canceled = await client.cancel_task(CancelTaskRequest(id=task.id))
                try:
                    await send(client, user("yes", task))
                except Exception as error:
                    refused = describe_a2a_error(error, "Riverside Librarian")
            shelf = await library.call_tool("check_availability", {"book_name": "Dracula"})
        return canceled, refused, shelf

    canceled, refused, shelf = asyncio.run(check())
    assert TaskState.Name(canceled.status.state) == "TASK_STATE_CANCELED"
    assert "terminal state" in refused
    assert shelf.content[0].text == "Dracula is available: 1 of 2 copies are on the shelf."


def test_another_agent_asks_through_a_function_tool_and_the_librarian_reaches_the_library_over_mcp():
    async def check():
        async with librarian_server() as (server, library):
            front_desk = Agent(name="Front desk", instructions="Answer readers; the librarian knows the books.",
                               tools=[a2a_tool(server.card, name="ask_librarian")])
            before = json.loads((await library.read_resource("library://stats")).contents[0].text)
            result = await Runner.run(front_desk, "Ask the librarian to check whether Frankenstein is on the shelf",
                                      run_config=offline_run_config())
            after = json.loads((await library.read_resource("library://stats")).contents[0].text)
            reserve = await Runner.run(front_desk, "Ask the librarian to reserve Emma for Ada Lovelace",
                                       run_config=offline_run_config())
        calls = [item.raw_item.name for item in result.new_items if item.type == "tool_call_item"]
        outputs = [str(item.output) for item in result.new_items if item.type == "tool_call_output_item"]
        assert calls == ["ask_librarian"] and "Frankenstein is available" in outputs[0]
        assert after.get("tools/call", 0) == before.get("tools/call", 0) + 1  # the librarian's MCP call
        waiting = [str(item.output) for item in reserve.new_items if item.type == "tool_call_output_item"]
        assert waiting[0].startswith("Riverside Librarian needs an answer first: May I call reserve_copy")

    asyncio.run(check())


def test_a_run_that_raises_ends_the_task_failed_with_the_reason():
    async def check():
        async with librarian_server(RunConfig(model=ScriptedModel([]), tracing_disabled=True)) as (server, _):
            async with await create_client(server.card) as client:
                events, task = await send(client, user("Check whether Dracula is on the shelf"))
        assert states(events) == ["TASK_STATE_SUBMITTED", "TASK_STATE_WORKING", "TASK_STATE_FAILED"]
        assert task_text(task).startswith("UnexpectedModelCall")

    asyncio.run(check())


def test_bad_input_gets_one_sentence_each():
    async def check():
        sentences = {}
        async with librarian_server() as (server, _):
            async with await create_client(server.card) as client:
                for name, attempt in {
                    "unknown task (get)": client.get_task(GetTaskRequest(id="no-such-task")),
                    "unknown task (send)": send(client, new_text_message("hi", role=Role.ROLE_USER,
                                                                         task_id="no-such-task")),
                    "malformed message": send(client, Message(role=Role.ROLE_USER, message_id="m-1")),
                }.items():
                    try:
                        await attempt
                    except Exception as error:
                        sentences[name] = describe_a2a_error(error, "Riverside Librarian")
                log = server.log()
            try:
                await create_client(f"{server.url}/no/such/agent")
            except Exception as error:
                sentences["wrong card address"] = describe_a2a_error(error, "Riverside Librarian")
            gone_tool = a2a_tool(server.card, name="ask_librarian")
        async with await create_client(server.card) as client:
            try:
                await send(client, user("Check whether Dracula is on the shelf"))
            except Exception as error:
                sentences["server gone"] = describe_a2a_error(error, "Riverside Librarian")
        try:
            await create_client(server.url)
        except Exception as error:
            sentences["no card"] = describe_a2a_error(error, "Riverside Librarian")
        front_desk = Agent(name="Front desk", instructions="Ask the librarian.", tools=[gone_tool])
        result = await Runner.run(front_desk, "Ask the librarian to check whether Emma is on the shelf",
                                  run_config=offline_run_config())
        return sentences, log, result

    sentences, log, result = asyncio.run(check())
    assert sentences["unknown task (get)"].startswith("Riverside Librarian has no such task: send a new message")
    assert "no-such-task" in sentences["unknown task (send)"]
    assert "without a task id" in sentences["unknown task (send)"]
    assert "message.parts" in sentences["malformed message"] and "fix that field" in sentences["malformed message"]
    assert "no agent card at that address (HTTP 404)" in sentences["wrong card address"]
    for name in ("server gone", "no card"):
        assert sentences[name].startswith("Riverside Librarian is not answering"), sentences[name]
    for sentence in sentences.values():
        assert sentence.count(". ") == 0 and "\n" not in sentence  # one sentence, no traceback
    assert "Task no-such-task not found" in log and "message.parts" in log  # the server's own record of refusals
    output = [str(item.output) for item in result.new_items if item.type == "tool_call_output_item"]
    assert output[0].startswith("Riverside Librarian is not answering")


def test_nothing_is_left_running_after_the_block():
    before = {child.pid for child in psutil.Process().children(recursive=True)}  # other tests' servers may run

    async def check():
        async with librarian_server() as (server, _):
            port = urlsplit(server.url).port
            started = {child.pid for child in psutil.Process().children(recursive=True)} - before
            async with await create_client(server.card) as client:
                await send(client, user("Check whether Dracula is on the shelf"))
        # sse-starlette keeps one idle shutdown watcher per event loop (not per server), by design: not ours to stop.
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()
                  and task.get_coro().__qualname__ != "_shutdown_watcher"]
        return port, started, others

    port, started, others = asyncio.run(check())
    assert others == []
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # nothing listens on the port any more
    assert started and not started & {child.pid for child in psutil.Process().children(recursive=True)}


def test_the_a2a_log_goes_to_the_servers_not_the_notebook_and_comes_back_after_the_last_one(caplog):
    async def check():
        async with librarian_server() as (first, _):
            async with a2a_server(CARD, AgentsSDKExecutor(Agent(name="Other"))) as second:
                async with await create_client(second.card) as client:
                    with contextlib.suppress(Exception):
                        await client.get_task(GetTaskRequest(id="no-such-task"))
                    with contextlib.suppress(Exception):
                        await send(client, Message(role=Role.ROLE_USER, message_id="m-1"))
            still_quiet = logging.getLogger("a2a").propagate
        return first.log(), second.log(), still_quiet

    first, second, still_quiet = asyncio.run(check())
    assert "message.parts" in second and "message.parts" in first  # logged while both ran
    assert not still_quiet and logging.getLogger("a2a").propagate  # quiet until the last server stopped
    assert not [record for record in caplog.records if record.name.startswith("a2a")]
