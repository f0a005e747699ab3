"""The offline model's values one behaviour at a time: arithmetic, typed values, schemas, refusals."""

import pytest

from course_helpers.offline.answers import arithmetic


@pytest.mark.parametrize(
    ("message", "expected"),
    [("What is 12 * (3 + 4)?", "12 * (3 + 4) = 84"),
     ("what is 5 - -3", "5 - -3 = 8"),
     ("what is 1,000 + 2", "1000 + 2 = 1002"),
     ("what is -2 ** 2", "-2 ** 2 = -4"),
     ("what is 2 ** 0.5", "2 ** 0.5 = 1.414214"),
     ("what is 99999 ** 99", "99999 ** 99 = 9.990104e+494"),
     ("what is 2e3 + 1", "2e3 + 1 = 2001")],
)
def test_arithmetic_is_computed(message, expected):
    assert arithmetic(message) == expected


def test_a_thousand_term_sum_is_computed_without_recursion():
    assert arithmetic("What is " + " + ".join(["1"] * 1000) + "?").endswith("= 1000")
    assert arithmetic("what is " + "(" * 5000 + "1" + ")" * 5000 + " + 1").endswith("= 2")


@pytest.mark.parametrize(
    ("message", "cause"),
    [("What is 2 ** 100000?", "the exponent 100000 is above 100"),
     ("what is 1.5e308 * 10", "too large for a floating-point number"),
     ("what is " + " * ".join(["99999"] * 2500), "more than 2000 numbers")],
)
def test_huge_arithmetic_gets_a_plain_sentence(message, cause):
    answer = arithmetic(message)
    assert "too large for the offline model to compute" in answer and cause in answer


def test_division_by_zero_is_a_sentence_and_non_sums_are_not_arithmetic():
    assert arithmetic("what is 10 / 0") == "10 / 0 has no value: it divides by zero."
    assert arithmetic("In 2024 I had 3 cats") is None
    assert arithmetic("What is __import__('os')?") is None


# Typed values from the text -----------------------------------------------------------------------------------

import json  # noqa: E402
from datetime import date, datetime  # noqa: E402
from typing import Literal, Optional, Union  # noqa: E402

from pydantic import BaseModel, Field  # noqa: E402

from course_helpers.offline.entities import CLOCK, read  # noqa: E402
from course_helpers.offline.values import Filling, fill_object  # noqa: E402


def args(text, **params):
    """Fill a tool schema whose parameters are all required; params are types or schemas."""
    properties = {k: v if isinstance(v, dict) else {"type": v} for k, v in params.items()}
    filling = Filling(text)
    value = fill_object({"type": "object", "properties": properties, "required": list(properties)}, filling)
    return value, filling


def output(model, text):
    filling = Filling(text)
    value = fill_object(model.model_json_schema(), filling)
    assert filling.refusal is None, filling.refusal
    return model.model_validate(value), filling


def test_the_clock_is_fixed_so_dates_are_deterministic():
    assert CLOCK.isoformat() == "2026-01-05T09:00:00+00:00" and CLOCK.strftime("%A") == "Monday"
    days = {f.raw: f.value for f in read("today, tomorrow, the day after tomorrow, on Friday, in 3 days, "
                                          "March 5th, 2026-02-01, 3 Jan").dates}
    assert days == {"today": date(2026, 1, 5), "tomorrow": date(2026, 1, 6), "the day after tomorrow": date(2026, 1, 7),
                    "on Friday": date(2026, 1, 9), "in 3 days": date(2026, 1, 8), "March 5th": date(2026, 3, 5),
                    "2026-02-01": date(2026, 2, 1), "3 Jan": date(2027, 1, 3)}


def test_quoted_text_goes_to_the_field_its_cue_word_names():
    value, filling = args('Create a file called "notes.txt" saying "buy milk"', content="string", filename="string")
    assert value == {"content": "buy milk", "filename": "notes.txt"}
    assert filling.cues["filename"] == "the quoted text after 'called'"


def test_two_quotes_and_two_string_parameters_each_get_their_own():
    value, _ = args('Rename "draft one" to "final"', old="string", new="string")
    assert value == {"old": "draft one", "new": "final"}


