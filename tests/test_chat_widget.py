"""The chat widget streams replies into its output, shows tool calls and handoffs, keeps history, and can stop."""

from __future__ import annotations

import asyncio
import os

import nbformat
import pytest
from agents import Agent, GuardrailFunctionOutput, SQLiteSession, function_tool, input_guardrail
from agents.testing import ScriptedModel, assistant_message
from agents.tracing import set_trace_processors

from course_helpers import OfflineModel
from course_helpers.chat_widget import ChatWidget
from course_helpers.tracing import LocalTraceCollector


@pytest.fixture(autouse=True)
def local_traces_only():
    """Keep these runs' traces in memory: the SDK's default exporter would warn that no OpenAI key is set."""
    set_trace_processors([LocalTraceCollector()])


@function_tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"The weather in {city} is sunny."


def make_triage_agent() -> Agent:
    weather_agent = Agent(name="Weather agent", handoff_description="Weather forecasts.", tools=[get_weather],
                          model=OfflineModel())
    return Agent(name="Triage agent", handoffs=[weather_agent], model=OfflineModel())


def user_messages(model_input) -> list[str]:
    return [item["content"] for item in model_input if item.get("role") == "user"]


def test_a_reply_streams_in_word_by_word_with_handoff_and_tool_lines():
    chat = ChatWidget(make_triage_agent())
    shown: list[str] = []
    chat.output.observe(lambda change: shown.append(change["new"]), names="value")
    result = asyncio.run(chat.send("What is the weather in Tokyo?"))
    assert chat.lines == [
        "You: What is the weather in Tokyo?",
        "  ↪ handoff: Triage agent → Weather agent",
        '  🔧 get_weather({"city": "Tokyo"})',
        "  ↩ get_weather: The weather in Tokyo is sunny.",
        "Weather agent: The weather in Tokyo is sunny.",
    ]
    assert result.final_output == "The weather in Tokyo is sunny." and chat.agent.name == "Weather agent"
    # The reply was shown while it grew, one word at a time, and HTML-escaped.
    assert any(value.endswith("Weather agent: The weather</pre>") for value in shown)
    assert "get_weather({&quot;city&quot;: &quot;Tokyo&quot;})" in chat.output.value
    assert chat.send_button.disabled is False and chat.stop_button.disabled is True


def test_history_carries_across_messages_without_a_session():
    model = ScriptedModel([[assistant_message("Hello, Ada.")], [assistant_message("You are Ada.")]])
    chat = ChatWidget(Agent(name="Assistant", model=model))

    async def talk():
        await chat.send("My name is Ada.")
        await chat.send("What is my name?")

    asyncio.run(talk())
    assert user_messages(model.calls[1].input) == ["My name is Ada.", "What is my name?"]
    assert chat.lines == ["You: My name is Ada.", "Assistant: Hello, Ada.", "You: What is my name?",
                          "Assistant: You are Ada."]


def test_history_carries_across_messages_in_a_session():
    model = ScriptedModel([[assistant_message("Hello, Ada.")], [assistant_message("You are Ada.")]])
    session = SQLiteSession("chat-widget-test")
    chat = ChatWidget(Agent(name="Assistant", model=model), session=session)

    async def talk():
        await chat.send("My name is Ada.")
        await chat.send("What is my name?")
        return await session.get_items()

    items = asyncio.run(talk())
    assert user_messages(model.calls[1].input) == ["My name is Ada.", "What is my name?"]
    assert user_messages(items) == ["My name is Ada.", "What is my name?"] and len(items) == 4


def press_enter(chat: ChatWidget) -> None:
    """What pressing Enter in the box does: a newline at the end of its text, sent with the keystrokes."""
    chat.input.value += "\n"


def you(chat: ChatWidget) -> list[str]:
    return [line for line in chat.lines if line.startswith("You: ")]


def test_enter_and_the_send_button_each_schedule_one_reply():
    chat = ChatWidget(make_triage_agent())

    async def type_and_submit():
        chat.input.value = "What is 12 * 7?"  # typing
        press_enter(chat)
        assert chat.input.value == "" and chat.task is not None
        await chat.task
        chat.input.value = "What is 6 * 7?"
        chat.send_button.click()
        await chat.task

    asyncio.run(type_and_submit())
    assert you(chat) == ["You: What is 12 * 7?", "You: What is 6 * 7?"]
    assert chat.lines[-1] == "Triage agent: 6 * 7 = 42"


def test_leaving_the_box_sends_nothing():
    chat = ChatWidget(make_triage_agent())

    async def type_and_click_elsewhere():
        chat.input.value = "What is 12"  # half a message; the box loses focus
        await asyncio.sleep(0.05)

    asyncio.run(type_and_click_elsewhere())
    assert chat.task is None and chat.lines == [] and chat.input.value == "What is 12"


