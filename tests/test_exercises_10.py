"""The checkers of notebook 10 accept right answers and give specific hints for blank or wrong ones."""

import asyncio
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from agents import ModelBehaviorError, RunConfig, Runner
from pydantic import BaseModel, Field

from course_helpers.exercises.ex10_structured_output import check_ask_or_none, check_movie_review


QUIET = RunConfig(tracing_disabled=True)  # these runs happen without setup(), so keep traces local


def run(check):
    return asyncio.run(check)


# Exercise 1: MovieReview


MovieReview = check_movie_review.reference()  # the reference solution, from the package


def test_movie_review_accepts_a_right_answer(capsys):
    assert run(check_movie_review(MovieReview))
    assert capsys.readouterr().out == (
        "✅ the offline model filled in a MovieReview: rating=4, sentiment='positive'.\n"
    )


def test_movie_review_blank(capsys):
    class MovieReview(BaseModel):
        ...

    class PlainMovieReview:
        ...

    assert not run(check_movie_review(MovieReview))
    assert not run(check_movie_review(PlainMovieReview))
    assert not run(check_movie_review(...))
    lines = capsys.readouterr().out.splitlines()
    blank = "✏️ Not attempted yet — define `MovieReview"
    assert len(lines) == 3 and all(line.startswith(blank) for line in lines)


def test_movie_review_as_a_dataclass(capsys):
    @dataclass
    class MovieReview:
        title: str
        rating: int
        sentiment: str
        highlights: list[str]

    assert not run(check_movie_review(MovieReview))
    assert "`class MovieReview(BaseModel):`" in capsys.readouterr().out


class Sentiment(str, Enum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    MIXED = "mixed"


class Mood(str, Enum):
    HAPPY = "happy"
    SAD = "sad"


def test_movie_review_accepts_an_enum_sentiment(capsys):
    class MovieReview(BaseModel):
        highlights: list[str]
        sentiment: Sentiment
        rating: int = Field(ge=1, le=5, description="stars")
        title: str

    assert run(check_movie_review(MovieReview))
    assert capsys.readouterr().out == "✅ the offline model filled in a MovieReview: rating=4, sentiment='positive'.\n"


def test_movie_review_with_an_enum_of_other_values(capsys):
    class MovieReview(BaseModel):
        title: str
        rating: int = Field(ge=1, le=5)
        sentiment: Mood
        highlights: list[str]

    assert not run(check_movie_review(MovieReview))
    assert "`sentiment` should allow only 'positive', 'negative' and 'mixed'" in capsys.readouterr().out


def test_movie_review_with_a_plain_string_sentiment(capsys):
    class MovieReview(BaseModel):
        title: str
        rating: int = Field(ge=1, le=5)
        sentiment: str
        highlights: list[str]

    assert not run(check_movie_review(MovieReview))
    assert 'sentiment: Literal["positive", "negative", "mixed"]' in capsys.readouterr().out


def test_movie_review_without_rating_bounds(capsys):
    class MovieReview(BaseModel):
        title: str
        rating: int
        sentiment: Literal["positive", "negative", "mixed"]
        highlights: list[str]

    assert not run(check_movie_review(MovieReview))
    assert "rating: int = Field(ge=1, le=5)" in capsys.readouterr().out


def test_movie_review_with_a_missing_field(capsys):
    class MovieReview(BaseModel):
        title: str
        rating: int = Field(ge=1, le=5)
        sentiment: Literal["positive", "negative", "mixed"]

    assert not run(check_movie_review(MovieReview))
    assert "you have ['title', 'rating', 'sentiment']" in capsys.readouterr().out


def test_movie_review_with_a_non_strict_field(capsys):
    class MovieReview(BaseModel):
        title: str
        rating: int = Field(ge=1, le=5)
        sentiment: Literal["positive", "negative", "mixed"]
        highlights: dict[str, str]

    assert not run(check_movie_review(MovieReview))
    assert "cannot make a strict schema" in capsys.readouterr().out


# Exercise 2: ask_or_none


ask_or_none = check_ask_or_none.reference()  # the reference solution, from the package


def test_ask_or_none_accepts_a_right_answer(capsys):
    assert run(check_ask_or_none(ask_or_none))
    assert capsys.readouterr().out.startswith("✅ valid answers come back typed")


def test_ask_or_none_blank(capsys):
    async def ask_or_none(agent, question):
        ...

    assert not run(check_ask_or_none(ask_or_none))
    blank = "✏️ Not attempted yet — write `async def ask_or_none(agent, question)`"
    assert capsys.readouterr().out.startswith(blank)


def test_ask_or_none_without_catching(capsys):
    async def no_catch(agent, question):
        return (await Runner.run(agent, question, run_config=QUIET)).final_output

    assert not run(check_ask_or_none(no_catch))
    assert "catch it (`except ModelBehaviorError:`) and return None" in capsys.readouterr().out


def test_ask_or_none_catching_everything(capsys):
    async def catch_all(agent, question):
        try:
            return (await Runner.run(agent, question, run_config=QUIET)).final_output
        except Exception:
            return None

    assert not run(check_ask_or_none(catch_all))
    assert "catch only ModelBehaviorError" in capsys.readouterr().out


def test_ask_or_none_returning_the_result(capsys):
    async def returns_result(agent, question):
        return await Runner.run(agent, question, run_config=QUIET)

    assert not run(check_ask_or_none(returns_result))
    assert "return `result.final_output`" in capsys.readouterr().out
