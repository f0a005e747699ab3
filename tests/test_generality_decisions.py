"""The offline model on agents the course never defines: which tool, a clarifying question, or a handoff."""

import asyncio
import json

import pytest
from agents import Agent, MaxTurnsExceeded, RunConfig, RunHooks, Runner, handoff
from agents.extensions import handoff_filters

from course_helpers.offline import Message, OfflineModel, ToolSpec, decide
from course_helpers.offline.answers import FALLBACK
from course_helpers.offline.meaning import closest


def tool(name, description, required=None, **params):
    """A function tool spec; every parameter is required unless `required` says otherwise."""
    properties = {key: value if isinstance(value, dict) else {"type": value} for key, value in params.items()}
    return ToolSpec(name, description, {"type": "object", "properties": properties,
                                        "required": list(properties) if required is None else required})


def handoff_spec(agent_name, description):
    snake = agent_name.lower().replace(" ", "_")
    return ToolSpec(f"transfer_to_{snake}", f"Handoff to the {agent_name} agent to handle the request. {description}",
                    {"type": "object", "properties": {}}, is_handoff=True)


def calls(decision):
    return [(c.name, c.arguments) for c in decision.tool_calls]


def names(decision):
    return [c.name for c in decision.tool_calls]


def ask(text, tools, schema=None):
    return decide([Message("user", text)], tools, schema)


STRINGS = {"type": "array", "items": {"type": "string"}}
FILESYSTEM = [  # shaped like the filesystem MCP server's tools
    tool("read_file", "Read the complete contents of a file.", path="string"),
    tool("read_multiple_files", "Read the contents of several files at once.", paths=STRINGS),
    tool("write_file", "Create a new file or overwrite a file with new content.", path="string", content="string"),
    tool("edit_file", "Make line-based edits to a text file.", path="string", edits=STRINGS),
    tool("create_directory", "Create a new directory.", path="string"),
    tool("list_directory", "List the files and directories in a directory.", path="string"),
    tool("move_file", "Move or rename files and directories.", source="string", destination="string"),
    tool("search_files", "Search for files matching a pattern.", path="string", pattern="string"),
    tool("get_file_info", "Get metadata about a file or directory.", path="string"),
    tool("delete_file", "Delete a file.", path="string"),
]
EMAIL = [tool("send_email", "Send an email to a recipient.", to="string", subject="string", body="string"),
         tool("search_inbox", "Search the inbox for emails matching a query.", query="string"),
         tool("delete_email", "Delete an email by its id.", email_id="integer")]
CALENDAR = [tool("create_event", "Create a calendar event.", title="string", date="string"),
            tool("list_events", "List calendar events on a date.", date="string"),
            tool("cancel_event", "Cancel a calendar event by its id.", event_id="integer")]
SHOP = [tool("search_products", "Search the shop's catalogue for products.", query="string"),
        tool("add_to_cart", "Add a product to the shopping cart.", product="string", quantity="integer"),
        tool("pay_for_cart", "Pay for everything in the shopping cart and place the order."),
        tool("track_package", "Track a package by its order number.", order_id="integer")]
TRAVEL = [tool("search_flights", "Search flights between two cities.", origin="string", destination="string"),
          tool("get_weather", "Get the current weather for a city.", city="string"),
          tool("book_hotel", "Book a hotel room in a city.", city="string", nights="integer")]
DEVICES = [tool("turn_on_lights", "Turn on the lights in a room.", room="string"),
           tool("turn_off_lights", "Turn off the lights in a room.", room="string")]
SUPPORT = [handoff_spec("Billing", "Invoices, charges and refunds."),
           handoff_spec("Tech support", "Login problems, crashes and bugs."),
           handoff_spec("Shipping", "Shipping, delivery status and lost packages.")]
BANK = [tool("get_balance", "Get the balance of an account.", account="string"),
        tool("transfer_money", "Transfer money to another account.", to_account="string", amount="number")]


