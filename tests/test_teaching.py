"""The teacher's guide covers every course notebook, and its generated graph and timings match the notebooks."""

import re

import pytest

import course
from tools import teaching

NOTEBOOKS = teaching.notebooks()


HINT = "run `.venv/bin/python -m tools.teaching` and commit docs/TEACHING.md and docs/notebook-graph.svg"


def test_the_graph_is_up_to_date():
    assert teaching.GRAPH.read_text(encoding="utf-8") == teaching.graph_svg(NOTEBOOKS), HINT


def test_the_timings_are_up_to_date():
    """Exercises and questions exactly; the estimate within one 5-minute step, so a reworded sentence needs no rerun."""
    rows = re.findall(r"^\| (\d\d) \| .* \| (\d+) \| (\d+) \| (\d+) min \|$", teaching.GUIDE.read_text(), re.M)
    shown = {number: (int(exercises), int(questions), int(minutes)) for number, exercises, questions, minutes in rows}
    assert sorted(shown) == [notebook.number for notebook in NOTEBOOKS], HINT
    for notebook in NOTEBOOKS:
        exercises, questions, minutes = shown[notebook.number]
        assert (exercises, questions) == (notebook.exercises, notebook.questions), f"{notebook.number}: {HINT}"
        assert abs(minutes - notebook.minutes) <= 5, f"{notebook.number}: {HINT}"


def test_every_notebook_is_in_the_graph_and_the_timings():
    graph, guide = teaching.GRAPH.read_text(encoding="utf-8"), teaching.GUIDE.read_text(encoding="utf-8")
    for notebook in NOTEBOOKS:
        assert f">{notebook.number} · " in graph
        assert re.search(rf"^\| {notebook.number} \| .* min \|$", guide, re.M), notebook.number


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda n: n.number)
def test_every_notebook_says_what_a_key_adds(notebook):
    keys = teaching.GUIDE.read_text(encoding="utf-8").split("## Which notebooks need a key", 1)[1].split("\n## ")[0]
    assert re.search(rf"^\| {notebook.number} \| .+ \| .+ \|$", keys, re.M), f"add a row for {notebook.number}"


def test_prerequisites_come_before_their_notebook():
    order = [notebook.number for notebook in NOTEBOOKS]
    for notebook in NOTEBOOKS[1:]:
        assert notebook.prerequisites, f"{notebook.number}'s title cell names no notebook under *Before this*"
        assert all(order.index(p) < order.index(notebook.number) for p in notebook.prerequisites), notebook.number


def test_arrows_implied_by_another_path_are_left_out():
    direct = teaching.direct_prerequisites(NOTEBOOKS)
    assert direct["08"] == {"07"} and direct["20"] == {"14", "19"}


def test_the_estimate_is_the_stated_formula():
    start = next(notebook for notebook in NOTEBOOKS if notebook.number == "00")
    minutes = (start.words / 120 + start.code_cells * 1.5 + start.exercises * 12 + start.questions * 2)
    assert start.minutes - 5 < minutes <= start.minutes


def test_every_local_link_in_the_guide_resolves():
    guide = teaching.GUIDE.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)", guide):
        if not re.match(r"[a-z]+:", target):
            assert (teaching.GUIDE.parent / target).resolve().exists(), target
    assert course.ROOT.joinpath("docs", "answers").is_dir()
