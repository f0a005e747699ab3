"""Serve an Agents SDK agent over A2A (an `AgentExecutor`, uvicorn on 127.0.0.1), and ask one from a function tool."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import uvicorn
from a2a.client import (A2AClientError, A2AClientTimeoutError, AgentCardResolutionError, Client, ClientCallContext,
                        ClientConfig, ClientFactory)
from a2a.helpers import get_artifact_text, get_message_text, new_task, new_text_message, new_text_part
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.types import AgentCard, Role, SendMessageRequest, Task, TaskState
from a2a.utils.errors import A2AError, InvalidParamsError, TaskNotFoundError
from agents import Agent, FunctionTool, RunConfig, Runner, RunState, function_tool
from starlette.applications import Starlette

__all__ = ["WAIT_SECONDS", "A2AServer", "AgentsSDKExecutor", "a2a_server", "a2a_tool", "describe_a2a_error",
           "task_text"]

_HOST = "127.0.0.1"  # loopback only: nothing outside this machine can reach the server
# How long a client waits for a task's next event. httpx's default of 5 s is shorter than one model answer may take,
# and an agent's task is several (the course waits up to 60 s for each, COURSE_TIMEOUT): pass
# `context=ClientCallContext(timeout=WAIT_SECONDS)` with each call that waits for a task.
WAIT_SECONDS = 300.0
_YES = {"yes", "y", "ok", "okay", "sure", "approve", "approved"}  # the first word of a reply to "May I ...?"
_NO = {"no", "n", "nope", "reject", "rejected", "cancel", "stop"}


class AgentsSDKExecutor(AgentExecutor):
    """Runs an SDK `Agent` for each A2A task: submitted → working → completed (or failed), with a `working` update
    for every tool it calls, and `input-required` when a tool call waits for approval (reply yes or no)."""

    def __init__(self, agent: Agent, run_config: RunConfig | None = None):
        self.agent = agent
        self.run_config = run_config
        self._paused: dict[str, RunState] = {}  # task id → the run waiting for the client's yes or no

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        updater = TaskUpdater(event_queue, context.task_id, context.context_id)
        if context.current_task is None:  # a new task: publish it, in state submitted, before any update
            await event_queue.enqueue_event(new_task(context.task_id, context.context_id,
                                                     TaskState.TASK_STATE_SUBMITTED, history=[context.message]))
        run_input = self._resume(context.task_id, context.get_user_input())
        if run_input is None:  # paused, and the answer was neither yes nor no: ask again
            await updater.requires_input(self._question(updater, self._paused[context.task_id]))
            return
        await updater.start_work()
        try:
            result = Runner.run_streamed(self.agent, run_input, run_config=self.run_config)
            async for event in result.stream_events():
                if event.type == "run_item_stream_event" and event.name == "tool_called":
                    tool = getattr(event.item.raw_item, "name", "a tool")
                    await updater.update_status(TaskState.TASK_STATE_WORKING,
                                                updater.new_agent_message([new_text_part(f"Calling {tool}.")]))
        except Exception as error:  # the client gets the reason as the failed task's message
            await updater.failed(updater.new_agent_message([new_text_part(f"{type(error).__name__}: {error}")]))
            return
        if result.interruptions:
            self._paused[context.task_id] = state = result.to_state()
            await updater.requires_input(self._question(updater, state))
            return
        await updater.add_artifact([new_text_part(str(result.final_output))], name="answer")
        await updater.complete()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        self._paused.pop(context.task_id, None)
        await TaskUpdater(event_queue, context.task_id, context.context_id).cancel()

    def _resume(self, task_id: str, answer: str) -> str | RunState | None:
        """The run's input: the message, or the paused run with the answer applied (None if it was unclear)."""
        state = self._paused.get(task_id)
        if state is None:
            return answer
        first_word = (re.findall(r"[a-z']+", answer.lower()) or [""])[0]
        if first_word not in _YES | _NO:
            return None
        for item in state.get_interruptions():
            if first_word in _YES:
                state.approve(item)
            else:
                state.reject(item, rejection_message="The client said no, so this was not done.")
        return self._paused.pop(task_id)

    @staticmethod
    def _question(updater: TaskUpdater, state: RunState):
        calls = "; ".join(f"{item.tool_name}({item.arguments})" for item in state.get_interruptions())
        return updater.new_agent_message([new_text_part(f"May I call {calls}? Reply yes or no.")])


@dataclass
class A2AServer:
    """A running A2A server: its base URL, the card it serves at /.well-known/agent-card.json, and what it logged."""

    url: str
    card: AgentCard
    _log: io.StringIO = field(default_factory=io.StringIO, repr=False)

    def log(self) -> str:
        """What the a2a library logged while this server ran (refused requests, failed tasks), one record a line."""
        return self._log.getvalue()


