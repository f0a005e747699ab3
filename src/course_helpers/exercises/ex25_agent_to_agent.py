"""Checkers for the exercises in notebooks/25_agent_to_agent.ipynb."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

from a2a.client import create_client
from a2a.helpers import get_message_text, new_task, new_text_message, new_text_part
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.tasks import TaskUpdater
from a2a.types import AgentCapabilities, AgentCard, AgentSkill, Message, Role, SendMessageRequest, Task, TaskState

from course_helpers.a2a_peer import a2a_server, describe_a2a_error, task_text
from course_helpers.checks import Hint, checker, is_blank, reference_solution

__all__ = ["check_reply_to", "check_shout_executor"]

_SECONDS = 5.0  # a task that has not ended by then never will: the executor returned without a final state
_NEW, _WORKING, _DONE = "TASK_STATE_SUBMITTED", "TASK_STATE_WORKING", "TASK_STATE_COMPLETED"


def _card(name: str) -> AgentCard:
    return AgentCard(name=name, description=f"The {name} of exercise 25.", version="1.0.0",
                     capabilities=AgentCapabilities(streaming=True), default_input_modes=["text/plain"],
                     default_output_modes=["text/plain"],
                     skills=[AgentSkill(id="exercise", name=name, description="An exercise.", tags=["exercise"])])


async def _events(client: Any, message: Message) -> tuple[list[str], str, Task]:
    """Send `message` and return the task's states in order (repeats collapsed), its artifacts' text, its end."""
    seen, artifacts, task = [], [], Task()

    async def read() -> None:
        async for response in client.send_message(SendMessageRequest(message=message)):
            if response.HasField("task"):
                task.CopyFrom(response.task)
                seen.append(TaskState.Name(response.task.status.state))
            elif response.HasField("status_update"):
                task.status.CopyFrom(response.status_update.status)
                seen.append(TaskState.Name(response.status_update.status.state))
            else:
                artifacts.extend(part.text for part in response.artifact_update.artifact.parts)

    await asyncio.wait_for(read(), _SECONDS)
    states = [state for i, state in enumerate(seen) if i == 0 or seen[i - 1] != state]
    return states, " ".join(artifacts), task


@checker("write `ShoutExecutor(AgentExecutor)`: publish a new task, mark it working, add the user's text in "
         "capitals as an artifact, and complete it.")
async def check_shout_executor(ShoutExecutor: Any) -> str:
    """Serve the learner's executor over real A2A and check the task's states and its artifact."""
    if not (inspect.isclass(ShoutExecutor) and issubclass(ShoutExecutor, AgentExecutor)):
        raise Hint("`ShoutExecutor` should be a class: `class ShoutExecutor(AgentExecutor):` with async `execute` "
                   "and `cancel` methods.")
    if is_blank(ShoutExecutor.execute):
        raise NotImplementedError
    async with a2a_server(_card("Shouter"), ShoutExecutor()) as server, await create_client(server.card) as client:
        try:
            states, artifact, task = await _events(client, new_text_message("hello over a2a", role=Role.ROLE_USER))
        except asyncio.TimeoutError:
            raise Hint("the task never ended: finish `execute` with `await updater.complete()` after the "
                       "artifact.") from None
        except Exception as error:
            if "enqueue Task before" in str(error):
                raise Hint("publish the task before any update: `await event_queue.enqueue_event(new_task("
                           "context.task_id, context.context_id, TaskState.TASK_STATE_SUBMITTED, "
                           "history=[context.message]))`.") from None
            raise Hint(describe_a2a_error(error, "Your executor's server")) from None
    if states and states[-1] == "TASK_STATE_FAILED":
        raise Hint(f"the task failed ({task_text(task) or 'no message'}): see where `execute` raises.")
    if states[:1] != [_NEW]:
        raise Hint(f"the first state a client sees should be {_NEW}; it saw {states}. Publish the task first.")
    if _WORKING not in states:
        raise Hint("the task never showed it was working: call `await updater.start_work()` before the artifact.")
    if states[-1] != _DONE:
        raise Hint(f"the task ended in {states[-1]}, not {_DONE}: finish with `await updater.complete()`.")
    if artifact != "HELLO OVER A2A":
        raise Hint(f"the artifact said {artifact!r}; add `[new_text_part(context.get_user_input().upper())]` with "
                   "`updater.add_artifact(...)`.")
    return "a client saw submitted → working → completed, and the artifact shouted 'HELLO OVER A2A'."


class _GreeterExecutor(AgentExecutor):
    """Asks for a name (input-required), then completes with a greeting: the peer for `check_reply_to`."""

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        updater = TaskUpdater(event_queue, context.task_id, context.context_id)
        if context.current_task is None:
            await event_queue.enqueue_event(new_task(context.task_id, context.context_id,
                                                     TaskState.TASK_STATE_SUBMITTED, history=[context.message]))
            await updater.requires_input(updater.new_agent_message([new_text_part("What is your name?")]))
            return
        await updater.add_artifact([new_text_part(f"Hello, {context.get_user_input()}!")])
        await updater.complete()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        await TaskUpdater(event_queue, context.task_id, context.context_id).cancel()


@checker("write `reply_to(task, text)` returning a user `Message` that continues `task`.")
async def check_reply_to(reply_to: Any) -> str:
    """Ask a real A2A greeter, which asks for a name; answer with the learner's message; the task must complete."""
    if not callable(reply_to):
        raise Hint(f"`reply_to` should be a function (task, text) -> Message, not a {type(reply_to).__name__}.")
    async with a2a_server(_card("Greeter"), _GreeterExecutor()) as server, await create_client(server.card) as client:
        states, _, task = await _events(client, new_text_message("Hi", role=Role.ROLE_USER))
        if states[-1:] != ["TASK_STATE_INPUT_REQUIRED"]:  # the greeter itself, not the learner's code
            raise RuntimeError(f"the greeter should have asked for a name, but its task went {states}")
        answer = reply_to(task, "Ada")
        if not isinstance(answer, Message):
            raise Hint(f"`reply_to` returned a {type(answer).__name__}; return an a2a `Message`, for example "
                       "from `new_text_message(...)`.")
        if answer.role != Role.ROLE_USER:
            raise Hint("the message's role is not ROLE_USER: pass `role=Role.ROLE_USER` (an agent's message "
                       "cannot answer a question put to the client).")
        if answer.task_id != task.id:
            raise Hint("the message does not name the task it answers, so the greeter would start a new task: "
                       "pass `task_id=task.id` (and `context_id=task.context_id`).")
        try:
            states, greeting, _ = await _events(client, answer)
        except Exception as error:
            raise Hint(describe_a2a_error(error, "The greeter")) from None
    if states[-1:] != [_DONE] or "Ada" not in greeting:
        raise Hint(f"the greeter's task went {states} and said {greeting!r}; send the text 'Ada' as the only part.")
    return f"your reply continued the task: the greeter asked '{get_message_text(task.status.message)}' and " \
           f"answered {greeting!r}."


@reference_solution(check_shout_executor)
def _shout_executor():
    """A new task must be published (a `Task` in state submitted) before any status update; `TaskUpdater` then
    publishes working, the artifact and completed for you."""

    class ShoutExecutor(AgentExecutor):
        async def execute(self, context, event_queue):
            updater = TaskUpdater(event_queue, context.task_id, context.context_id)
            await event_queue.enqueue_event(new_task(context.task_id, context.context_id,
                                                     TaskState.TASK_STATE_SUBMITTED, history=[context.message]))
            await updater.start_work()
            await updater.add_artifact([new_text_part(context.get_user_input().upper())], name="shout")
            await updater.complete()

        async def cancel(self, context, event_queue):
            await TaskUpdater(event_queue, context.task_id, context.context_id).cancel()

    return ShoutExecutor


@reference_solution(check_reply_to)
def _reply_to():
    """A follow-up is a user message that carries the task's `task_id` and `context_id`; without them the agent
    starts a new task."""

    def reply_to(task, text):
        return new_text_message(text, role=Role.ROLE_USER, task_id=task.id, context_id=task.context_id)

    return reply_to
