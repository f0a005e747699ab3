"""The checkers of notebook 14 accept right answers and give specific hints for blank or wrong ones."""

import asyncio

from course_helpers.exercises.ex14_long_term_memory import check_forget_about, check_memory_instructions


memory_instructions = check_memory_instructions.reference()  # the reference solution, from the package


def test_memory_instructions_accepts_a_right_answer(capsys):
    assert asyncio.run(check_memory_instructions(memory_instructions))
    assert capsys.readouterr().out.startswith("✅ the instructions carry the 3 most relevant memories")


def test_memory_instructions_accepts_an_async_answer(capsys):
    async def async_instructions(ctx, agent):
        return memory_instructions(ctx, agent)

    assert asyncio.run(check_memory_instructions(async_instructions))


def test_memory_instructions_blank(capsys):
    def memory_instructions(ctx, agent):
        ...

    assert not asyncio.run(check_memory_instructions(memory_instructions))
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — search `ctx.context.store`")


def test_memory_instructions_with_every_memory(capsys):
    def everything(ctx, agent):
        return "Known facts:\n" + "\n".join(memory.text for memory in ctx.context.store.all())

    assert not asyncio.run(check_memory_instructions(everything))
    assert "rather than `all()`" in capsys.readouterr().out


def test_memory_instructions_without_a_limit(capsys):
    def unlimited(ctx, agent):
        return "Known facts:\n" + "\n".join(m.text for m in ctx.context.store.search(ctx.context.message))

    assert not asyncio.run(check_memory_instructions(unlimited))
    assert "4 memories were included; keep the prompt short with `limit=3`" in capsys.readouterr().out


def test_memory_instructions_returning_a_list(capsys):
    def as_list(ctx, agent):
        return [m.text for m in ctx.context.store.search(ctx.context.message, limit=3)]

    assert not asyncio.run(check_memory_instructions(as_list))
    assert "one string, not a list" in capsys.readouterr().out


def test_memory_instructions_with_a_fixed_query(capsys):
    def fixed(ctx, agent):
        return "Known facts:\n" + "\n".join(m.text for m in ctx.context.store.search("tea", limit=3))

    assert not asyncio.run(check_memory_instructions(fixed))
    assert "your code asked the store for search('tea'), so the instructions miss" in capsys.readouterr().out


def test_memory_instructions_with_the_first_three_memories(capsys):
    def first_three(ctx, agent):
        return "Known facts:\n" + "\n".join(m.text for m in ctx.context.store.all()[:3])

    assert not asyncio.run(check_memory_instructions(first_three))
    assert "your code asked the store for all(), so the instructions miss the Lisbon" in capsys.readouterr().out


def test_memory_instructions_with_a_repr_dump(capsys):
    def repr_dump(ctx, agent):
        return f"Memories: {ctx.context.store.search(ctx.context.message, limit=3)}"

    assert not asyncio.run(check_memory_instructions(repr_dump))
    assert "your instructions hold the Memory objects' repr" in capsys.readouterr().out


def test_memory_instructions_accepts_other_wording(capsys):
    async def with_str(ctx, agent):
        found = ctx.context.store.search(ctx.context.message, limit=3)
        if not found:
            return "Be friendly. You know nothing about the user yet."
        return "Be friendly. Facts you know:\n" + "\n".join(str(memory) for memory in found)

    assert asyncio.run(check_memory_instructions(with_str))


def test_memory_instructions_empty_when_nothing_matches(capsys):
    def nothing_when_empty(ctx, agent):
        return "\n".join(m.text for m in ctx.context.store.search(ctx.context.message, limit=3))

    assert not asyncio.run(check_memory_instructions(nothing_when_empty))
    assert "not an empty string" in capsys.readouterr().out


forget_about = check_forget_about.reference()  # the reference solution, from the package


def test_forget_about_accepts_a_right_answer(capsys):
    assert check_forget_about(forget_about)
    assert capsys.readouterr().out.startswith("✅ all 7 memories about roses are forgotten")


def test_forget_about_with_a_large_limit(capsys):
    def with_limit(store, topic):
        found = store.search(topic, limit=1000)
        return sum(store.forget(memory.id) for memory in found)

    assert check_forget_about(with_limit)


def test_forget_about_blank(capsys):
    def forget_about(store, topic):
        ...

    assert not check_forget_about(forget_about)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — search the store")


def test_forget_about_with_the_default_limit(capsys):
    def one_search(store, topic):
        found = store.search(topic)
        for memory in found:
            store.forget(memory.id)
        return len(found)

    assert not check_forget_about(one_search)
    assert "`search` returns at most `limit` memories (5 by default)" in capsys.readouterr().out


def test_forget_about_only_the_first(capsys):
    def first_only(store, topic):
        return int(store.forget(store.search(topic)[0].id))

    assert not check_forget_about(first_only)
    assert "only one memory was forgotten" in capsys.readouterr().out


def test_forget_about_clearing_everything(capsys):
    def clears(store, topic):
        return store.clear()

    assert not check_forget_about(clears)
    assert "(no `clear()`)" in capsys.readouterr().out


def test_forget_about_without_the_count(capsys):
    def no_count(store, topic):
        while found := store.search(topic):
            for memory in found:
                store.forget(memory.id)

    assert not check_forget_about(no_count)
    assert "return how many you forgot (7), not None" in capsys.readouterr().out
