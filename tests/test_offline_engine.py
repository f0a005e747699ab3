"""The offline engine decides from the tools and schemas it is given, deterministically."""

import json
from enum import Enum
from typing import Literal, Optional

import pytest
from pydantic import BaseModel, Field

from course_helpers.offline import Message, ToolCall, ToolSpec, count_tokens, decide
from course_helpers.offline.answers import FALLBACK
from course_helpers.offline.text import content_words


def tool(name, description, **params):
    """A function tool spec whose parameters are all required strings unless given a schema."""
    properties = {key: value if isinstance(value, dict) else {"type": value} for key, value in params.items()}
    return ToolSpec(name, description, {"type": "object", "properties": properties, "required": list(properties)})


def handoff(agent_name, description):
    snake = agent_name.lower().replace(" ", "_")
    return ToolSpec(f"transfer_to_{snake}", f"Handoff to the {agent_name} agent to handle the request. {description}",
                    {"type": "object", "properties": {}}, is_handoff=True)


WEATHER = tool("get_weather", "Get the current weather for a city.", city="string")
CAPITAL = tool("get_capital", "Return the capital city of a country.", country="string")
ADD = tool("add_numbers", "Add two numbers together.", a="number", b="number")
SEARCH = tool("search_docs", "Search the course documentation.", query="string")
CONVERT = tool("convert_currency", "Convert an amount of money between currencies.",
               amount="number", currency={"type": "string", "enum": ["USD", "EUR", "JPY"]})
BILLING = handoff("Billing", "Handles invoices, charges and refunds.")
SUPPORT = handoff("Tech support", "Fixes login problems, crashes and bugs.")


def user(text):
    return [Message("user", text)]


def calls(decision):
    return [(c.name, c.arguments) for c in decision.tool_calls]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("What's the weather in Tokyo?", [("get_weather", {"city": "Tokyo"})]),
        ("weather in lisbon", [("get_weather", {"city": "lisbon"})]),
        ("Please add 12 and 30", [("add_numbers", {"a": 12, "b": 30})]),
        ("Search the docs for refund policy", [("search_docs", {"query": "refund policy"})]),
        ('Search the docs for "streaming events"', [("search_docs", {"query": "streaming events"})]),
        ("Convert 250 euros to EUR please", [("convert_currency", {"amount": 250, "currency": "EUR"})]),
    ],
)
def test_picks_the_matching_tool_and_fills_arguments_by_type(message, expected):
    decision = decide(user(message), [WEATHER, CAPITAL, ADD, SEARCH, CONVERT])
    assert calls(decision) == expected
    assert decision.text is None
    assert expected[0][0] in decision.why


def test_plain_string_arguments_take_distinct_names_before_phrases():
    convert = tool("convert", "Convert money between currencies.", amount="number", from_currency="string",
                   to_currency="string")
    decision = decide(user("Convert 100 USD to EUR please."), [convert])
    assert calls(decision) == [("convert", {"amount": 100, "from_currency": "USD", "to_currency": "EUR"})]


def test_no_clear_match_means_no_tool_call():
    decision = decide(user("Write me a poem about the sea"), [WEATHER, ADD])
    assert decision.tool_calls == ()
    assert decision.text == FALLBACK


def test_several_requests_in_one_message_give_several_calls():
    decision = decide(user("What's the weather in Tokyo and Paris, and add 2 and 3"), [WEATHER, ADD])
    assert calls(decision) == [
        ("get_weather", {"city": "Tokyo"}),
        ("get_weather", {"city": "Paris"}),
        ("add_numbers", {"a": 2, "b": 3}),
    ]
    ids = [c.call_id for c in decision.tool_calls]
    assert len(set(ids)) == 3 and all(i.startswith("call_") for i in ids)