# One agent and request per row: (tools, request, the tool a careful model calls).
CALLS = [
    (FILESYSTEM, "Read notes.txt", "read_file"),
    (FILESYSTEM, "Show me report.pdf", "read_file"),
    (FILESYSTEM, "Erase old.log", "delete_file"),
    (FILESYSTEM, "Rename draft.md to final.md", "move_file"),
    (EMAIL, "Find emails from Lena", "search_inbox"),
    (EMAIL, "Do I have anything about invoices?", "search_inbox"),
    (EMAIL, "I don't need email 12 anymore, get rid of it", "delete_email"),
    (CALENDAR, "What's on my calendar tomorrow?", "list_events"),
    (SHOP, "Find running shoes", "search_products"),
    (SHOP, "Do you sell umbrellas?", "search_products"),
    (SHOP, "Where is my parcel? Order 5512", "track_package"),
    (SHOP, "I want to buy everything in my cart", "pay_for_cart"),
    (TRAVEL, "Flights from Paris to Rome", "search_flights"),
    (TRAVEL, "Book a hotel in Lisbon for 3 nights", "book_hotel"),
    (DEVICES, "Lights on in the kitchen", "turn_on_lights"),
    (DEVICES, "Switch off the bedroom lights", "turn_off_lights"),
    (BANK, "What's the balance of my savings account?", "get_balance"),
]


@pytest.mark.parametrize(("tools", "request_text", "expected"), CALLS, ids=[row[1] for row in CALLS])
def test_one_best_tool_for_the_request(tools, request_text, expected):
    decision = ask(request_text, tools)
    assert names(decision) == [expected], decision.why


@pytest.mark.parametrize(("tools", "request_text", "value"), [
    (FILESYSTEM, "Read notes.txt", "notes.txt"),
    (FILESYSTEM, "Erase old.log", "old.log"),
    (SHOP, "Where is my parcel? Order 5512", 5512),
    (TRAVEL, "Book a hotel in Lisbon for 3 nights", "Lisbon"),
    (DEVICES, "Lights on in the kitchen", "kitchen"),
])
def test_the_call_carries_the_value_the_request_names(tools, request_text, value):
    assert value in calls(ask(request_text, tools))[0][1].values()


# A careful model asks instead of calling with a value the conversation does not give.
QUESTIONS = [
    (FILESYSTEM, "Read a file for me", "Which file should I read?"),
    (FILESYSTEM, "What's in the docs folder?", "directory"),
    (CALENDAR, "Schedule lunch with Ana", "Which date"),
    (TRAVEL, "Book me a hotel", "hotel"),
    ([tool("start_timer", "Start a timer.", minutes="integer")], "Start a timer", "How many minutes"),
]


@pytest.mark.parametrize(("tools", "request_text", "question"), QUESTIONS, ids=[row[1] for row in QUESTIONS])
def test_a_missing_value_gets_a_question_that_names_it(tools, request_text, question):
    decision = ask(request_text, tools)
    assert decision.tool_calls == ()
    assert question in decision.text and decision.text.endswith("?")
    assert "asked instead of guessing" in decision.why


@pytest.mark.parametrize("request_text", ["Do something with my files", "Can you help me with my files?"])
def test_a_vague_request_to_many_similar_tools_calls_none_of_them(request_text):
    decision = ask(request_text, FILESYSTEM)
    assert decision.tool_calls == ()
    assert decision.text.startswith("What would you like me to do") and "read_file" in decision.text


@pytest.mark.parametrize(("tools", "request_text", "destructive"), [
    (FILESYSTEM, "Tidy up my project", "delete_file"),
    (EMAIL, "Tell Sam the meeting moved", "send_email"),
    (CALENDAR, "I can't make event 42", "cancel_event"),
    (BANK, "How much money is in account 7?", "transfer_money"),
    (SHOP, "What's in my cart?", "pay_for_cart"),
])
def test_a_destructive_tool_only_when_the_request_asks_for_that_action(tools, request_text, destructive):
    assert destructive not in names(ask(request_text, tools))


