"""A chat box for notebooks: type a message and watch an agent's reply stream in, tool calls and handoffs included."""

from __future__ import annotations

import asyncio
from collections import deque
from html import escape
from typing import Any

import ipywidgets as widgets
from ipywidgets.widgets import widget
from agents import Agent, Runner, RunResultStreaming, Session
from agents.items import TResponseInputItem
from agents.stream_events import StreamEvent
from openai.types.responses import ResponseTextDeltaEvent

_PREVIEW = 80  # characters of a tool's arguments or output shown on its line


class ChatWidget:
    """A live chat with an agent: a text box, a Send and a Stop button, and the conversation as it streams.

    Each message runs `Runner.run_streamed`; text deltas are appended as they arrive, with one line per
    tool call, tool output and handoff. The conversation carries over between messages: in `session`
    if you pass one, otherwise in the widget (`result.to_input_list()`), and the next message goes to
    the agent that answered last. In code, `await chat.send("...")` does what typing and Send do.

    A message goes only on Enter or Send (never when the box loses focus). The box stays open while a reply
    streams: what you send meanwhile waits its turn, in order, so no message is dropped or merged. Enter clears
    only the text it sent: what you type before the box is cleared stays in it, for the next message.
    """

    def __init__(self, agent: Agent[Any], session: Session | None = None) -> None:
        self.agent = agent
        self.session = session
        self.lines: list[str] = []
        self.task: asyncio.Task[RunResultStreaming | None] | None = None  # sends what Enter and Send queued
        self.waiting: deque[str] = deque()  # messages sent with Enter or Send, not yet answered
        self._history: list[TResponseInputItem] = []
        self._result: RunResultStreaming | None = None
        self._replying = False  # True while the last line is the agent's reply being streamed
        self._stopping = self._busy = False
        self._tool_names: dict[str, str] = {}
        self._sent = ""  # the lines Enter sent, while the browser may still show them in front of newer typing
        self._setting = False  # True while the kernel itself sets the box's text
        # Enter is a newline in the box's text, which reaches the kernel with the keystrokes, in order: the browser
        # holds back keystrokes while one is on its way, but a separate "submit" message would overtake them.
        self.input = widgets.Textarea(placeholder="Type a message and press Enter", continuous_update=True, rows=1,
                                      layout=widgets.Layout(flex="1"))
        self.send_button = widgets.Button(description="Send", button_style="primary")
        self.stop_button = widgets.Button(description="Stop", disabled=True)
        self.output = widgets.HTML()
        self.view = widgets.VBox([self.output, widgets.HBox([self.input, self.send_button, self.stop_button])])
        self.input.observe(self._on_typing, "value")
        self.send_button.on_click(self._on_submit)
        self.stop_button.on_click(lambda _: self.stop())
        self._render()

    @property
    def transcript(self) -> str:
        """The conversation so far as plain text, one line per message, tool call, tool output or handoff."""
        return "\n".join(self.lines)

    def __repr__(self) -> str:
        turns = sum(line.startswith("You: ") for line in self.lines)
        return f"<ChatWidget with {self.agent.name!r}: {turns} messages sent>"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """Jupyter shows the live widget; saved notebooks and terminals show the short text above."""
        return {**self.view._repr_mimebundle_(**kwargs), "text/plain": repr(self)}

    async def send(self, message: str) -> RunResultStreaming:
        """Send one message, stream the reply into the widget, and return the finished streamed result."""
        if self._busy:
            raise RuntimeError("A reply is still streaming: wait for it (`await chat.task`) or stop it first.")
        run_input: str | list[TResponseInputItem] = message
        if self.session is None:
            run_input = [*self._history, {"role": "user", "content": message}]
        self._result = result = Runner.run_streamed(self.agent, run_input, session=self.session)
        self._stopping = failed = False
        self._add_line(f"You: {message}")
        self._set_busy(True)
        try:
            async for event in result.stream_events():
                self._show(event)
                await asyncio.sleep(0)  # let the kernel handle a Stop click between events
        except Exception as error:  # a tripped guardrail, a provider error: show it, keep the chat usable
            failed = True
            self._add_line(f"⚠️ {type(error).__name__}: {' '.join(str(error).split())}")
        finally:
            self._set_busy(False)
        if self._stopping:
            self._add_line("⏹ stopped")
        self.agent = result.last_agent
        if not failed:
            self._history = result.to_input_list()
        return result

    def stop(self) -> None:
        """Cancel the reply being streamed, if any (`result.cancel()`)."""
        if self._result is not None and not self._result.is_complete:
            self._stopping = True
            self._result.cancel()

    def _on_submit(self, _: Any) -> None:
        """Send: as Enter at the end of the box's text."""
        if self.input.value.strip():
            self._on_typing({"new": f"{self._sent}{self.input.value}\n"})

    def _on_typing(self, change: dict[str, Any]) -> None:
        """The box's text from the browser: each line ended by Enter is queued, and the rest stays in the box. Text
        that still starts with lines already sent is from a browser that had not yet seen them cleared."""
        if self._setting:
            return
        text = change["new"]
        if not (self._sent and text.startswith(self._sent)):
            self._sent = ""  # typed into the cleared box: the browser has caught up
        *lines, rest = text[len(self._sent):].split("\n")
        self._queue([line.strip() for line in lines if line.strip()])
        self._sent += "".join(f"{line}\n" for line in lines)
        if self._sent:
            self._set_box(rest)

    def _queue(self, messages: list[str]) -> None:
        """Queue messages to send, in order; one task sends the queue."""
        if not messages:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "ChatWidget needs a running event loop, as in a Jupyter notebook; "
                "in a script, use `await chat.send(message)` inside asyncio.run()."
            ) from None
        self.waiting.extend(messages)
        if self.task is None or self.task.done():
            self.task = loop.create_task(self._send_waiting())

    def _set_box(self, text: str) -> None:
        """Put `text` in the box as an answer to the browser's latest message (an ipywidgets echo), so a browser
        that has been typed into since keeps what it holds, and its next message brings that text here."""
        self._setting = True
        try:
            if not widget.JUPYTER_WIDGETS_ECHO:  # a frontend without echoes: a plain update
                self.input.value = text
                return
            with self.input._lock_property(value=text):  # set here without the plain update the browser always applies
                self.input.value = text
            self.input._send({"method": "echo_update", "state": {"value": text}, "buffer_paths": []})
        finally:
            self._setting = False

    async def _send_waiting(self) -> RunResultStreaming | None:
        result = None
        while self.waiting:
            result = await self.send(self.waiting.popleft())
        return result

    def _show(self, event: StreamEvent) -> None:
        """Add what one stream event says to the conversation."""
        if event.type == "raw_response_event":
            if isinstance(event.data, ResponseTextDeltaEvent):
                if not self._replying:
                    self._add_line(f"{self._current_agent_name()}: ")
                    self._replying = True
                self.lines[-1] += event.data.delta
                self._render()
            return
        if event.type == "agent_updated_stream_event":
            return  # the handoff line says it; the agent's name starts its reply
        item = event.item
        if event.name == "tool_called":
            name = item.tool_name or "tool"
            self._tool_names[item.call_id or ""] = name
            arguments = _field(item.raw_item, "arguments") or ""
            self._add_line(f"  🔧 {name}({_preview(arguments)})")
        elif event.name == "tool_output":
            name = self._tool_names.get(item.call_id or "", "tool")
            self._add_line(f"  ↩ {name}: {_preview(str(item.output))}")
        elif event.name == "handoff_occured":
            self._add_line(f"  ↪ handoff: {item.source_agent.name} → {item.target_agent.name}")
        elif event.name == "message_output_created":
            self._replying = False  # the message is complete: what streams next goes on a new line

    def _current_agent_name(self) -> str:
        return self._result.current_agent.name if self._result is not None else self.agent.name

    def _add_line(self, line: str) -> None:
        self._replying = False
        self.lines.append(line)
        self._render()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy  # the box and Send stay enabled: a message sent now waits its turn
        self.stop_button.disabled = not busy

    def _render(self) -> None:
        text = escape(self.transcript) or "<i>No messages yet.</i>"
        self.output.value = f'<pre style="white-space: pre-wrap; margin: 0">{text}</pre>'


def _field(raw: Any, name: str) -> Any:
    """A field of a raw SDK item, which may be a dict or a pydantic model."""
    return raw.get(name) if isinstance(raw, dict) else getattr(raw, name, None)


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _PREVIEW else text[: _PREVIEW - 1] + "…"