def test_an_email_address_comes_alone():
    value, _ = args("Please email bob.smith@example.org about the launch tomorrow", to="string", subject="string")
    assert value["to"] == "bob.smith@example.org" and value["subject"] == "launch tomorrow"


def test_urls_and_file_paths_with_extensions():
    value, _ = args("Download https://example.com/data.csv?x=1 and save it as report_2025.pdf in /tmp/out",
                    url="string", filename="string", folder="string")
    assert value == {"url": "https://example.com/data.csv?x=1", "filename": "report_2025.pdf", "folder": "/tmp/out"}


def test_a_file_name_is_not_the_verb_before_it():
    value, _ = args("Open budget.xlsx", path="string")
    assert value == {"path": "budget.xlsx"}


def test_formatted_dates_are_iso_never_tomorrow():
    value, _ = args("Remind me tomorrow at 3pm", date={"type": "string", "format": "date"},
                    when={"type": "string", "format": "date-time"})
    assert value == {"date": "2026-01-06", "when": "2026-01-06T15:00:00+00:00"}
    day, _ = args("Book Thursday at 14:00 with Lena", day="string", time="string", person="string")
    assert day == {"day": "Thursday", "time": "14:00", "person": "Lena"}


def test_an_hour_field_reads_the_time_and_a_list_of_names_is_the_names():
    assert args("Book a slot with Lena on Thursday at 14:00.", day="string", hour="integer", person="string")[0] == {
        "day": "Thursday", "hour": 14, "person": "Lena"}
    listed = args("I visited Tokyo, Paris and Oslo this year.", response={"type": "array", "items": {"type": "string"}})
    assert listed[0] == {"response": ["Tokyo", "Paris", "Oslo"]}


def test_money_percentages_and_quantities():
    value, _ = args("Send €42.50 to Ana with a 15% tip", amount="number", currency="string", tip_percent="number")
    assert value == {"amount": 42.5, "currency": "EUR", "tip_percent": 15}
    value, _ = args("Convert 100 USD to EUR please.", amount="number", from_currency="string", to_currency="string")
    assert value == {"amount": 100, "from_currency": "USD", "to_currency": "EUR"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Convert 350 fahrenheit to celsius", {"amount": 350, "unit": "fahrenheit"}),
     ("Please convert 8 ounces of butter", {"amount": 8, "unit": "ounces"}),
     ("How many ml is 2 cups of milk?", {"amount": 2, "unit": "cups"})],
)
def test_quantities_give_the_number_and_its_unit_not_a_verb_or_the_food(text, expected):
    assert args(text, amount="number", unit="string")[0] == expected


def test_a_target_unit_is_the_one_asked_for():
    value, _ = args("Convert 350 fahrenheit to celsius", value="number", from_unit="string", to_unit="string")
    assert value == {"value": 350, "from_unit": "fahrenheit", "to_unit": "celsius"}


def test_ids_order_numbers_and_ticket_codes():
    value, _ = args("Where is order #88412? Also see ticket TK-2231.", order_id="string", ticket_id="string")
    assert value == {"order_id": "88412", "ticket_id": "TK-2231"}
    number, _ = args("Refund order 7731", order_id="integer")
    assert number == {"order_id": 7731}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Can you find me a recipe with tomatoes?", "tomatoes"), ("What can I cook with eggs?", "eggs"),
     ("I have chicken", "chicken")],
)
def test_the_relevant_noun_not_the_whole_sentence(text, expected):
    schema = {"title": "find_recipe_args", "type": "object", "properties": {"ingredient": {"type": "string"}},
              "required": ["ingredient"]}
    filling = Filling(text)
    assert fill_object(schema, filling) == {"ingredient": expected}
    assert filling.guessed == []


def test_a_missing_required_value_is_marked_guessed_not_invented():
    value, filling = args("hi!", ingredient="string")
    assert filling.guessed == ["ingredient"] and value == {"ingredient": ""}
    value, filling = args("Send the report", recipient_email={"type": "string", "format": "email"})
    assert filling.guessed == ["recipient_email"] and value["recipient_email"] == "user@example.com"


