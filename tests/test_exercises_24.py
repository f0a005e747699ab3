"""The checkers of notebook 24 accept right answers and give specific hints for blank or wrong ones."""

import asyncio

from fastapi import Depends, Request

from agents.extensions.memory import RedisSession
from course_helpers.chat_service import caller, own_user_id
from course_helpers.exercises.ex24_serving_an_agent import check_conversation_length, check_history_is_whole


def check(checker, answer) -> bool:
    return asyncio.run(checker(answer))


# Exercise 1: a route that serves only the caller's own conversation --------------------------------------------


def test_conversation_length_accepts_the_reference(capsys):
    assert check(check_conversation_length, check_conversation_length.reference())
    assert capsys.readouterr().out.startswith("✅ Ada's own count is 3, Bob's is 0")


def test_conversation_length_accepts_a_route_written_another_way(capsys):
    async def conversation_length(request: Request, user_id: str = Depends(own_user_id)):
        count = len(await RedisSession(user_id, redis_client=request.app.state.redis).get_items())
        return dict(items=count, user_id=user_id)

    assert check(check_conversation_length, conversation_length)
    assert capsys.readouterr().out.startswith("✅")


def test_conversation_length_blank(capsys):
    async def conversation_length(request, user_id):
        ...

    assert not check(check_conversation_length, conversation_length)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write `async def conversation_length")


def test_conversation_length_that_trusts_the_path(capsys):
    async def conversation_length(request: Request, user_id: str, user: str = Depends(caller)):
        items = await RedisSession(user_id, redis_client=request.app.state.redis).get_items()
        return {"user_id": user_id, "items": len(items)}  # checks the key is real, not whose it is

    assert not check(check_conversation_length, conversation_length)
    assert "Bob's key read Ada's count (200" in capsys.readouterr().out


def test_conversation_length_without_annotations(capsys):
    async def conversation_length(request, user_id):
        return {"user_id": user_id, "items": 0}

    assert not check(check_conversation_length, conversation_length)
    assert "annotate `request: Request`" in capsys.readouterr().out


def test_conversation_length_counting_the_wrong_thing(capsys):
    async def conversation_length(request: Request, user_id: str = Depends(own_user_id)):
        return {"user_id": user_id, "items": len(user_id)}

    assert not check(check_conversation_length, conversation_length)
    assert "Bob has no stored items yet, but his own count answered 200" in capsys.readouterr().out  # len("ada") is 3


def test_conversation_length_that_is_not_async(capsys):
    def conversation_length(request: Request, user_id: str = Depends(own_user_id)):
        return {"user_id": user_id, "items": 0}

    assert not check(check_conversation_length, conversation_length)
    assert "make it `async def`" in capsys.readouterr().out


# Exercise 2: the evidence that a crash lost nothing ---------------------------------------------------------------


def test_history_is_whole_accepts_the_reference(capsys):
    assert check(check_history_is_whole, check_history_is_whole.reference())
    assert capsys.readouterr().out.startswith("✅ all 7 histories judged right")


def test_history_is_whole_accepts_a_check_written_another_way(capsys):
    def check_history(items, sent):
        turns = []
        for item in items:
            if item.get("role") == "user":
                turns.append([item["content"], 0])
            elif turns:
                turns[-1][1] += 1
        return [message for message, _ in turns] == sent and all(replies for _, replies in turns)

    assert check(check_history_is_whole, check_history)


def test_history_is_whole_blank(capsys):
    def check_history(items, sent):
        ...

    assert not check(check_history_is_whole, check_history)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — write `check_history(items, sent)`")


def test_history_is_whole_that_only_compares_messages(capsys):
    def check_history(items, sent):
        return [item["content"] for item in items if item.get("role") == "user"] == sent

    assert not check(check_history_is_whole, check_history)
    assert "for a history whose last message has no reply (the worker died mid-turn) it returned True" in (
        capsys.readouterr().out)


def test_history_is_whole_that_counts_items(capsys):
    def check_history(items, sent):
        return len(items) == 2 * len(sent)

    assert not check(check_history_is_whole, check_history)
    assert "for a history with a reasoning item before a reply" in capsys.readouterr().out


def test_history_is_whole_that_ignores_order(capsys):
    def check_history(items, sent):
        asked = [item["content"] for item in items if item.get("role") == "user"]
        return sorted(asked) == sorted(sent) and (not items or items[-1].get("role") != "user")

    assert not check(check_history_is_whole, check_history)
    assert "for a history with its first two turns swapped it returned True" in capsys.readouterr().out


def test_history_is_whole_that_returns_a_count(capsys):
    assert not check(check_history_is_whole, lambda items, sent: len(items))
    assert "return True or False, not 6 (of type int)" in capsys.readouterr().out
