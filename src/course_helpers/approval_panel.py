"""An approval panel for notebooks: one row per call a paused run waits for, with Approve and Reject buttons."""

from __future__ import annotations

from html import escape
from typing import Any

import ipywidgets as widgets
from agents import RunState, ToolApprovalItem


class ApprovalPanel:
    """Show the calls `state` waits for; each button decides its call on `state`, once.

    After the clicks, resume with `await Runner.run(agent, panel.state)`. A rejected call sends `rejection_message`
    back to the model. In code, `panel.rows[i].approve.click()` does what clicking does.
    """

    def __init__(self, state: RunState, rejection_message: str = "A reviewer rejected this call.") -> None:
        self.state, self.rejection_message = state, rejection_message
        self.decisions: dict[int, str] = {}  # row index -> "approved" or "rejected"
        self.rows = [_Row(item, index, self._decide) for index, item in enumerate(state.get_interruptions())]
        heading = widgets.HTML(f"<b>{len(self.rows)} call(s) waiting for approval</b>")
        self.view = widgets.VBox([heading, *(row.view for row in self.rows)])

    def _decide(self, row: _Row, approved: bool) -> None:
        if row.index in self.decisions:
            return  # one decision per call: its buttons are disabled, and a click from code changes nothing
        if approved:
            self.state.approve(row.item)
        else:
            self.state.reject(row.item, rejection_message=self.rejection_message)
        self.decisions[row.index] = "approved" if approved else "rejected"
        row.show(self.decisions[row.index])

    def __repr__(self) -> str:
        calls = ", ".join(f"{row.item.name} ({self.decisions.get(row.index, 'waiting')})" for row in self.rows)
        return f"<ApprovalPanel: {calls or 'nothing waiting'}>"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """Jupyter shows the live buttons; saved notebooks and terminals show the short text above."""
        return {**self.view._repr_mimebundle_(**kwargs), "text/plain": repr(self)}


class _Row:
    """One waiting call: its agent, tool and arguments, two buttons, and the decision once made."""

    def __init__(self, item: ToolApprovalItem, index: int, decide: Any) -> None:
        self.item, self.index = item, index
        self.approve = widgets.Button(description="Approve", button_style="success")
        self.reject = widgets.Button(description="Reject", button_style="danger")
        self.approve.on_click(lambda _: decide(self, True))
        self.reject.on_click(lambda _: decide(self, False))
        self.status = widgets.Label("waiting")
        wants = f"<code>{escape(item.agent.name)}</code> wants <code>{escape(f'{item.name}({item.arguments})')}</code>"
        call = widgets.HTML(wants)  # escaped: the arguments are the model's words
        self.view = widgets.HBox([call, self.approve, self.reject, self.status])

    def show(self, decision: str) -> None:
        self.status.value = decision
        self.approve.disabled = self.reject.disabled = True