def test_messages_sent_while_a_reply_streams_wait_their_turn_and_none_is_dropped_or_merged():
    chat = ChatWidget(make_triage_agent())

    async def type_fast():
        for message in ("What is the weather in Tokyo?", "What is 12 * 7?", "What is 12 * 7?"):
            chat.input.value = message
            press_enter(chat)  # the second and third arrive while the first reply streams
            assert chat.input.value == "" and not chat.input.disabled and not chat.send_button.disabled
            await asyncio.sleep(0)
        return await chat.task

    result = asyncio.run(type_fast())
    assert you(chat) == ["You: What is the weather in Tokyo?", "You: What is 12 * 7?", "You: What is 12 * 7?"]
    assert result.final_output == "12 * 7 = 84" and not chat.waiting
    assert user_messages(result.to_input_list()) == [
        "What is the weather in Tokyo?", "What is 12 * 7?", "What is 12 * 7?"
    ]


def test_stop_cancels_the_reply_being_streamed():
    chat = ChatWidget(make_triage_agent())

    def stop_after_two_words(change):
        if change["new"].endswith("Weather agent: The weather</pre>"):
            chat.input.value = "What is 12 * 7?"  # typed while a reply streams, not yet sent: kept in the box
            chat.stop_button.click()

    chat.output.observe(stop_after_two_words, names="value")
    result = asyncio.run(chat.send("What is the weather in Tokyo and Paris?"))
    assert chat.lines[-2:] == ["Weather agent: The weather", "⏹ stopped"]
    assert result.final_output is None and result.is_complete
    assert chat.input.value == "What is 12 * 7?" and chat.task is None
    assert chat.send_button.disabled is False and chat.stop_button.disabled is True


def test_sending_while_a_reply_streams_says_to_wait():
    chat = ChatWidget(make_triage_agent())

    async def send_twice():
        first = asyncio.create_task(chat.send("What is the weather in Tokyo?"))
        await asyncio.sleep(0)  # the first send starts, and streams until its first pause
        assert not chat.stop_button.disabled
        with pytest.raises(RuntimeError, match="still streaming"):
            await chat.send("What is 12 * 7?")
        await first

    asyncio.run(send_twice())


def test_an_error_becomes_a_line_and_the_chat_goes_on():
    @input_guardrail
    def no_passwords(context, agent, message):
        return GuardrailFunctionOutput(output_info=None, tripwire_triggered="password" in str(message))

    chat = ChatWidget(Agent(name="Assistant", input_guardrails=[no_passwords], model=OfflineModel()))

    async def talk():
        await chat.send("My password is hunter2")
        return await chat.send("What is 12 * 7?")

    result = asyncio.run(talk())
    assert chat.lines[1].startswith("⚠️ InputGuardrailTripwireTriggered: ")
    assert chat.lines[-1] == "Assistant: 12 * 7 = 84"
    assert user_messages(result.to_input_list()) == ["What is 12 * 7?"]  # the refused message was not kept


def test_saved_notebooks_show_a_short_stable_text():
    chat = ChatWidget(make_triage_agent())
    bundle = chat._repr_mimebundle_()
    assert bundle["text/plain"] == "<ChatWidget with 'Triage agent': 0 messages sent>"
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "No messages yet." in chat.output.value


def test_submitting_outside_an_event_loop_says_what_to_do():
    chat = ChatWidget(make_triage_agent())
    chat.input.value = "Hello"
    with pytest.raises(RuntimeError, match="needs a running event loop"):
        chat._on_submit(None)  # what Enter and Send call (ipywidgets logs what a callback raises)
    assert chat.input.value == "Hello" and not chat.waiting  # kept, to send with `await chat.send(...)`


# --- Enter clears only what it sent: typing that races the clear is kept, never dropped or merged ---------------


class Frontend:
    """Records what the kernel sends to the browser's copy of the text box, and sends what the browser would."""

    def __init__(self, box):
        self.box, self.sent = box, []
        box.comm.send = self.send  # the widget's channel to the browser (in a test, one that sends nothing)

    def send(self, data=None, metadata=None, buffers=None):
        self.sent.append(data)

    def types(self, text: str) -> None:
        """A keystroke in the browser: it sends the box's whole text (continuous_update)."""
        self.box._handle_msg({"content": {"data": {"method": "update", "state": {"value": text}}}, "buffers": []})

    def values(self, method: str) -> list[str]:
        return [data["state"]["value"] for data in self.sent if data["method"] == method and "value" in data["state"]]


