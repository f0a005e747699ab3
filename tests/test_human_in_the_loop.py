"""A paused run survives its process: another process resumes it, and every approved refund is paid exactly once.

Also the one-sentence errors of `course_helpers.approvals` for a stale approval, a damaged or tampered state file
and a changed agent graph.
"""

import asyncio
import json
import subprocess
import sys

import pytest
from agents import Agent, Runner, function_tool

from course_helpers.approvals import ApprovalError, load_run, pending_item, save_run
from course_helpers.checks import offline_run_config
from course_helpers.refund_desk import refunds_paid

REQUEST = "Refund $120 for order 7731 and $900 for order 8800"


def desk(*args: str) -> subprocess.CompletedProcess:
    """Run `python -m course_helpers.refund_desk ARGS` in a new process of this Python (the .venv's)."""
    done = subprocess.run([sys.executable, "-m", "course_helpers.refund_desk", *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def test_a_run_paused_in_one_process_is_resumed_by_another_and_pays_exactly_once(tmp_path):
    started = desk("start", str(tmp_path), REQUEST)
    assert "waiting for approval: issue_refund" in started.stdout and refunds_paid(tmp_path) == []
    saved = json.loads((tmp_path / "run.json").read_text())
    waiting = saved["current_step"]["data"]["interruptions"]
    assert {json.loads(item["raw_item"]["arguments"])["order_id"] for item in waiting} == {"7731", "8800"}

    decided = desk("decide", str(tmp_path), "--approve", "7731")
    assert "approved: issue_refund for order 7731" in decided.stdout
    assert "rejected: issue_refund for order 8800" in decided.stdout
    assert refunds_paid(tmp_path) == [("7731", 120)]  # the approved one once, the rejected one never

    again = desk("decide", str(tmp_path), "--approve", "7731", "8800")  # a second click, even approving both
    assert "nothing is waiting for approval" in again.stdout
    assert refunds_paid(tmp_path) == [("7731", 120)]


paid: list[tuple[str, int]] = []


@function_tool(needs_approval=True)
def issue_refund(order_id: str, amount: int) -> str:
    """Refund `amount` whole dollars for an order."""
    paid.append((order_id, amount))
    return f"Refunded ${amount} for order {order_id}."


@function_tool
def look_up_order(order_id: str) -> str:
    """Look up an order."""
    return f"Order {order_id} shipped."


support = Agent(name="Support", instructions="Refund orders.", tools=[issue_refund])


def paused_run(request: str = "Refund $120 for order 7731"):
    paid.clear()
    result = asyncio.run(Runner.run(support, request, run_config=offline_run_config()))
    assert result.interruptions
    return result


def test_pending_item_finds_the_waiting_call_by_id_or_by_a_copy():
    result = paused_run()
    state = result.to_state()
    item = result.interruptions[0]
    assert pending_item(state, item.call_id).call_id == item.call_id
    assert pending_item(state, item).name == "issue_refund"


def test_approving_a_call_that_is_not_pending_is_one_sentence():
    other = paused_run("Refund $30 for order 8800").interruptions[0]
    state = paused_run().to_state()
    with pytest.raises(ApprovalError) as raised:
        pending_item(state, other)
    message = str(raised.value)
    assert message.startswith("This issue_refund call is not waiting for approval in this run (waiting: issue_refund)")
    assert "get_interruptions()" in message and "\n" not in message


def test_a_decided_and_resumed_call_is_no_longer_pending():
    result = paused_run()
    state = result.to_state()
    state.approve(pending_item(state, result.interruptions[0]))
    finished = asyncio.run(Runner.run(support, state, run_config=offline_run_config()))
    with pytest.raises(ApprovalError, match=r"\(waiting: nothing\): it was decided and resumed already"):
        pending_item(finished.to_state(), result.interruptions[0].call_id)
    assert paid == [("7731", 120)]


def test_a_signed_state_file_round_trips_and_resumes(tmp_path):
    key = b"a key only the server knows"
    save_run(paused_run().to_state(), tmp_path / "run.json", key)
    state = asyncio.run(load_run(support, tmp_path / "run.json", key))
    state.approve(state.get_interruptions()[0])
    asyncio.run(Runner.run(support, state, run_config=offline_run_config()))
    assert paid == [("7731", 120)]


@pytest.mark.parametrize("damage", [lambda text: text[: len(text) // 2], lambda text: "", lambda text: "[1, 2]",
                                    lambda text: '{"run_state": {}}'])
def test_a_damaged_state_file_is_one_sentence(tmp_path, damage):
    key = b"k"
    save_run(paused_run().to_state(), tmp_path / "run.json", key)
    (tmp_path / "run.json").write_text(damage((tmp_path / "run.json").read_text()))
    with pytest.raises(ApprovalError, match=r"^The state file run.json is not a saved run .*start the run again"):
        asyncio.run(load_run(support, tmp_path / "run.json", key))


def test_a_tampered_state_file_or_another_key_is_refused(tmp_path):
    key = b"k"
    save_run(paused_run().to_state(), tmp_path / "run.json", key)
    text = (tmp_path / "run.json").read_text()
    assert '\\"amount\\": 120' in text
    (tmp_path / "tampered.json").write_text(text.replace('\\"amount\\": 120', '\\"amount\\": 12000'))
    for path, used_key in ((tmp_path / "tampered.json", key), (tmp_path / "run.json", b"another key")):
        with pytest.raises(ApprovalError, match=r"does not match its signature, so it was changed after it was saved"):
            asyncio.run(load_run(support, path, used_key))
    assert paid == []


def test_resuming_with_another_agent_graph_is_one_sentence(tmp_path):
    key = b"k"
    save_run(paused_run().to_state(), tmp_path / "run.json", key)
    with pytest.raises(ApprovalError, match=r"^The saved run is with the agent 'Support', which is not in the graph"):
        asyncio.run(load_run(Agent(name="Billing", tools=[issue_refund]), tmp_path / "run.json", key))
    without_the_tool = Agent(name="Support", tools=[look_up_order])
    with pytest.raises(ApprovalError, match=r"^The saved run waits to call 'issue_refund' on the agent 'Support', "
                                            r"which has no such tool now"):
        asyncio.run(load_run(without_the_tool, tmp_path / "run.json", key))


def test_the_approval_panel_decides_each_call_once_on_its_state():
    from course_helpers.approval_panel import ApprovalPanel

    paused = paused_run("Refund $120 for order 7731 and $900 for order 8800")
    panel = ApprovalPanel(paused.to_state(), rejection_message="Declined by the test.")
    assert repr(panel) == "<ApprovalPanel: issue_refund (waiting), issue_refund (waiting)>"
    assert "text/plain" in panel._repr_mimebundle_() and "application/vnd.jupyter.widget-view+json" in panel._repr_mimebundle_()
    first, second = panel.rows
    assert "7731" in first.view.children[0].value and "<code>Support</code>" in first.view.children[0].value
    first.approve.click()
    second.reject.click()
    second.approve.click()  # a second decision for the same call changes nothing
    assert panel.decisions == {0: "approved", 1: "rejected"}
    assert first.approve.disabled and second.reject.disabled and first.status.value == "approved"


def test_the_approval_panel_resumes_paying_only_what_was_approved():
    from course_helpers.approval_panel import ApprovalPanel

    paused = paused_run("Refund $120 for order 7731 and $900 for order 8800")
    panel = ApprovalPanel(paused.to_state(), rejection_message="Declined by the test.")
    panel.rows[0].approve.click()
    panel.rows[1].reject.click()
    resumed = asyncio.run(Runner.run(support, panel.state, run_config=offline_run_config()))
    outputs = [item.output for item in resumed.new_items if item.type == "tool_call_output_item"]
    assert paid == [("7731", 120)] and "Declined by the test." in outputs
    assert repr(panel) == "<ApprovalPanel: issue_refund (approved), issue_refund (rejected)>"


def test_the_approval_panel_escapes_what_the_model_wrote():
    from course_helpers.approval_panel import ApprovalPanel

    shady = support.clone(name="Support <script>")
    paused = asyncio.run(Runner.run(shady, "Refund $120 for order 7731", run_config=offline_run_config()))
    shown = ApprovalPanel(paused.to_state()).rows[0].view.children[0].value
    assert "<script>" not in shown and "Support &lt;script&gt;" in shown