def test_a_second_step_uses_the_first_tools_result_and_never_repeats_a_call():
    conversation = user("What is the weather in the capital of France?")
    first = decide(conversation, [CAPITAL, WEATHER])
    assert calls(first) == [("get_capital", {"country": "France"})]
    conversation += [Message("assistant", tool_calls=first.tool_calls),
                     Message("tool", "Paris", tool_call_id=first.tool_calls[0].call_id)]
    second = decide(conversation, [CAPITAL, WEATHER])
    assert calls(second) == [("get_weather", {"city": "Paris"})]
    assert second.tool_calls[0].call_id != "call_1"
    conversation += [Message("assistant", tool_calls=second.tool_calls),
                     Message("tool", "Sunny, 22 °C.", tool_call_id=second.tool_calls[0].call_id)]
    final = decide(conversation, [CAPITAL, WEATHER])
    assert final.tool_calls == ()
    assert "Paris" in final.text and "Sunny, 22 °C." in final.text


def test_answers_from_tool_results_in_a_readable_sentence():
    conversation = user("weather in Oslo?") + [
        Message("assistant", tool_calls=(ToolCall("call_1", "get_weather", {"city": "Oslo"}),)),
        Message("tool", json.dumps({"temperature_c": 3, "sky": "cloudy"}), tool_call_id="call_1"),
    ]
    decision = decide(conversation, [WEATHER])
    assert decision.text == "Get weather returned temperature c: 3, sky: cloudy."


@pytest.mark.parametrize(
    ("message", "target"),
    [("I was charged twice, I need a refund", "transfer_to_billing"),
     ("The app crashes when I open it", "transfer_to_tech_support")],
)
def test_handoffs_match_the_target_agents_description(message, target):
    decision = decide(user(message), [BILLING, SUPPORT])
    assert calls(decision) == [(target, {})]
    assert decision.why.startswith("handed off with")


def test_routing_comes_before_acting():
    get_email = tool("get_email", "Show one email by its number.", number="integer")
    drafter = handoff("Reply drafter", "Drafts replies to emails.")
    conversation = user("Show me email 19.")
    first = decide(conversation, [get_email, drafter])
    assert calls(first) == [("get_email", {"number": 19})]
    conversation += [Message("assistant", tool_calls=first.tool_calls),
                     Message("tool", "From: Lena. Subject: tea order.", tool_call_id=first.tool_calls[0].call_id)]
    assert decide(conversation, [get_email, drafter]).tool_calls == ()


def test_dates_are_not_names():
    book = tool("book_slot", "Book a meeting slot.", day="string", person="string")
    decision = decide(user("Book Thursday at 14:00 with Lena"), [book])
    assert calls(decision) == [("book_slot", {"day": "Thursday", "person": "Lena"})]


class Triage(BaseModel):
    category: Literal["important", "less_important", "junk"]
    reason: str


def test_explanations_quote_the_words_as_written():
    assert "matched charged (score" in decide(user("I was charged twice"), [BILLING, SUPPORT]).why
    triage = Triage.model_validate_json(decide(user("A newsletter, less urgent than usual"),
                                                output_schema=Triage.model_json_schema()).text)
    assert triage == Triage(category="less_important", reason="The message mentions: less.")


def test_no_second_handoff_in_the_same_turn():
    conversation = user("I need a refund") + [
        Message("assistant", tool_calls=(ToolCall("call_1", "transfer_to_billing", {}),)),
        Message("tool", '{"assistant": "Billing"}', tool_call_id="call_1"),
    ]
    decision = decide(conversation, [BILLING, SUPPORT])
    assert decision.tool_calls == ()
    assert "returned" not in decision.text  # the handoff's own output is not an answer


def test_tool_choice_none_required_and_named():
    assert decide(user("weather in Rome"), [WEATHER], tool_choice="none").tool_calls == ()
    required = decide(user("tell me something"), [WEATHER, SEARCH], tool_choice="required")
    assert len(required.tool_calls) == 1
    assert "tool_choice='required'" in required.why
    named = decide(user("weather in Rome"), [WEATHER, SEARCH], tool_choice="search_docs")
    assert calls(named)[0][0] == "search_docs"
    assert "tool_choice named it" in named.why