def test_enter_clears_only_the_text_it_sent_and_keeps_what_was_typed_after():
    chat = ChatWidget(make_triage_agent())
    browser = Frontend(chat.input)

    async def type_enter_and_type_on():
        browser.types("What is 12 * 7?\n")  # Enter
        # Never a plain update, which the browser applies over whatever it holds: an answer to its last message,
        # which it ignores when it has been typed into since.
        assert chat.waiting or chat.task is not None
        assert browser.values("update") == [] and browser.values("echo_update")[-1] == ""
        browser.types("What is 12 * 7?\nWhat")  # typed before the browser saw the box cleared
        assert chat.input.value == "What" and browser.values("echo_update")[-1] == "What"
        browser.types("What is 12 * 7?\nWhat is")  # and more, still before
        assert chat.input.value == "What is"
        browser.types("What is 6")  # the browser has caught up: its text is the new message, kept as it is
        browser.types("What is 6 * 7?\n")
        assert chat.input.value == "" and browser.values("update") == []
        await chat.task

    asyncio.run(type_enter_and_type_on())
    assert you(chat) == ["You: What is 12 * 7?", "You: What is 6 * 7?"]  # nothing dropped, nothing merged


def test_keystrokes_the_browser_held_back_arrive_with_enter_in_order():
    chat = ChatWidget(make_triage_agent())
    browser = Frontend(chat.input)

    async def type_fast():
        browser.types("W")  # the browser sends one keystroke and holds the rest until the kernel answers it...
        browser.types("What is 12 * 7?\nWhat is 6 * 7?\nWh")  # ...then sends all it holds at once
        assert chat.input.value == "Wh"
        browser.types("What is 12 * 7?\nWhat is 6 * 7?\nWhat")  # before it saw the box trimmed
        assert chat.input.value == "What"
        await chat.task

    asyncio.run(type_fast())
    assert you(chat) == ["You: What is 12 * 7?", "You: What is 6 * 7?"]


def test_the_same_message_sent_again_after_the_box_cleared_is_sent_again():
    chat = ChatWidget(make_triage_agent())
    browser = Frontend(chat.input)

    async def yes_twice():
        browser.types("What is 12 * 7?\n")
        browser.types("W")  # the box was cleared, and the learner types the same message again
        browser.types("What is 12 * 7?\n")
        await chat.task

    asyncio.run(yes_twice())
    assert you(chat) == ["You: What is 12 * 7?", "You: What is 12 * 7?"]


def test_deleting_what_was_typed_after_enter_before_the_clear_leaves_the_box_empty():
    chat = ChatWidget(make_triage_agent())
    browser = Frontend(chat.input)

    async def type_and_take_back():
        browser.types("What is 12 * 7?\n")
        browser.types("What is 12 * 7?\nW")
        browser.types("What is 12 * 7?\n")  # backspace, still before the browser saw the clear
        assert chat.input.value == "" and browser.values("echo_update")[-1] == ""
        await chat.task

    asyncio.run(type_and_take_back())
    assert you(chat) == ["You: What is 12 * 7?"]


# --- The same in JupyterLab, in headless Chromium (skipped without it, as tests/test_browser.py is) ----------------

from test_browser import WAIT_SECONDS, _chromium, _MISSING, browser, jupyter_lab  # noqa: E402, F401 (fixtures)

_CHAT_CELL = """from agents import Agent
from course_helpers import OfflineModel
from course_helpers.chat_widget import ChatWidget

chat = ChatWidget(Agent(name="Assistant", model=OfflineModel()))
chat"""
_TRANSCRIPT = "return document.querySelector('.widget-html-content pre')?.textContent || ''"


@pytest.mark.skipif(_chromium() is None and not os.environ.get("CI"), reason=_MISSING)
def test_in_jupyterlab_what_is_typed_right_after_enter_is_kept(browser, jupyter_lab):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    url, folder = jupyter_lab
    kernel = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(_CHAT_CELL)], metadata=kernel)
    nbformat.write(notebook, folder / "chat.ipynb")
    wait = WebDriverWait(browser, WAIT_SECONDS)
    browser.get(url.replace("00_start_here.ipynb", "chat.ipynb"))
    wait.until(expected_conditions.text_to_be_present_in_element((By.ID, "jp-main-statusbar"), "Idle"))
    browser.find_element(By.XPATH, "//div[contains(@class, 'lm-MenuBar-itemLabel') and text()='Run']").click()
    browser.find_element(By.CSS_SELECTOR, "li.lm-Menu-item[data-command='runmenu:run-all']").click()
    box = wait.until(expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, ".widget-textarea textarea")))

    box.send_keys("What is 12 * 7?", Keys.ENTER, "What is")  # typing on at once, before the kernel clears the box
    wait.until(lambda driver: "12 * 7 = 84" in driver.execute_script(_TRANSCRIPT))
    wait.until(lambda driver: box.get_attribute("value") == "What is")
    box.send_keys(" 6 * 7?", Keys.ENTER)
    wait.until(lambda driver: "6 * 7 = 42" in driver.execute_script(_TRANSCRIPT))
    lines = browser.execute_script(_TRANSCRIPT).splitlines()
    assert [line for line in lines if line.startswith("You: ")] == ["You: What is 12 * 7?", "You: What is 6 * 7?"]
    assert box.get_attribute("value") == ""
