"""Checkers for the exercises in notebooks/11_handoffs_and_agents_as_tools.ipynb."""

from __future__ import annotations

from typing import Any

from agents import Agent, FunctionTool, Handoff, Runner, ToolCallItem, ToolCallOutputItem

from course_helpers.checks import reference_solution, Hint, checker, offline_run_config
from course_helpers.offline.text import content_words

__all__ = ["check_orchestrator", "check_shipping_handoff"]

_SHIPPING_REQUEST = "Where is my parcel? Tracking has not changed for a week."
_BILLING_REQUEST = "I was charged twice on invoice 1042."
_REFUND_REQUEST = "Order 7731 arrived damaged, please refund it."
# Requests the notebook's triage agent already routes, and where they must still go.
_EXISTING_ROUTES = {_BILLING_REQUEST: "Billing agent", _REFUND_REQUEST: "Refunds agent"}
_TOOL_NAMES = {"refund_order": _REFUND_REQUEST, "answer_billing_question": _BILLING_REQUEST}



def _target_names(agent: Agent) -> list[str]:
    return [item.agent_name if isinstance(item, Handoff) else item.name for item in agent.handoffs]


@checker("make `shipping_agent` with a `handoff_description`, and `triage_with_shipping` that can hand off to it.")
async def check_shipping_handoff(triage_with_shipping: Any) -> str:
    """Check that a parcel question reaches "Shipping agent" while the other routes still work."""
    if not isinstance(triage_with_shipping, Agent):
        raise Hint(f"`triage_with_shipping` should be an Agent, not a {type(triage_with_shipping).__name__}.")
    targets = _target_names(triage_with_shipping)
    if "Shipping agent" not in targets:
        raise Hint(
            f"the triage agent hands off to {targets}; add an agent named 'Shipping agent': "
            "`triage_agent.clone(handoffs=[*triage_agent.handoffs, shipping_agent])`."
        )
    result = await Runner.run(triage_with_shipping, _SHIPPING_REQUEST, run_config=offline_run_config())
    if result.last_agent.name != "Shipping agent":
        words = ", ".join(sorted(content_words(_SHIPPING_REQUEST)))
        raise Hint(
            f"{_SHIPPING_REQUEST!r} was answered by {result.last_agent.name}. The triage model picks a handoff "
            f"by the target's name and `handoff_description`: describe what the shipping agent handles in the "
            f"words customers use (the request's words are: {words})."
        )
    for request, expected in _EXISTING_ROUTES.items():
        routed = await Runner.run(triage_with_shipping, request, run_config=offline_run_config())
        if routed.last_agent.name != expected:
            raise Hint(
                f"{request!r} now goes to {routed.last_agent.name}, not {expected}. Keep the existing handoffs "
                "and make the shipping description about parcels and tracking only."
            )
    return "parcel questions reach the Shipping agent, and billing and refunds still go where they did."


@checker("make `support_orchestrator` with `refunds_agent.as_tool(...)` and `billing_agent.as_tool(...)` as tools.")
async def check_orchestrator(support_orchestrator: Any) -> str:
    """Check an orchestrator that calls both specialists as tools and keeps the conversation."""
    if not isinstance(support_orchestrator, Agent):
        raise Hint(f"`support_orchestrator` should be an Agent, not a {type(support_orchestrator).__name__}.")
    if support_orchestrator.handoffs:
        raise Hint(
            "the orchestrator has handoffs, so a specialist would take over the conversation. "
            "Use `tools=[refunds_agent.as_tool(...), billing_agent.as_tool(...)]` and no `handoffs`."
        )
    tools = {tool.name: tool for tool in support_orchestrator.tools if isinstance(tool, FunctionTool)}
    for name in _TOOL_NAMES:
        if name not in tools:
            raise Hint(f"there is no tool named {name!r} (the tools are {sorted(tools)}); pass `tool_name={name!r}`.")
        if "input" not in tools[name].params_json_schema.get("properties", {}):
            raise Hint(f"{name!r} is a plain function tool; make it from the agent with `.as_tool(tool_name=...)`.")
    for name, request in _TOOL_NAMES.items():
        result = await Runner.run(support_orchestrator, request, run_config=offline_run_config())
        called = [item.raw_item.name for item in result.new_items if isinstance(item, ToolCallItem)]
        if name not in called:
            raise Hint(
                f"for {request!r} the orchestrator called {called or 'no tool'}, not {name!r}. The model chooses a "
                f"tool by its name and description: give {name!r} a `tool_description` that uses the request's words."
            )
        outputs = [item.output for item in result.new_items if isinstance(item, ToolCallOutputItem)]
        if not any(str(output).strip() for output in outputs):
            raise Hint(f"{name!r} returned nothing; the specialist's final answer should come back as the tool result.")
    return "the orchestrator called both specialists as tools and kept the conversation (it is `last_agent`)."


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.
from agents import function_tool


