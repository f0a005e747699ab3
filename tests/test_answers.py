"""Every course notebook's Questions have model answers in docs/answers/, kept out of the notebook itself."""

import re

import nbformat
import pytest

import course

ANSWERS = course.ROOT / "docs" / "answers"
_ITEM = re.compile(r"^(\d+)\. (.*)$")


def numbered(text: str) -> dict[int, str]:
    """A markdown numbered list as {number: text}, wrapped and indented lines joined to their item."""
    items: dict[int, list[str]] = {}
    for line in text.splitlines():
        if match := _ITEM.match(line):
            items[int(match[1])] = [match[2]]
        elif items and line.strip() and line.startswith(" "):
            items[max(items)].append(line.strip())
    return {number: " ".join(lines) for number, lines in items.items()}


def questions(notebook) -> dict[int, str]:
    last = nbformat.read(notebook, as_version=4).cells[-1].source
    listed = last.split("## Questions", 1)[1]
    return numbered("\n".join(line for line in listed.splitlines() if not line.startswith("[")))


def answers(notebook) -> dict[int, tuple[str, str]]:
    """{number: (question, answer)} from docs/answers/NN_topic.md: `N. **question**`, then the answer indented."""
    found = {}
    for number, text in numbered(ANSWERS.joinpath(f"{notebook.stem}.md").read_text(encoding="utf-8")).items():
        match = re.fullmatch(r"\*\*(.+?)\*\* (.+)", text)
        assert match, f"{notebook.stem}.md, answer {number}: write `{number}. **the question**`, then the answer"
        found[number] = (match[1], match[2])
    return found


NOTEBOOKS = course.course_notebooks()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_question_has_an_answer_of_a_few_sentences(notebook):
    assert (ANSWERS / f"{notebook.stem}.md").is_file(), f"docs/answers/{notebook.stem}.md is missing"
    asked, answered = questions(notebook), answers(notebook)
    assert asked, f"{notebook.name} has no numbered Questions"
    assert sorted(answered) == sorted(asked), f"{notebook.stem}.md answers {sorted(answered)}, asked {sorted(asked)}"
    for number, question in asked.items():
        shown, answer = answered[number]
        assert shown == question, f"{notebook.stem}.md question {number} differs from the notebook's: {question!r}"
        sentences = re.findall(r"[.!?](?:\s|$)", answer)
        assert len(sentences) >= 2 and len(answer.split()) >= 30, f"{notebook.stem}.md answer {number} is too short"


def test_every_answers_file_is_named_for_a_notebook():
    for answers_file in ANSWERS.glob("*.md"):
        assert (course.NOTEBOOKS / f"{answers_file.stem}.ipynb").is_file(), f"{answers_file.name} names no notebook"


def test_answers_stay_out_of_the_notebooks():
    for notebook in NOTEBOOKS:
        source = notebook.read_text(encoding="utf-8")
        for _, answer in answers(notebook).values():
            assert answer[:80] not in source, f"{notebook.name} prints an answer; link docs/answers/ instead"
