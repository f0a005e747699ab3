"""Checkers for the exercises in notebooks/10_structured_output.ipynb."""

from __future__ import annotations

from typing import Any

from agents import Agent, AgentOutputSchema, ModelBehaviorError, Runner, UserError
from agents.testing import ScriptedModel, assistant_message
from pydantic import BaseModel

from course_helpers.checks import reference_solution, Hint, checker, offline_run_config

_FIELDS = ["title", "rating", "sentiment", "highlights"]
_SENTIMENTS = {"positive", "negative", "mixed"}
_REVIEW = "I watched Arrival last night: 4 stars, a really positive film with great Music and Sound design."


class _Forecast(BaseModel):
    city: str
    temperature_c: float


@checker("define `MovieReview(BaseModel)` with the fields title, rating, sentiment and highlights.")
async def check_movie_review(MovieReview: Any) -> str:
    """Check the model's fields and schema, then let the offline model fill one in."""
    if not (isinstance(MovieReview, type) and issubclass(MovieReview, BaseModel)):
        raise Hint("make `MovieReview` a Pydantic model: `class MovieReview(BaseModel):` "
                   "(dataclasses work as output types too, but this exercise uses Field constraints).")
    fields = list(MovieReview.model_fields)
    if set(fields) != set(_FIELDS):
        raise Hint(f"the fields should be {_FIELDS}; you have {fields}.")
    try:
        schema = AgentOutputSchema(MovieReview).json_schema()
    except UserError:
        raise Hint("the SDK cannot make a strict schema from MovieReview: use only str, int, Literal and "
                   "list[str] fields.") from None
    properties = schema["properties"]
    if set(_resolved(properties["sentiment"], schema).get("enum", [])) != _SENTIMENTS:
        raise Hint("`sentiment` should allow only 'positive', 'negative' and 'mixed': annotate it "
                   "`sentiment: Literal[\"positive\", \"negative\", \"mixed\"]`, or with a `str` Enum of "
                   "those three values.")
    rating = properties["rating"]
    if rating.get("type") != "integer" or (rating.get("minimum"), rating.get("maximum")) != (1, 5):
        raise Hint("`rating` should be a whole number from 1 to 5: `rating: int = Field(ge=1, le=5)`.")
    highlights = properties["highlights"]
    if highlights.get("type") != "array" or highlights.get("items", {}).get("type") != "string":
        raise Hint("`highlights` should be a list of strings: `highlights: list[str]`.")
    agent = Agent(name="Critic", output_type=MovieReview)
    result = await Runner.run(agent, _REVIEW, run_config=offline_run_config())
    review = result.final_output
    if not isinstance(review, MovieReview):
        raise Hint(f"the run gave a {type(review).__name__}, not a MovieReview.")
    sentiment = getattr(review.sentiment, "value", review.sentiment)  # a Literal's string, or an Enum member's
    return f"the offline model filled in a MovieReview: rating={review.rating}, sentiment={sentiment!r}."


def _resolved(prop: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A property's own schema: an Enum field is a `$ref` to `$defs`, a Literal one is inline."""
    ref = prop.get("$ref", "")
    return schema.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {}) if ref else prop


@checker("write `async def ask_or_none(agent, question)` that returns the final output, or None if it is invalid.")
async def check_ask_or_none(ask_or_none: Any) -> str:
    """Check with scripted models: a valid answer, an invalid one, and a different failure that must not be hidden."""
    question = "What is the forecast for Oslo?"
    good = Agent(name="Forecaster", output_type=_Forecast, model=ScriptedModel(
        [[assistant_message('{"city": "Oslo", "temperature_c": 4.5}')]]))
    value = await ask_or_none(good, question)
    if not isinstance(value, _Forecast):
        raise Hint(f"for a valid answer you returned {value!r}; return `result.final_output`.")

    bad = Agent(name="Forecaster", output_type=_Forecast, model=ScriptedModel(
        [[assistant_message('{"city": "Oslo", "temperature_c": "cold"}')]]))
    try:
        value = await ask_or_none(bad, question)
    except ModelBehaviorError:
        raise Hint("an answer that does not fit the output type raised ModelBehaviorError: catch it "
                   "(`except ModelBehaviorError:`) and return None.") from None
    if value is not None:
        raise Hint(f"for an invalid answer you returned {value!r}; return None.")

    broken = Agent(name="Forecaster", output_type=_Forecast, model=ScriptedModel(
        [ConnectionError("the model provider is unreachable")]))
    try:
        await ask_or_none(broken, question)
    except ConnectionError:
        return "valid answers come back typed, invalid ones give None, and other errors still raise."
    raise Hint("a ConnectionError from the provider was swallowed: catch only ModelBehaviorError, "
               "so real outages still raise.")


# Reference solutions: shown only when the learner asks, with `check_x.hint()` and then `check_x.solution()`.
from typing import Literal


@reference_solution(check_movie_review)
def _movie_review():
    """Text is `str`, a bounded whole number is `int = Field(ge=1, le=5)`, a fixed set of words is
    `Literal["positive", "negative", "mixed"]`, and a list of strings is `list[str]`. Give no defaults: strict
    schemas make every field required anyway."""

    from pydantic import Field  # for the rating's bounds

    class MovieReview(BaseModel):
        title: str
        rating: int = Field(ge=1, le=5)
        sentiment: Literal["positive", "negative", "mixed"]
        highlights: list[str]

    return MovieReview


@reference_solution(check_ask_or_none)
def _ask_or_none():
    """When the model's answer does not fit `output_type`, `Runner.run` raises `ModelBehaviorError`. Catch that
    one exception and return `None`; let every other exception through."""

    async def ask_or_none(agent, question):
        try:
            result = await Runner.run(agent, question)
        except ModelBehaviorError:  # only a bad answer; a provider that is down should still raise
            return None
        return result.final_output

    return ask_or_none
