"""The checkers of notebook 13 accept right answers and give specific hints for blank or wrong ones."""

import asyncio

from course_helpers.exercises.ex13_sessions_and_state import check_continue_conversation, check_undo_last_turn


def check(checker, answer) -> bool:
    return asyncio.run(checker(answer))


continue_conversation = check_continue_conversation.reference()  # the reference solution, from the package


def test_continue_conversation_accepts_a_right_answer(capsys):
    assert check(check_continue_conversation, continue_conversation)
    out = capsys.readouterr().out
    assert out.startswith("✅ the next run was sent all 3 items, and the conversation now holds 4.")


def test_continue_conversation_blank(capsys):
    def continue_conversation(result, message):
        ...

    assert not check(check_continue_conversation, continue_conversation)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — return `result.to_input_list()`")


def test_continue_conversation_with_only_the_new_message(capsys):
    assert not check(check_continue_conversation, lambda result, message: [{"role": "user", "content": message}])
    assert "the model would not see the earlier turn" in capsys.readouterr().out


def test_continue_conversation_returning_the_result_of_append(capsys):
    def appends(result, message):
        return result.to_input_list().append({"role": "user", "content": message})

    assert not check(check_continue_conversation, appends)
    assert "`list.append` changes a list in place and returns None" in capsys.readouterr().out


def test_continue_conversation_with_new_items(capsys):
    def uses_new_items(result, message):
        return list(result.new_items) + [{"role": "user", "content": message}]

    assert not check(check_continue_conversation, uses_new_items)
    assert "RunItem objects from `result.new_items`" in capsys.readouterr().out


def test_continue_conversation_with_a_plain_string(capsys):
    assert not check(check_continue_conversation, lambda result, message: result.to_input_list() + [message])
    out = capsys.readouterr().out
    assert "but one is the str 'What is 84 + 16?': wrap the new message as" in out and "new_items" not in out


def test_continue_conversation_accepts_a_copy_built_another_way(capsys):
    def continue_conversation(result, message):
        history = [dict(item) for item in result.to_input_list()]
        history.append({"content": message, "role": "user"})
        return history

    assert check(check_continue_conversation, continue_conversation)


def test_continue_conversation_written_async(capsys):
    async def continue_conversation(result, message):
        return result.to_input_list() + [{"role": "user", "content": message}]

    assert not check(check_continue_conversation, continue_conversation)
    assert "should be a plain `def`" in capsys.readouterr().out


undo_last_turn = check_undo_last_turn.reference()  # the reference solution, from the package


def test_undo_last_turn_accepts_a_right_answer(capsys):
    assert check(check_undo_last_turn, undo_last_turn)
    assert capsys.readouterr().out.startswith("✅ the last turn")


def test_undo_last_turn_blank(capsys):
    async def undo_last_turn(session):
        ...

    assert not check(check_undo_last_turn, undo_last_turn)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — pop items")


def test_undo_last_turn_popping_two_items(capsys):
    async def pops_two(session):
        await session.pop_item()
        await session.pop_item()

    assert not check(check_undo_last_turn, pops_two)
    assert "this turn had a tool call" in capsys.readouterr().out


def test_undo_last_turn_popping_only_the_reply(capsys):
    async def pops_one(session):
        await session.pop_item()

    assert not check(check_undo_last_turn, pops_one)
    assert "only the reply was removed" in capsys.readouterr().out


def test_undo_last_turn_clearing_the_session(capsys):
    async def clears(session):
        await session.clear_session()

    assert not check(check_undo_last_turn, clears)
    assert "pop, don't `clear_session()`" in capsys.readouterr().out


def test_undo_last_turn_indexing_role(capsys):
    async def indexes(session):
        while (await session.pop_item())["role"] != "user":
            pass

    assert not check(check_undo_last_turn, indexes)
    assert "read it with `item.get('role')`" in capsys.readouterr().out


def test_undo_last_turn_failing_on_an_empty_session(capsys):
    async def assumes_items(session):
        while (await session.pop_item()).get("role") != "user":
            pass

    assert not check(check_undo_last_turn, assumes_items)
    assert "`pop_item()` returns None" in capsys.readouterr().out


def test_undo_last_turn_not_async(capsys):
    def not_async(session):
        session.pop_item()

    assert not check(check_undo_last_turn, not_async)
    assert "write `async def undo_last_turn(session):`" in capsys.readouterr().out
