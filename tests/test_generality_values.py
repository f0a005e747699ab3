"""Values for agents the course never defines: what a careful, literal model fills, from real SDK schemas."""

from datetime import date
from enum import Enum
from typing import Literal, Optional

import pytest
from agents import function_tool
from pydantic import BaseModel, Field

from course_helpers.offline.values import Filling, fill_object


def schema_of(function):
    """The JSON schema the Agents SDK sends for a Python function's parameters."""
    return function_tool(function).params_json_schema


def find_recipe(ingredient: str) -> str:
    """Find a recipe that uses an ingredient."""


def convert_units(amount: float, unit: str) -> str:
    """Convert a cooking quantity to other units."""


def read_file(path: str) -> str:
    """Read a text file."""


def write_file(filename: str, content: str) -> str:
    """Write text to a file."""


def move_file(source: str, destination_folder: str) -> str:
    """Move a file into a folder."""


def send_email(to: str, subject: str, body: str) -> str:
    """Send an email."""


def create_event(title: str, date: str, time: str) -> str:
    """Put an event in the calendar."""


def add_to_cart(product: str, quantity: int) -> str:
    """Add a product to the shopping cart."""


def track_order(order_id: str) -> str:
    """Where an order is."""


def book_flight(origin: str, destination: str, departure_date: str) -> str:
    """Book a flight."""


def set_thermostat(temperature: float, room: str) -> str:
    """Set a room's thermostat."""


def open_ticket(ticket_id: str) -> str:
    """Show a support ticket."""


def fetch_page(url: str) -> str:
    """Fetch a web page."""


def invite(emails: list[str]) -> str:
    """Invite people by email address."""


def split_bill(amount: float, people: int, tip_percent: float) -> str:
    """Split a restaurant bill."""


def pay_invoice(invoice_number: str, amount: float, currency: str) -> str:
    """Pay an invoice."""


def set_timer(minutes: int) -> str:
    """Set a kitchen timer."""


def rename_file(old_name: str, new_name: str) -> str:
    """Rename a file."""


def search_products(query: str, max_price: Optional[float] = None) -> str:
    """Search the shop."""


def convert_temperature(value: float, from_unit: str, to_unit: str) -> str:
    """Convert a temperature."""


TOOL_CASES = [
    (find_recipe, "Can you find me a recipe with tomatoes?", {"ingredient": "tomatoes"}),
    (find_recipe, "What can I cook with eggs?", {"ingredient": "eggs"}),
    (find_recipe, "I have chicken", {"ingredient": "chicken"}),
    (find_recipe, "Please convert 8 ounces of butter", {"ingredient": "butter"}),
    (convert_units, "Convert 350 fahrenheit to celsius", {"amount": 350, "unit": "fahrenheit"}),
    (convert_units, "How many ml is 2 cups of milk?", {"amount": 2, "unit": "cups"}),
    (convert_units, "Please convert 8 ounces of butter", {"amount": 8, "unit": "ounces"}),
    (read_file, "Read notes/todo.md for me", {"path": "notes/todo.md"}),
    (read_file, "What does config.yaml say?", {"path": "config.yaml"}),
    (write_file, 'Write "hello world" to greeting.txt', {"filename": "greeting.txt", "content": "hello world"}),
    (move_file, "Move report.pdf to ~/Documents/archive", {"source": "report.pdf",
                                                           "destination_folder": "~/Documents/archive"}),
    (send_email, 'Email lena@example.com with the subject "Tea order" saying "Two boxes, please"',
     {"to": "lena@example.com", "subject": "Tea order", "body": "Two boxes, please"}),
    (create_event, 'Add "Dentist" to my calendar on Friday at 10:30', {"title": "Dentist", "date": "2026-01-09",
                                                                        "time": "10:30"}),
    (add_to_cart, "Add three bananas to my cart", {"product": "bananas", "quantity": 3}),
    (track_order, "Where is my order #48213?", {"order_id": "48213"}),
    (book_flight, "Book a flight from Lisbon to Oslo on March 3", {"origin": "Lisbon", "destination": "Oslo",
                                                                     "departure_date": "2026-03-03"}),
    (set_thermostat, "Set the Bedroom to 19.5 degrees", {"temperature": 19.5, "room": "Bedroom"}),
    (open_ticket, "Show me ticket SUP-7781", {"ticket_id": "SUP-7781"}),
    (fetch_page, "Fetch https://docs.python.org/3/library/re.html and summarise it",
     {"url": "https://docs.python.org/3/library/re.html"}),
    (invite, "Invite ana@site.org, bo@site.org and cy@site.org", {"emails": ["ana@site.org", "bo@site.org",
                                                                          "cy@site.org"]}),
    (split_bill, "Split $84 between 4 people with a 10% tip", {"amount": 84, "people": 4, "tip_percent": 10}),
    (pay_invoice, "Pay invoice INV-2291 for 120 EUR", {"invoice_number": "INV-2291", "amount": 120,
                                                        "currency": "EUR"}),
    (set_timer, "Set a timer for 12 minutes", {"minutes": 12}),
    (rename_file, 'Rename "draft.docx" to "final.docx"', {"old_name": "draft.docx", "new_name": "final.docx"}),
    (search_products, "Search the shop for running shoes", {"query": "running shoes"}),
    (convert_temperature, "Convert 350 fahrenheit to celsius", {"value": 350, "from_unit": "fahrenheit",
                                                                "to_unit": "celsius"}),
]