def test_a_list_gives_one_item_per_element():
    value, _ = args("Add tomatoes, basil and garlic to my list", items={"type": "array", "items": {"type": "string"}})
    assert value == {"items": ["tomatoes", "basil", "garlic"]}


class Item(BaseModel):
    name: str
    quantity: int


class Cart(BaseModel):
    items: list[Item]


def test_a_list_of_objects_gets_one_object_per_element():
    cart, _ = output(Cart, "two apples and three pears")
    assert cart.items == [Item(name="apples", quantity=2), Item(name="pears", quantity=3)]


# Structured output is always valid -----------------------------------------------------------------------------

class Receipt(BaseModel):
    items: list[str]
    count: int = Field(description="How many items")
    total: float


def test_totals_and_counts_are_computed_not_the_first_number():
    receipt, filling = output(Receipt, "I bought bread for $3, milk for $1.50 and eggs for $4")
    assert receipt == Receipt(items=["bread", "milk", "eggs"], count=3, total=8.5)
    assert "total=8.5 (the sum of 3, 1.5, 4)" in filling.notes


class Constrained(BaseModel):
    code: str = Field(pattern=r"^[A-Z]{3}-\d{4}$")
    colour: str = Field(pattern=r"^#[0-9a-f]{6}$")
    short: str = Field(max_length=8)
    quantity: int = Field(ge=1, le=10, multiple_of=2)
    ratio: float = Field(gt=0, lt=1)
    start: date
    at: datetime


def test_patterns_lengths_ranges_and_formats_are_honoured():
    value, filling = output(Constrained, "Project PRJ-1234 starts tomorrow at 3pm with 5 people")
    assert value.code == "PRJ-1234"  # taken from the text, since it matches
    assert value.colour == "#000000"  # written from the pattern, since the text has none
    assert len(value.short) <= 8 and value.quantity in (4, 6) and 0 < value.ratio < 1
    assert value.start == date(2026, 1, 6) and value.at.isoformat() == "2026-01-06T15:00:00+00:00"
    assert "ratio" in filling.guessed


@pytest.mark.parametrize(
    ("schema", "expected"),
    [({"type": "integer", "minimum": 10, "multipleOf": 5}, 10),
     ({"type": "number", "exclusiveMaximum": 3}, 2),
     ({"type": "integer", "exclusiveMinimum": 50}, 51),
     ({"type": "number", "maximum": 2.5}, 2.5)],
)
def test_numbers_move_to_the_nearest_allowed_value(schema, expected):
    assert args("about 3 or 60", n=schema)[0]["n"] == expected or args("", n=schema)[0]["n"] == expected


class Node(BaseModel):
    name: str
    children: list["Node"] = []


class Chain(BaseModel):
    name: str
    next: Optional["Chain"] = None


def test_recursive_types_are_filled_to_a_small_depth():
    assert output(Node, "A folder called docs")[0] == Node(name="docs", children=[])
    assert output(Chain, "A chain called first")[0] == Chain(name="first", next=None)


def test_a_recursive_output_type_as_the_sdk_sends_it_stops_at_its_first_optional_level():
    from agents.agent_output import AgentOutputSchema

    schema = AgentOutputSchema(Chain).json_schema()  # the root model inlined, recursion through $defs
    assert fill_object(schema, Filling("A chain called first")) == {"name": "first", "next": None}


def test_a_ref_to_itself_never_loops():
    filling = Filling("a note called 'Bob'")
    schema = {"type": "object", "properties": {"me": {"$ref": "#"}, "name": {"type": "string"}}, "required": ["name"]}
    assert fill_object(schema, filling) == {"name": "Bob"}
    required = {"type": "object", "properties": {"me": {"$ref": "#"}}, "required": ["me"]}
    refused = Filling("x")
    assert fill_object(required, refused) == {} and "nests more than" in refused.refusal


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int


class Dog(BaseModel):
    kind: Literal["dog"]
    breed: str


class Pet(BaseModel):
    pet: Union[Cat, Dog] = Field(discriminator="kind")


def test_discriminated_unions_take_the_option_the_message_names():
    assert output(Pet, "My dog is a beagle")[0].pet == Dog(kind="dog", breed="beagle")
    assert output(Pet, "My cat has 9 lives")[0].pet == Cat(kind="cat", lives=9)


