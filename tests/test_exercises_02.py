"""The checkers of notebook 02 accept right answers and give specific hints for blank or wrong ones."""

import asyncio
from typing import Generic, TypeVar

from course_helpers.exercises.ex02_generics_and_callables import check_plan_instructions, check_stack

T = TypeVar("T")


Stack = check_stack.reference()  # the reference solution, from the package


class BlankStack:
    def __init__(self):
        self._items = []

    def push(self, item):
        ...

    def pop(self):
        ...


class QueueNotStack:
    def __init__(self):
        self._items = []

    def push(self, item):
        self._items.append(item)

    def pop(self):
        return self._items.pop(0)


class UntypedStack(QueueNotStack):
    def pop(self):
        return self._items.pop()


class GenericStackWithoutHints(Generic[T], UntypedStack):
    pass


def test_stack_accepts_a_right_answer(capsys):
    assert check_stack(Stack)
    assert capsys.readouterr().out == "✅ Stack[T] pushes and pops, and says which type it holds.\n"


def test_stack_blank(capsys):
    assert not check_stack(BlankStack)
    assert not check_stack(...)
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["✏️ Not attempted yet — fill in `push` and `pop`, then make `Stack` generic with `Generic[T]`."] * 2


def test_stack_that_pops_in_the_wrong_order(capsys):
    assert not check_stack(QueueNotStack)
    assert "two pops gave ['a', 'b']; a stack gives ['c', 'b']" in capsys.readouterr().out


def test_stack_that_works_but_is_not_generic(capsys):
    assert not check_stack(UntypedStack)
    assert "make it generic: `class Stack(Generic[T]):`" in capsys.readouterr().out


def test_generic_stack_without_annotations(capsys):
    assert not check_stack(GenericStackWithoutHints)
    assert "annotate `push`'s argument with the type variable: `item: T`" in capsys.readouterr().out


async def plan_instructions(ctx, agent):
    user = ctx.context
    return f"You are {agent.name}. Help {user.name}, who is on the {user.plan} plan."


async def blank_plan_instructions(ctx, agent):
    ...


def sync_plan_instructions(ctx, agent):
    return f"Help {ctx.context.name} on the {ctx.context.plan} plan."


async def context_blind_instructions(ctx, agent):
    return "Help the user with their plan."


async def one_argument_instructions(ctx):
    return "Help."


def test_plan_instructions_accepts_a_right_answer(capsys):
    assert asyncio.run(check_plan_instructions(plan_instructions))
    out = capsys.readouterr().out
    assert out == "✅ the SDK awaited your function and got: 'You are Support. Help Ada, who is on the pro plan.'\n"


def test_plan_instructions_blank(capsys):
    assert not asyncio.run(check_plan_instructions(blank_plan_instructions))
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write `async def plan_instructions")


def test_plan_instructions_must_be_async(capsys):
    assert not asyncio.run(check_plan_instructions(sync_plan_instructions))
    assert "make it `async def plan_instructions(ctx, agent)`" in capsys.readouterr().out


def test_plan_instructions_must_read_the_context(capsys):
    assert not asyncio.run(check_plan_instructions(context_blind_instructions))
    assert "include `ctx.context.name` and `ctx.context.plan`" in capsys.readouterr().out


def test_plan_instructions_needs_two_arguments(capsys):
    assert not asyncio.run(check_plan_instructions(one_argument_instructions))
    assert "two arguments: `(ctx, agent)`" in capsys.readouterr().out