@pytest.mark.parametrize(("tools", "request_text", "expected"), [
    (FILESYSTEM, "Delete old.log", "delete_file"),
    (FILESYSTEM, "Remove old.log", "delete_file"),
    (EMAIL, "Email bob@example.com about the launch", "send_email"),
    (BANK, "Transfer 50 to account 12", "transfer_money"),
    (CALENDAR, "Cancel event 42", "cancel_event"),
])
def test_a_destructive_tool_when_the_request_clearly_asks(tools, request_text, expected):
    assert names(ask(request_text, tools)) == [expected]


def test_a_list_of_three_places_gets_three_calls():
    decision = ask("Weather in Tokyo, Paris and Rome", TRAVEL)
    assert calls(decision) == [("get_weather", {"city": city}) for city in ("Tokyo", "Paris", "Rome")]
    assert len({c.call_id for c in decision.tool_calls}) == 3


def test_two_of_this_and_three_of_that_gets_one_call_each():
    decision = ask("Add two apples and three pears to my cart", SHOP)
    assert names(decision) == ["add_to_cart", "add_to_cart"]
    assert [c.arguments["quantity"] for c in decision.tool_calls] == [2, 3]
    assert "apple" in decision.tool_calls[0].arguments["product"]


@pytest.mark.parametrize(("request_text", "target"), [
    ("Where is my parcel? Tracking has not changed for a week.", "transfer_to_shipping"),
    ("I want my money back", "transfer_to_billing"),
    ("The app keeps crashing", "transfer_to_tech_support"),
    ("I'm cross, I was charged twice", "transfer_to_billing"),
])
def test_support_requests_are_routed_by_meaning(request_text, target):
    assert names(ask(request_text, SUPPORT)) == [target]


@pytest.mark.parametrize(("tools", "request_text", "expected"), [
    ([tool("track_package", "Track a package.", order_id="integer")], "Where's parcel 88?", "track_package"),
    ([tool("start_timer", "Start a timer.", minutes="integer")], "Begin a 10 minute countdown", "start_timer"),
    ([tool("issue_refund", "Issue a refund for an order.", order_id="integer"),
      tool("look_up_order", "Look up an order.", order_id="integer")], "I want my money back for order 7731",
     "issue_refund"),
])
def test_tools_are_matched_by_meaning_as_well_as_words(tools, request_text, expected):
    decision = ask(request_text, tools)
    assert names(decision) == [expected]
    assert "~" in decision.why or "implied" in decision.why  # the why names the related word it used


@pytest.mark.parametrize(("text", "options", "expected"), [
    ("I want my money back", ["refund", "exchange", "other"], "refund"),
    ("Please begin now", ["start", "stop"], "start"),
    ("my parcel", ["package", "invoice"], "package"),
])
def test_closest_option_by_meaning(text, options, expected):
    assert closest(text, options)[0] == expected


def test_closest_option_is_none_when_nothing_is_related():
    assert closest("the weather in Paris", ["refund", "password"]) is None


def test_the_why_names_the_cue_for_each_argument():
    decision = ask("Book a hotel in Lisbon for 3 nights", TRAVEL)
    assert "city='Lisbon'" in decision.why and "nights=3" in decision.why


# ---- history: the conversation the SDK sends ----------------------------------------------------------------

FORECAST = tool("get_weather", "Get the weather forecast for a city on a day.", required=["city"], city="string",
                day={"type": "string", "description": "today, tomorrow or a date"})
TIME = tool("get_time", "Get the local time in a city.", city="string")


def session(*requests, tools=(FORECAST, TIME)):
    """Run each request as a turn, tools answering with their arguments; the calls of each turn."""
    history, turns = [], []
    for text in requests:
        history.append(Message("user", text))
        made, decision = [], decide(history, tools)
        while decision.tool_calls:
            made += decision.tool_calls
            history.append(Message("assistant", tool_calls=decision.tool_calls))
            history += [Message("tool", f"{c.name} says fine", tool_call_id=c.call_id) for c in decision.tool_calls]
            decision = decide(history, tools)
        history.append(Message("assistant", decision.text))
        turns.append(([(c.name, c.arguments) for c in made], decision))
    return turns