def test_arithmetic_is_computed_safely():
    assert decide(user("What is 12 * (3 + 4)?")).text == "12 * (3 + 4) = 84"
    assert decide(user("what is 7 times 6")).text == "7 * 6 = 42"
    assert "too large" in decide(user("What is 2 ** 100000?")).text  # refused in a sentence, not computed
    assert decide(user("What is __import__('os')?")).text == FALLBACK


def test_the_answer_file_covers_the_courses_own_questions():
    decision = decide(user("What is the capital of France?"))
    assert decision.text == "The capital of France is Paris."
    assert "offline_answers.json" in decision.why


class Category(str, Enum):
    billing = "billing"
    technical = "technical"
    other = "other"


class Address(BaseModel):
    city: str
    postcode: Optional[str] = None


class Ticket(BaseModel):
    category: Category
    priority: int = Field(description="1 (urgent) to 5")
    customer: Optional[str]
    is_urgent: bool = Field(description="Whether the customer says it is urgent")
    tags: list[str]
    address: Address
    summary: str


class Homework(BaseModel):
    reasoning: str
    is_homework: bool = Field(description="Is the user asking for help with school homework?")


class Sentiment(BaseModel):
    label: Literal["positive", "negative", "neutral"]
    score: float


@pytest.mark.parametrize(
    ("model", "message", "expected"),
    [
        (Ticket, "Hi, this is Maria Lopez from Berlin. The technical login page is broken, priority 2, urgent!",
         {"category": Category.technical, "priority": 2, "customer": "Maria Lopez", "is_urgent": True,
          "address": Address(city="Berlin", postcode=None),
          "summary": "The technical login page is broken, priority 2, urgent!"}),
        (Homework, "Can you do my math homework?", {"is_homework": True}),
        (Homework, "What is a good name for a cat?", {"is_homework": False}),
        (Sentiment, "This is a positive review, 0.9 out of 1", {"label": "positive", "score": 0.9}),
    ],
)
def test_structured_output_validates_against_the_schema(model, message, expected):
    decision = decide(user(message), output_schema=model.model_json_schema())
    parsed = model.model_validate_json(decision.text)
    for field_name, value in expected.items():
        assert getattr(parsed, field_name) == value
    assert decision.why.startswith("filled the output schema")


def test_structured_output_explains_itself_in_reason_fields():
    parsed = Homework.model_validate_json(decide(user("Can you do my math homework?"),
                                                 output_schema=Homework.model_json_schema()).text)
    assert "homework" in parsed.reasoning


def test_decisions_are_deterministic():
    args = (user("What's the weather in Tokyo and Paris?"), [WEATHER, SEARCH])
    assert decide(*args) == decide(*args)


def test_call_ids_stay_unique_when_a_filter_hides_earlier_calls():
    full = user("Refund order 7731") + [
        Message("assistant", tool_calls=(ToolCall("call_1", "transfer_to_refunds", {}),)),
        Message("tool", '{"assistant": "Refunds"}', tool_call_id="call_1")]
    refund = tool("issue_refund", "Issue a refund for an order.", order_id="integer")
    filtered = decide(user("Refund order 7731"), [refund])  # what a remove_all_tools filter leaves
    unfiltered = decide(full, [refund])
    assert calls(filtered) == calls(unfiltered) == [("issue_refund", {"order_id": 7731})]
    assert filtered.tool_calls[0].call_id != "call_1"
    assert unfiltered.tool_calls[0].call_id not in ("call_1", filtered.tool_calls[0].call_id)


@pytest.mark.parametrize(("a", "b"), [("invoice", "invoices"), ("charge", "charged"), ("crash", "crashes"),
                                      ("shop", "shop's"), ("update", "updating")])
def test_word_forms_meet(a, b):
    assert content_words(a) == content_words(b)


def test_token_estimate():
    assert count_tokens("") == 0
    assert count_tokens("abcd") == 1
    assert count_tokens("abcde") == 2