class _NotebookServer(uvicorn.Server):
    """uvicorn's server, without taking over Ctrl-C and SIGTERM: the notebook's kernel keeps its own handlers."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


@contextlib.asynccontextmanager
async def a2a_server(card: AgentCard, executor: AgentExecutor) -> AsyncIterator[A2AServer]:
    """Serve `executor` over A2A's JSON-RPC binding on 127.0.0.1 and a free port, in this event loop, with `card`
    (plus its address) at /.well-known/agent-card.json; stop the server when the block ends."""
    listener = socket.socket()
    listener.bind((_HOST, 0))  # a port the OS picks now, held until uvicorn serves on it: no race for it
    url = f"http://{_HOST}:{listener.getsockname()[1]}"
    served = AgentCard()
    served.CopyFrom(card)
    served.supported_interfaces.add(url=url, protocol_binding="JSONRPC", protocol_version="1.0")
    handler = DefaultRequestHandler(agent_executor=executor, task_store=InMemoryTaskStore(), agent_card=served)
    app = Starlette(routes=[*create_agent_card_routes(served), *create_jsonrpc_routes(handler, "/")])
    server = _NotebookServer(uvicorn.Config(app, log_level="warning", lifespan="off"))
    running = A2AServer(url, served)
    with _logged_to(running._log):
        serving = asyncio.create_task(server.serve(sockets=[listener]))
        try:
            while not server.started:
                if serving.done():
                    serving.result()  # raises what stopped it
                    raise RuntimeError(f"The A2A server at {url} stopped before it started; see its log.")
                await asyncio.sleep(0.005)
            yield running
        finally:
            server.should_exit = True
            await serving
            await handler.aclose()
            listener.close()


class _ServerLog(logging.StreamHandler):
    """One running server's copy of the a2a library's log records."""


@contextlib.contextmanager
def _logged_to(stream: io.StringIO):
    """Send the a2a library's log records to `stream` instead of the notebook's output, for the block."""
    logger = logging.getLogger("a2a")
    handler = _ServerLog(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = not any(isinstance(other, _ServerLog) for other in logger.handlers)  # the last one out


def task_text(task: Task) -> str:
    """What a task says: its artifacts' text when it has them, else its status message (a question, a failure)."""
    if task.artifacts:
        return "\n".join(get_artifact_text(artifact) for artifact in task.artifacts)
    return get_message_text(task.status.message)


def describe_a2a_error(error: Exception, peer: str = "The other agent") -> str:
    """One sentence naming what went wrong talking to an A2A agent, and what to do about it."""
    if isinstance(error, TaskNotFoundError):
        named = f" ({error.message})" if error.message != TaskNotFoundError.message else ""
        return (f"{peer} has no such task{named}: send a new message without a task id to start one, "
                "or use the id of a task it returned.")
    if isinstance(error, InvalidParamsError):
        problems = (error.data or {}).get("errors") or [{"field": "params", "message": error.message}]
        found = "; ".join(f"{problem['field']}: {problem['message'].rstrip('.')}" for problem in problems)
        return f"{peer} refused the request as malformed ({found}): fix that field and send it again."
    if isinstance(error, AgentCardResolutionError) and error.status_code:
        return (f"{peer} has no agent card at that address (HTTP {error.status_code}): check the URL, which is the "
                "agent's base address, without /.well-known/agent-card.json.")
    if isinstance(error, A2AClientTimeoutError):
        return f"{peer} did not answer in time ({error.message}): try again, or give the client a longer timeout."
    if isinstance(error, AgentCardResolutionError) or (isinstance(error, A2AClientError) and
                                                        "Network communication error" in error.message):
        return (f"{peer} is not answering ({error.message.split(': ')[-1]}): start its A2A server again, "
                "or check the address on its agent card.")
    if isinstance(error, A2AError):
        return f"{peer} answered with an error ({type(error).__name__}: {error.message}); see its server's log."
    return (f"{peer} could not be asked ({type(error).__name__}: {error}); check its agent card and the client's "
            "settings.")


async def _send(client: Client, text: str) -> Task:
    """Send one user message and return the task as it ended (completed, failed or input-required)."""
    task = Task()
    request = SendMessageRequest(message=new_text_message(text, role=Role.ROLE_USER))
    async for response in client.send_message(request, context=ClientCallContext(timeout=WAIT_SECONDS)):
        if response.HasField("task"):
            task.CopyFrom(response.task)
        elif response.HasField("status_update"):
            task.status.CopyFrom(response.status_update.status)
        elif response.HasField("artifact_update"):
            task.artifacts.append(response.artifact_update.artifact)
    return task


def a2a_tool(card: AgentCard, *, name: str) -> FunctionTool:
    """A function tool that sends its `message` to the A2A agent `card` describes (the card's description tells the
    model what that agent does) and returns what the task says; a new client for each call, closed after it."""

    @function_tool(name_override=name, description_override=card.description)
    async def ask(message: str) -> str:
        """Send a request to the other agent.

        Args:
            message: What you want the other agent to do, in plain words.
        """
        try:
            async with ClientFactory(ClientConfig()).create(card) as client:
                task = await _send(client, message)
        except Exception as error:  # the model reads one sentence, not a traceback
            return describe_a2a_error(error, card.name)
        if task.status.state == TaskState.TASK_STATE_INPUT_REQUIRED:
            return f"{card.name} needs an answer first: {task_text(task)}"
        return task_text(task)

    return ask
