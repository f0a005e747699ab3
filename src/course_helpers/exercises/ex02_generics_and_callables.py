"""Checkers for the exercises in notebooks/02_generics_and_callables.ipynb."""

from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass
from typing import Any, Callable

from agents import Agent, RunContextWrapper

from course_helpers.checks import reference_solution, Hint, checker, is_blank


@checker("fill in `push` and `pop`, then make `Stack` generic with `Generic[T]`.")
def check_stack(Stack: type) -> str:
    """Check a last-in-first-out stack that is generic in the type of its items."""
    if is_blank(getattr(Stack, "push", None)) and is_blank(getattr(Stack, "pop", None)):
        raise NotImplementedError
    stack = Stack()
    for item in ("a", "b", "c"):
        stack.push(item)
    popped = [stack.pop(), stack.pop()]
    if popped != ["c", "b"]:
        raise Hint(f"after pushing 'a', 'b', 'c', two pops gave {popped}; a stack gives ['c', 'b'].")
    parameters = getattr(Stack, "__parameters__", ())
    if len(parameters) != 1:
        raise Hint("the stack works; now make it generic: `class Stack(Generic[T]):`.")
    (item_type,) = parameters
    if typing.get_type_hints(Stack.push).get("item") is not item_type:
        raise Hint(f"annotate `push`'s argument with the type variable: `item: {item_type.__name__}`.")
    if typing.get_type_hints(Stack.pop).get("return") is not item_type:
        raise Hint(f"annotate what `pop` returns: `def pop(self) -> {item_type.__name__}:`.")
    return f"Stack[{item_type.__name__}] pushes and pops, and says which type it holds."


@dataclass
class _User:
    name: str
    plan: str


@checker("write `async def plan_instructions(ctx, agent)` returning instructions for the user.")
async def check_plan_instructions(plan_instructions: Callable[..., Any]) -> str:
    """Check an async `instructions` function that reads the user's name and plan from the context."""
    if not callable(plan_instructions):
        raise Hint(f"`plan_instructions` should be a function, not a {type(plan_instructions).__name__}.")
    if len(inspect.signature(plan_instructions).parameters) != 2:
        raise Hint("the SDK calls instructions with two arguments: `(ctx, agent)`.")
    if not inspect.iscoroutinefunction(plan_instructions):
        raise Hint("make it `async def plan_instructions(ctx, agent)`; the SDK awaits it for you.")
    agent = Agent[_User](name="Support", instructions=plan_instructions)
    prompts = []
    for user in (_User("Ada", "pro"), _User("Lin", "free")):
        prompt = await agent.get_system_prompt(RunContextWrapper(user))
        if not isinstance(prompt, str):
            raise Hint(f"it should return a string, but returned {prompt!r}.")
        if user.name not in prompt or user.plan not in prompt:
            raise Hint(
                f"for {user} the instructions were {prompt!r}; "
                "include `ctx.context.name` and `ctx.context.plan`."
            )
        prompts.append(prompt)
    return f"the SDK awaited your function and got: {prompts[0]!r}"


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.
from typing import Generic, TypeVar

T = TypeVar("T")  # T and UserInfo as the notebook defines them above the exercises


@dataclass
class UserInfo:
    name: str
    plan: str


@reference_solution(check_stack)
def _stack():
    """A stack is a list used from one end: `append` pushes and `pop()` takes the last item. To make the class
    generic, inherit from `Generic[T]` and write `T` where an item goes in (`item: T`) and comes out (`-> T`)."""

    class Stack(Generic[T]):
        def __init__(self) -> None:
            self._items: list[T] = []

        def push(self, item: T) -> None:
            self._items.append(item)

        def pop(self) -> T:
            return self._items.pop()  # the last item pushed comes out first

    return Stack


@reference_solution(check_plan_instructions)
def _plan_instructions():
    """The runner calls your instructions function with the run's context wrapper and the agent; your own object
    is `ctx.context`. An `async def` works the same way: the SDK awaits it."""

    async def plan_instructions(ctx: RunContextWrapper[UserInfo], agent: Agent[UserInfo]) -> str:
        user = ctx.context
        return f"Help {user.name}, who is on the {user.plan} plan."

    return plan_instructions