class Stock(BaseModel):
    counts: dict[str, int]
    note: Optional[str] = None


def test_dicts_read_pairs_and_optional_fields_stay_null():
    stock, _ = output(Stock, "We have 3 apples and 12 pears")
    assert stock == Stock(counts={"apples": 3, "pears": 12}, note=None)
    scores = fill_object({"type": "object", "properties": {"scores": {"additionalProperties": {"type": "integer"}}}},
                         Filling("Ada scored 3 points and Grace scored 5."))
    assert scores == {"scores": {"Ada": 3, "Grace": 5}}


class Mood(BaseModel):
    mood: Literal["happy", "sad", "other"]


class Priority(BaseModel):
    level: Literal["low", "medium", "high"]


def test_an_unmatched_enum_takes_the_neutral_option_not_the_first():
    mood, filling = output(Mood, "The weather is fine")
    assert mood.mood == "other" and "the neutral option" in filling.notes[0]
    assert output(Mood, "I am so sad today")[0].mood == "sad"
    priority, filling = output(Priority, "whatever you think")
    assert priority.level == "medium" and filling.guessed == ["level"]


# Never a raw crash ----------------------------------------------------------------------------------------------

def _deep(levels):
    schema = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"a": schema}, "required": ["a"]}
    return schema


@pytest.mark.parametrize(
    ("schema", "cause"),
    [(False, "`false`"),
     ({"type": "object", "properties": {"x": {"enum": []}}, "required": ["x"]}, "no options"),
     ({"type": "object", "properties": {"x": {"type": "colour"}}, "required": ["x"]}, "'colour' is not a JSON-schema"),
     ({"type": "object", "properties": {"x": {"$ref": "#/$defs/Missing"}}, "required": ["x"]}, "names nothing"),
     ({"type": "object", "properties": {"x": {"$ref": "https://example.com/s.json"}}, "required": ["x"]},
      "points outside"),
     ({"type": "object", "properties": {"n": {"type": "integer", "minimum": 5, "maximum": 3}}, "required": ["n"]},
      "widen the range"),
     ({"type": "object", "properties": {"s": {"type": "string", "pattern": "^(?=\\d)[a-z]+$"}}, "required": ["s"]},
      "simplify the pattern"),
     (_deep(400), "nests more than")],
)
def test_odd_schemas_get_a_clear_refusal_never_an_exception(schema, cause):
    filling = Filling("hello there 42")
    assert fill_object(schema, filling) == {}
    assert filling.refusal.startswith("The offline model cannot fill this schema: ") and cause in filling.refusal


@pytest.mark.parametrize("schema", [True, {}, {"type": "object"}, {"$ref": "#"}, _deep(10),
                                    {"$defs": {"A": {"$ref": "#/$defs/A"}}, "type": "object",
                                     "properties": {"a": {"$ref": "#/$defs/A"}}}])
def test_permissive_schemas_get_valid_output(schema):
    filling = Filling("hello there 42")
    value = fill_object(schema, filling)
    assert isinstance(value, dict)
    assert filling.refusal is None or "could not be checked" in filling.refusal


def test_every_output_is_validated_with_jsonschema():
    from jsonschema import validate

    for model, text in [(Constrained, "PRJ-1234 tomorrow"), (Receipt, "3 eggs"), (Pet, "a dog"), (Stock, "x")]:
        filling = Filling(text)
        value = fill_object(model.model_json_schema(), filling)
        validate(value, model.model_json_schema())
        json.dumps(value)


@pytest.mark.parametrize(("request_text", "fact"), [
    ("Remember that my partner is called Sam.", "my partner is called Sam"),
    ("Please remember: my partner is called Sam", "my partner is called Sam"),
    ("I live in Porto now, please remember it.", "I live in Porto now"),
    ("What do you remember about where I live?", "where I live"),
])
def test_a_statement_keeps_its_own_words_whose_partner_included(request_text, fact):
    schema = {"type": "object", "properties": {"fact": {"type": "string", "description": "The fact to remember."}},
              "required": ["fact"]}
    assert fill_object(schema, Filling(text=request_text)) == {"fact": fact}