def _notebook_agents() -> dict[str, Any]:
    """The specialists and the triage agent as notebook 11 defines them before its exercises."""

    @function_tool
    def look_up_invoice(invoice_number: int) -> str:
        """Look up an invoice by its number."""
        return f"Invoice {invoice_number}: 49.00 EUR, charged twice on 3 May; the duplicate charge is being reversed."

    @function_tool
    def check_service_status() -> str:
        """Check whether the app and the website are up."""
        return "The app and the website are up; nothing has been down in the last 24 hours."

    @function_tool
    def issue_refund(order_number: int) -> str:
        """Refund an order in full."""
        return f"Refund issued for order {order_number}."

    billing_agent = Agent(name="Billing agent", instructions="Answer questions about invoices and charges.",
                          handoff_description="Invoices, charges and payments.", tools=[look_up_invoice])
    tech_agent = Agent(name="Technical support agent", instructions="Help with errors, crashes and outages.",
                       handoff_description="Errors, crashes, login problems and outages.", tools=[check_service_status])
    refunds_agent = Agent(name="Refunds agent", instructions="Refund orders that arrived damaged or late.",
                          handoff_description="Refunds for damaged or late deliveries.", tools=[issue_refund])
    triage_agent = Agent(name="Triage agent",
                         instructions="Find out what the customer needs and hand off to the right specialist.",
                         handoffs=[billing_agent, tech_agent, refunds_agent])
    return {"billing_agent": billing_agent, "refunds_agent": refunds_agent, "triage_agent": triage_agent}


@reference_solution(check_shipping_handoff, given=lambda: {"triage_agent": _notebook_agents()["triage_agent"]})
def _shipping_handoff(triage_agent):
    """The triage model picks a specialist by its name and `handoff_description`, so describe what the Shipping
    agent handles in the words customers use. `triage_agent.clone(handoffs=[...])` needs a new list holding the
    old handoffs and the new one."""

    shipping_agent = Agent(
        name="Shipping agent",
        instructions="Answer questions about parcels, tracking and delivery dates.",
        handoff_description="Parcels, tracking numbers and delivery dates.",
    )
    triage_with_shipping = triage_agent.clone(handoffs=[*triage_agent.handoffs, shipping_agent])
    return triage_with_shipping


@reference_solution(check_orchestrator, given=_notebook_agents)
def _orchestrator(billing_agent, refunds_agent, triage_agent):
    """`agent.as_tool(tool_name=..., tool_description=...)` turns a specialist into a tool the orchestrator calls
    and gets an answer back from, so it stays in charge; put both in `tools=[...]`, and give it no `handoffs`."""

    support_orchestrator = Agent(
        name="Support orchestrator",
        instructions="Use your tools to answer the customer.",
        tools=[
            refunds_agent.as_tool(tool_name="refund_order",
                                  tool_description="Refund an order that arrived damaged or late."),
            billing_agent.as_tool(tool_name="answer_billing_question",
                                  tool_description="Answer a billing question about an invoice or a charge."),
        ],
    )
    return support_orchestrator