def test_a_follow_up_with_a_new_value_reuses_the_previous_tool():
    first, tomorrow, rome = session("What's the weather in Paris?", "And tomorrow?", "And in Rome?")
    assert first[0] == [("get_weather", {"city": "Paris"})]
    (name, arguments), = tomorrow[0]
    assert name == "get_weather" and arguments["city"] == "Paris" and arguments["day"]
    assert rome[0][0][0] == "get_weather" and rome[0][0][1]["city"] == "Rome"


@pytest.mark.parametrize("follow_up", ["What time is it in that city?", "What time is it there?"])
def test_a_reference_resolves_to_the_latest_matching_value(follow_up):
    *_, (made, decision) = session("What's the weather in Paris?", "And in Rome?", follow_up)
    assert made == [("get_time", {"city": "Rome"})]


def test_what_did_i_ask_first_is_answered_from_the_users_messages():
    *_, (first_made, first), (last_made, last) = session(
        "What's the weather in Paris?", "And tomorrow?", "What did I ask you first?", "What did I just ask?")
    assert first_made == [] and "What's the weather in Paris?" in first.text
    assert last_made == [] and "What did I ask you first?" in last.text


def test_a_new_request_after_a_tool_turn_is_not_a_follow_up():
    *_, (made, decision) = session("What's the weather in Paris?", "Write me a poem about the sea")
    assert made == [] and decision.text == FALLBACK


# ---- the recipe assistant from issue 17: all ten questions get a sensible call or a clear answer -------------

RECIPES = [tool("find_recipe", "Find a recipe that uses an ingredient.", ingredient="string"),
           tool("convert_units", "Convert an amount to another unit.", amount="number", unit="string"),
           handoff_spec("Nutrition expert", "Answers calorie and protein questions.")]
DISH = {"type": "object", "properties": {"dish": {"type": "string"}, "answer": {"type": "string"}},
        "required": ["dish", "answer"], "additionalProperties": False}


@pytest.mark.parametrize(("question", "expected", "value"), [
    ("Can you find me a recipe with tomatoes?", "find_recipe", "tomato"),
    ("What can I cook with eggs?", "find_recipe", "egg"),
    ("How many ml is 2 cups of milk?", "convert_units", 2),
    ("Convert 350 fahrenheit to celsius", "convert_units", 350),
    ("How many calories are in an omelette?", "transfer_to_nutrition_expert", None),
    ("Give me a vegetarian dinner idea", "find_recipe", "vegetarian"),
    ("Is lentil dal high in protein?", "transfer_to_nutrition_expert", None),
])
def test_the_recipe_assistant_calls_the_right_tool(question, expected, value):
    decision = ask(question, RECIPES, DISH)
    assert names(decision) == [expected], decision.why
    arguments = decision.tool_calls[0].arguments
    assert value is None or any(value == v or str(value) in str(v) for v in arguments.values())
    assert not any(str(v).lower().startswith(("can you", "convert", "what", "how")) for v in arguments.values())


def test_the_recipe_assistant_looks_up_each_listed_ingredient():
    decision = ask("I have chicken and rice, what should I make?", RECIPES, DISH)
    assert calls(decision) == [("find_recipe", {"ingredient": "chicken"}), ("find_recipe", {"ingredient": "rice"})]


def test_the_recipe_assistant_asks_for_the_idea_not_the_word_idea():
    (call,) = ask("Give me a vegetarian dinner idea", RECIPES, DISH).tool_calls
    assert "idea" not in call.arguments["ingredient"]


def test_a_lone_unit_of_a_tool_that_converts_to_another_unit_is_the_unit_asked_for():
    assert calls(ask("How many ml is 2 cups of milk?", RECIPES)) == [("convert_units", {"amount": 2, "unit": "ml"})]
    assert calls(ask("Convert 350 fahrenheit to celsius", RECIPES))[0][1]["unit"] == "celsius"
    plain = [tool("convert_units", "Convert an amount given in some unit.", amount="number", unit="string")]
    assert calls(ask("How many ml is 2 cups of milk?", plain))[0][1]["unit"] == "cups"


def test_the_nutrition_expert_names_the_dish_the_question_is_about():
    for question, dish in [("Is lentil dal high in protein?", "lentil dal"),
                           ("How many calories are in an omelette?", "omelette")]:
        assert json.loads(decide([Message("user", question)], [], DISH).text)["dish"] == dish


