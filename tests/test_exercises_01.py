"""The checkers of notebook 01 accept right answers and give specific hints for blank or wrong ones."""

from dataclasses import dataclass, field

import pytest
from agents import Agent, function_tool

from course_helpers.exercises.ex01_dataclasses import check_inventory_item, check_spanish_agent


InventoryItem = check_inventory_item.reference()  # the reference solution, from the package


@dataclass
class BlankItem:
    ...


@dataclass
class ItemWithoutValidation:
    name: str
    quantity: int = 0
    tags: list[str] = field(default_factory=list)


@dataclass
class ItemWithNoneTags:
    name: str
    quantity: int = 0
    tags: list[str] | None = None


class SharedTagsItem:
    """A hand-written class whose default list is shared by every instance (the classic bug)."""

    def __init__(self, name, quantity=0, tags=[]):  # noqa: B006 - the bug under test
        self.name, self.quantity, self.tags = name, quantity, tags


def test_inventory_item_accepts_a_right_answer(capsys):
    assert check_inventory_item(InventoryItem)
    assert capsys.readouterr().out.startswith("✅ InventoryItem has a default")


def test_inventory_item_blank(capsys):
    assert not check_inventory_item(BlankItem)
    assert not check_inventory_item(...)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith("✏️ Not attempted yet") for line in lines)


def test_inventory_item_without_dataclass_decorator(capsys):
    assert not check_inventory_item(SharedTagsItem)
    assert "put `@dataclass`" in capsys.readouterr().out


def test_inventory_item_with_none_instead_of_a_factory(capsys):
    assert not check_inventory_item(ItemWithNoneTags)
    assert "field(default_factory=list)" in capsys.readouterr().out


def test_inventory_item_without_post_init_validation(capsys):
    assert not check_inventory_item(ItemWithoutValidation)
    assert "should raise ValueError from `__post_init__`" in capsys.readouterr().out


def test_inventory_item_with_a_shared_default_list(capsys):
    shared_tags: list[str] = []

    @dataclass
    class SharedFactoryItem:
        name: str
        quantity: int = 0
        tags: list[str] = field(default_factory=lambda: shared_tags)

    assert not check_inventory_item(SharedFactoryItem)
    assert "two items share one `tags` list" in capsys.readouterr().out


@function_tool
def look_up_invoice(invoice_id: str) -> str:
    """Find an invoice by its id."""
    return f"Invoice {invoice_id}: paid"


def make_support_agent():
    return Agent(name="Support", instructions="Answer billing questions.", tools=[look_up_invoice])


def test_spanish_agent_accepts_a_right_answer(capsys):
    support_agent = make_support_agent()
    spanish_agent = support_agent.clone(
        name="Support (Spanish)",
        instructions="Answer billing questions in Spanish.",
        tools=[*support_agent.tools],
    )
    assert check_spanish_agent(spanish_agent, support_agent)
    assert capsys.readouterr().out.startswith("✅ a new agent")


def test_spanish_agent_blank(capsys):
    assert not check_spanish_agent(..., make_support_agent())
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — make `spanish_agent`")


def test_spanish_agent_sharing_the_tools_list(capsys):
    support_agent = make_support_agent()
    spanish_agent = support_agent.clone(
        name="Support (Spanish)", instructions="Answer billing questions in Spanish."
    )
    assert not check_spanish_agent(spanish_agent, support_agent)
    assert "share one `tools` list" in capsys.readouterr().out


def test_spanish_agent_made_by_renaming_the_original(capsys):
    support_agent = make_support_agent()
    support_agent.name = "Support (Spanish)"
    assert not check_spanish_agent(support_agent, support_agent)
    assert "`clone` returns a new agent" in capsys.readouterr().out


def test_spanish_agent_without_spanish_instructions(capsys):
    support_agent = make_support_agent()
    spanish_agent = support_agent.clone(name="Support (Spanish)", tools=[*support_agent.tools])
    assert not check_spanish_agent(spanish_agent, support_agent)
    assert "the instructions should ask for answers in Spanish" in capsys.readouterr().out


@pytest.mark.parametrize("instructions", [
    "answer billing questions in spanish.",
    "Responde siempre en español a las preguntas de facturación.",
    "Contesta las preguntas sobre facturas.",
])
def test_spanish_agent_accepts_spanish_worded_differently(capsys, instructions):
    support_agent = make_support_agent()
    spanish_agent = support_agent.clone(name="Support (Spanish)", instructions=instructions,
                                        tools=[*support_agent.tools])
    assert check_spanish_agent(spanish_agent, support_agent)


@pytest.mark.parametrize("instructions", ["Answer billing questions in French.", "Answer billing questions."])
def test_spanish_agent_with_instructions_in_another_language(capsys, instructions):
    support_agent = make_support_agent()
    spanish_agent = support_agent.clone(name="Support (Spanish)", instructions=instructions,
                                        tools=[*support_agent.tools])
    assert not check_spanish_agent(spanish_agent, support_agent)
    assert "ask for answers in Spanish" in capsys.readouterr().out


def test_inventory_item_with_other_field_names(capsys):
    @dataclass
    class ItemWithTitle:
        title: str
        count: int = 0

    assert not check_inventory_item(ItemWithTitle)
    assert "you have ['title', 'count']" in capsys.readouterr().out