@pytest.mark.parametrize(("function", "request_text", "expected"), TOOL_CASES,
                         ids=[f"{f.__name__}: {t}" for f, t, _ in TOOL_CASES])
def test_tool_arguments(function, request_text, expected):
    filling = Filling(request_text)
    arguments = fill_object(schema_of(function), filling)
    assert {k: v for k, v in arguments.items() if v is not None} == expected
    assert filling.guessed == [] and filling.refusal is None


@pytest.mark.parametrize(("function", "request_text", "missing"),
                         [(find_recipe, "hi!", "ingredient"), (read_file, "Read it to me", "path"),
                          (track_order, "Where is my parcel?", "order_id"),
                          (send_email, "Send an email to the team", "to")])
def test_a_value_that_is_not_there_is_marked_for_a_question(function, request_text, missing):
    filling = Filling(request_text)
    fill_object(schema_of(function), filling)
    assert missing in filling.guessed


class RecipeAnswer(BaseModel):
    dish: str
    answer: str


class Urgency(str, Enum):
    low = "low"
    normal = "normal"
    urgent = "urgent"


class SupportTicket(BaseModel):
    customer_email: str = Field(description="The customer's email address")
    order_number: Optional[str] = None
    urgency: Urgency
    refund_requested: bool = Field(description="Does the customer ask for a refund?")


class Meeting(BaseModel):
    title: str
    day: date
    attendees: list[str]


class LineItem(BaseModel):
    product: str
    quantity: int


class ShoppingList(BaseModel):
    items: list[LineItem]
    item_count: int


class Expense(BaseModel):
    total: float
    currency: Literal["USD", "EUR", "GBP", "other"]


class DeviceStatus(BaseModel):
    device: Literal["thermostat", "doorbell", "camera", "other"]
    battery_percent: int = Field(ge=0, le=100)


class FileInfo(BaseModel):
    filename: str
    size_mb: float
    extension: str = Field(pattern=r"^\.[a-z0-9]+$")


class TripBudget(BaseModel):
    destination: str
    nights: int = Field(gt=0)
    budget: float


def test_recipe_output_type_answers_with_the_dish():
    filling = Filling("Can you find me a recipe with tomatoes?", reply="Try a tomato salad.")
    value = RecipeAnswer.model_validate(fill_object(RecipeAnswer.model_json_schema(), filling))
    assert value == RecipeAnswer(dish="tomatoes", answer="Try a tomato salad.")


@pytest.mark.parametrize(
    ("model", "text", "expected"),
    [(SupportTicket, "Hi, maria@shop.example here: order A-5521 never came, I want my money back, urgent!",
      {"customer_email": "maria@shop.example", "order_number": "A-5521", "urgency": Urgency.urgent}),
     (SupportTicket, "Hello, jo@x.org, just a question about sizes.",
      {"customer_email": "jo@x.org", "order_number": None, "urgency": Urgency.normal, "refund_requested": False}),
     (Meeting, "Plan a meeting called 'Roadmap' tomorrow with Ana, Bo and Cy",
      {"title": "Roadmap", "day": date(2026, 1, 6), "attendees": ["Ana", "Bo", "Cy"]}),
     (ShoppingList, "two apples, three pears and one melon",
      {"items": [LineItem(product="apples", quantity=2), LineItem(product="pears", quantity=3),
                 LineItem(product="melon", quantity=1)], "item_count": 3}),
     (Expense, "Taxi €12, lunch €18.50 and museum €9", {"total": 39.5, "currency": "EUR"}),
     (Expense, "I spent 300 rupees and 40 rupees", {"total": 340, "currency": "other"}),
     (DeviceStatus, "The doorbell battery is at 15%", {"device": "doorbell", "battery_percent": 15}),
     (DeviceStatus, "Battery at 140 percent on my watch", {"device": "other", "battery_percent": 100}),
     (FileInfo, "holiday.jpg is 3.2 MB", {"filename": "holiday.jpg", "size_mb": 3.2}),
     (TripBudget, "3 nights in Kyoto with a budget of $900", {"destination": "Kyoto", "nights": 3, "budget": 900})],
)
def test_output_types(model, text, expected):
    filling = Filling(text)
    value = model.model_validate(fill_object(model.model_json_schema(), filling))
    assert filling.refusal is None
    for name, wanted in expected.items():
        assert getattr(value, name) == wanted, (name, filling.notes)


def test_an_output_pattern_is_met_from_the_file_name():
    value = FileInfo.model_validate(fill_object(FileInfo.model_json_schema(), Filling("holiday.jpg is 3.2 MB")))
    assert value.extension.startswith(".")