def test_the_recipe_assistant_computes_and_greets_without_tools():
    product = ask("What is 3 * 250?", RECIPES, DISH)
    assert product.tool_calls == () and "750" in product.text
    greeting = ask("hi!", RECIPES, DISH)
    assert greeting.tool_calls == () and '"answer"' in greeting.text


# ---- a value the request does not give is asked for, not taken from the tool's own words --------------------

@pytest.mark.parametrize(("request_text", "tools", "asked"), [
    ("What's the weather like?", [tool("get_weather", "Get the weather for a city.", city="string")], "city"),
    ("Add 2 to the cart", SHOP, "product"),
    ("Find me a recipe", RECIPES, "ingredient"),
    ("Find me flights to Rome", [tool("search_flights", "Search flights.", origin="string",
                                      destination="string")], "origin"),
])
def test_a_missing_value_is_asked_for(request_text, tools, asked):
    decision = ask(request_text, tools)
    assert decision.tool_calls == () and asked in decision.text and decision.text.endswith("?"), decision.why


def test_a_trip_takes_each_end_from_its_preposition():
    flights = [tool("search_flights", "Search flights.", origin="string", destination="string")]
    assert calls(ask("Find flights from Paris to Rome", flights)) == [
        ("search_flights", {"origin": "Paris", "destination": "Rome"})]
    assert calls(ask("Any flights Oslo to Berlin tomorrow?", flights)) == [
        ("search_flights", {"origin": "Oslo", "destination": "Berlin"})]


# ---- call ids through the real SDK ---------------------------------------------------------------------------

class _CallIds(RunHooks):
    def __init__(self):
        self.ids = []

    async def on_llm_end(self, context, agent, response):
        self.ids += [item.call_id for item in response.output if getattr(item, "type", "") == "function_call"]


def test_call_ids_stay_unique_when_two_agents_hand_back_and_forth_with_remove_all_tools():
    front = Agent(name="Front desk", handoff_description="Refund questions from the front desk.")
    refunds = Agent(name="Refunds desk", handoff_description="Refund questions.")
    front.handoffs = [handoff(refunds, input_filter=handoff_filters.remove_all_tools)]
    refunds.handoffs = [handoff(front, input_filter=handoff_filters.remove_all_tools)]
    hooks = _CallIds()
    config = RunConfig(model=OfflineModel(), tracing_disabled=True)
    # Each agent sees only "I need a refund" and hands it on: the run ends at max_turns, not with a
    # ModelBehaviorError about a call id that has already executed.
    with pytest.raises(MaxTurnsExceeded):
        asyncio.run(Runner.run(front, "I need a refund", run_config=config, hooks=hooks, max_turns=6))
    assert len(hooks.ids) == 6 and len(set(hooks.ids)) == 6


def test_a_fact_the_user_stated_earlier_is_recalled_and_not_invented():
    told = [Message("user", "My name is Ada. What is 12 * 7?"), Message("assistant", "12 * 7 = 84"),
            Message("user", "What is my name?")]
    assert decide(told).text == "Your name is Ada."
    assert decide(told[-1:]).text == FALLBACK  # never told: no name is made up


def test_loading_the_word_vectors_leaves_logging_and_the_network_alone():
    import subprocess
    import sys
    code = ("import logging, socket\n"
            "socket.socket.connect = lambda *a: (_ for _ in ()).throw(OSError('no network'))\n"
            "from course_helpers.offline.meaning import similarity\n"
            "assert similarity('parcel', 'package') > similarity('parcel', 'invoice')\n"
            "assert logging.getLogger().handlers == [] and logging.getLogger().level == logging.WARNING\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_a_sentence_about_the_user_completes_the_request_before_it():
    card = ToolSpec("issue_library_card", "Issue a new library card to a reader.",
                    {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]})
    decision = ask("Please sign me up for a library card. My name is Ada Lovelace.", [card])
    assert calls(decision) == [("issue_library_card", {"name": "Ada Lovelace"})]
