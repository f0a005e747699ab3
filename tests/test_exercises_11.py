"""The checkers of notebook 11 accept right answers and give specific hints for blank or wrong ones."""

import asyncio

import pytest
from agents import Agent, function_tool

from course_helpers.exercises.ex11_handoffs_and_agents_as_tools import check_orchestrator, check_shipping_handoff


@function_tool
def look_up_invoice(invoice_number: int) -> str:
    """Look up an invoice by its number."""
    return f"Invoice {invoice_number}: charged twice; the duplicate is being reversed."


@function_tool
def issue_refund(order_number: int) -> str:
    """Refund an order in full."""
    return f"Refund issued for order {order_number}."


billing_agent = Agent(
    name="Billing agent", handoff_description="Invoices, charges and payments.", tools=[look_up_invoice]
)
refunds_agent = Agent(
    name="Refunds agent", handoff_description="Refunds for damaged or late deliveries.", tools=[issue_refund]
)
triage_agent = Agent(name="Triage agent", handoffs=[billing_agent, refunds_agent])


def run_check(check, answer):
    return asyncio.run(check(answer))


def test_shipping_checker_accepts_a_described_specialist(capsys):
    shipping_agent = Agent(name="Shipping agent", handoff_description="Parcels, tracking and delivery dates.")
    triage = triage_agent.clone(handoffs=[*triage_agent.handoffs, shipping_agent])
    assert run_check(check_shipping_handoff, triage)
    assert capsys.readouterr().out.startswith("✅ parcel questions reach the Shipping agent")


@pytest.mark.parametrize("description", ["Shipping, delivery status and lost packages.",
                                         "Handles anything about where a package is."])
def test_shipping_checker_accepts_a_description_in_other_words_of_the_same_meaning(description, capsys):
    # None of these says "parcel" and "tracking" as the request does: the offline model matches them by meaning.
    shipping_agent = Agent(name="Shipping agent", handoff_description=description)
    triage = triage_agent.clone(handoffs=[*triage_agent.handoffs, shipping_agent])
    assert run_check(check_shipping_handoff, triage)
    assert capsys.readouterr().out.startswith("✅ parcel questions reach the Shipping agent")


def test_shipping_checker_blank(capsys):
    assert not run_check(check_shipping_handoff, ...)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — make `shipping_agent`")


@pytest.mark.parametrize(
    ("handoffs", "expected_hint"),
    [
        ([billing_agent, refunds_agent], "add an agent named 'Shipping agent'"),
        ([billing_agent, refunds_agent, Agent(name="Shipping agent")], "in the words customers use"),
        (
            [billing_agent, refunds_agent, Agent(name="Shipping agent", handoff_description="Shipping, deliveries.")],
            "parcel, track, week",
        ),
        (
            [Agent(name="Shipping agent", handoff_description="Parcels and tracking.")],
            "now goes to Triage agent, not Billing agent",
        ),
    ],
    ids=["no-shipping-agent", "no-description", "description-in-other-words", "dropped-existing-handoffs"],
)
def test_shipping_checker_explains_a_typical_mistake(handoffs, expected_hint, capsys):
    assert not run_check(check_shipping_handoff, triage_agent.clone(handoffs=handoffs))
    out = capsys.readouterr().out
    assert out.startswith("🤔 Not quite")
    assert expected_hint in out


def make_orchestrator(refund_description="Refund an order that arrived damaged or late.", **overrides):
    tools = [
        refunds_agent.as_tool(tool_name="refund_order", tool_description=refund_description),
        billing_agent.as_tool(
            tool_name="answer_billing_question",
            tool_description="Answer a billing question about an invoice or how a customer was charged.",
        ),
    ]
    return Agent(name="Support orchestrator", **{"tools": tools, **overrides})


def test_orchestrator_checker_accepts_agents_as_tools(capsys):
    assert run_check(check_orchestrator, make_orchestrator())
    assert capsys.readouterr().out.startswith("✅ the orchestrator called both specialists")


def test_orchestrator_checker_blank(capsys):
    assert not run_check(check_orchestrator, ...)
    assert "Not attempted yet" in capsys.readouterr().out


def test_orchestrator_checker_rejects_handoffs(capsys):
    assert not run_check(check_orchestrator, make_orchestrator(handoffs=[refunds_agent]))
    assert "a specialist would take over the conversation" in capsys.readouterr().out


def test_orchestrator_checker_names_a_missing_tool(capsys):
    refunds = refunds_agent.as_tool(tool_name="refunds", tool_description="Refunds.")
    orchestrator = Agent(name="Support orchestrator", tools=[refunds])
    assert not run_check(check_orchestrator, orchestrator)
    assert "no tool named 'refund_order'" in capsys.readouterr().out


def test_orchestrator_checker_explains_a_description_the_model_cannot_match(capsys):
    orchestrator = make_orchestrator()
    billing = billing_agent.as_tool(tool_name="answer_billing_question", tool_description="Billing.")
    orchestrator = orchestrator.clone(tools=[orchestrator.tools[0], billing])
    assert not run_check(check_orchestrator, orchestrator)
    assert "give 'answer_billing_question' a `tool_description`" in capsys.readouterr().out


def test_orchestrator_checker_rejects_a_plain_function_tool(capsys):
    @function_tool
    def refund_order(order_number: int) -> str:
        """Refund an order."""
        return "Refunded."

    orchestrator = make_orchestrator()
    orchestrator = orchestrator.clone(tools=[refund_order, orchestrator.tools[1]])
    assert not run_check(check_orchestrator, orchestrator)
    assert "plain function tool" in capsys.readouterr().out
