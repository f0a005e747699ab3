"""The checkers of notebook 25 accept right answers and give specific hints for blank or wrong ones, each against a
real A2A server."""

import asyncio

from a2a.helpers import new_task, new_text_message, new_text_part
from a2a.server.agent_execution import AgentExecutor
from a2a.server.tasks import TaskUpdater
from a2a.types import Message, Part, Role, TaskState

from course_helpers.exercises.ex25_agent_to_agent import check_reply_to, check_shout_executor


def run_check(check, answer):
    return asyncio.run(check(answer))


def last_line(capsys) -> str:
    return capsys.readouterr().out.strip().splitlines()[-1]


class LoudExecutor(AgentExecutor):
    """A right answer worded differently from the notebook's: update_status by hand, an artifact id of its own."""

    async def execute(self, context, event_queue):
        text = context.get_user_input()
        await event_queue.enqueue_event(new_task(context.task_id, context.context_id, TaskState.TASK_STATE_SUBMITTED,
                                                 history=[context.message]))
        updater = TaskUpdater(event_queue, context.task_id, context.context_id)
        await updater.update_status(TaskState.TASK_STATE_WORKING)
        await updater.add_artifact([new_text_part(text.upper())], artifact_id="loud-1")
        await updater.update_status(TaskState.TASK_STATE_COMPLETED)

    async def cancel(self, context, event_queue):
        pass


def executor(*, publish_task=True, work=True, shout=True, complete=True):
    """An executor with one of the typical mistakes."""

    class Attempt(AgentExecutor):
        async def execute(self, context, event_queue):
            updater = TaskUpdater(event_queue, context.task_id, context.context_id)
            if publish_task:
                await event_queue.enqueue_event(new_task(context.task_id, context.context_id,
                                                         TaskState.TASK_STATE_SUBMITTED, history=[context.message]))
            if work:
                await updater.start_work()
            text = context.get_user_input()
            await updater.add_artifact([new_text_part(text.upper() if shout else text)])
            if complete:
                await updater.complete()

        async def cancel(self, context, event_queue):
            pass

    return Attempt


def test_shout_checker_accepts_the_reference_and_another_right_answer(capsys):
    assert run_check(check_shout_executor, check_shout_executor.reference())
    assert run_check(check_shout_executor, LoudExecutor)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert all(line.startswith("✅ a client saw submitted → working → completed") for line in lines)


def test_shout_checker_blank(capsys):
    class ShoutExecutor(AgentExecutor):
        async def execute(self, context, event_queue):
            ...  # your code here

        async def cancel(self, context, event_queue):
            ...

    assert not run_check(check_shout_executor, ShoutExecutor)
    assert last_line(capsys).startswith("✏️ Not attempted yet — write `ShoutExecutor(AgentExecutor)`")
    assert not run_check(check_shout_executor, ...)
    assert last_line(capsys).startswith("✏️ Not attempted yet")


def test_shout_checker_explains_typical_mistakes(capsys):
    assert not run_check(check_shout_executor, lambda context, queue: None)
    assert "should be a class" in last_line(capsys)
    assert not run_check(check_shout_executor, executor(publish_task=False))
    assert "publish the task before any update" in last_line(capsys)
    assert not run_check(check_shout_executor, executor(work=False))
    assert "updater.start_work()" in last_line(capsys)
    assert not run_check(check_shout_executor, executor(shout=False))
    line = last_line(capsys)
    assert "'hello over a2a'" in line and ".upper()" in line
    assert not run_check(check_shout_executor, executor(complete=False))
    line = last_line(capsys)
    assert "ended in TASK_STATE_WORKING" in line and "updater.complete()" in line


def test_shout_checker_waits_a_bounded_time_for_an_executor_that_never_returns(capsys):
    class Stuck(AgentExecutor):
        async def execute(self, context, event_queue):
            await event_queue.enqueue_event(new_task(context.task_id, context.context_id,
                                                     TaskState.TASK_STATE_SUBMITTED, history=[context.message]))
            await asyncio.Event().wait()  # waits for something that never happens

        async def cancel(self, context, event_queue):
            pass

    assert not run_check(check_shout_executor, Stuck)
    line = last_line(capsys)
    assert "never ended" in line and "updater.complete()" in line


def test_shout_checker_reports_an_executor_that_raises(capsys):
    class Broken(AgentExecutor):
        async def execute(self, context, event_queue):
            await event_queue.enqueue_event(new_task(context.task_id, context.context_id,
                                                     TaskState.TASK_STATE_SUBMITTED, history=[context.message]))
            raise KeyError("text")

        async def cancel(self, context, event_queue):
            pass

    assert not run_check(check_shout_executor, Broken)
    assert last_line(capsys).startswith("🤔 Not quite —")


def test_reply_checker_accepts_the_reference_and_another_right_answer(capsys):
    def answer(task, text):
        return Message(role=Role.ROLE_USER, message_id="reply-1", task_id=task.id, context_id=task.context_id,
                       parts=[Part(text=text)])

    assert run_check(check_reply_to, check_reply_to.reference())
    assert run_check(check_reply_to, answer)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all("'Hello, Ada!'" in line and line.startswith("✅") for line in lines)


def test_reply_checker_blank_and_typical_mistakes(capsys):
    def blank(task, text):
        ...

    assert not run_check(check_reply_to, blank)
    assert last_line(capsys).startswith("✏️ Not attempted yet — write `reply_to(task, text)`")
    assert not run_check(check_reply_to, lambda task, text: text)
    assert "returned a str" in last_line(capsys)
    assert not run_check(check_reply_to, lambda task, text: new_text_message(text, task_id=task.id,
                                                                             context_id=task.context_id))
    assert "ROLE_USER" in last_line(capsys)
    assert not run_check(check_reply_to, lambda task, text: new_text_message(text, role=Role.ROLE_USER))
    assert "task_id=task.id" in last_line(capsys)
