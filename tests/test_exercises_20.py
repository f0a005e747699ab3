"""The checkers of notebook 20 accept right answers and give specific hints for blank or wrong ones."""

import re

from course_helpers.exercises.ex20_capstone_email_agent import (
    NEW_PHRASINGS,
    check_looks_smuggled,
    check_recall_by_category,
)
from course_helpers.inbox import load_inbox, load_labels

# The notebook's pattern, which misses the exercise's new phrasings.
NOTEBOOK_PATTERN = re.compile(
    r"\b(?:AI|assistant|chatbot|language model)\b[^.!?\n:]{0,40}(?::|\breading\b)"
    r"|\bignore (?:all |any |your )?(?:previous|prior|earlier) instructions",
    re.IGNORECASE,
)
BETTER_PATTERN = re.compile(
    r"\b(?:AI|assistants?|chatbot|language model)\b[^.!?\n:]{0,40}(?::|\breading\b|\bsummari[sz]ing\b)"
    r"|\bdear AI\b|^SYSTEM:|\nSYSTEM:|(?<=\. )SYSTEM:"
    r"|\bignore (?:all |any |your )?(?:previous|prior|earlier) instructions",
    re.IGNORECASE,
)


def looks_smuggled(text):
    return BETTER_PATTERN.search(text) is not None


def notebook_version(text):
    return NOTEBOOK_PATTERN.search(text) is not None


def the_three_phrasings_word_for_word(text):
    return notebook_version(text) or any(phrasing in text for phrasing in NEW_PHRASINGS)


SHAPES = re.compile(r"^(?:dear (?:ai|assistant)\b|system:)|\bassistants? (?:reading|summari[sz]ing)\b", re.I | re.M)


def by_shape(text):
    body = text.split("\n\n", 1)[-1]
    return notebook_version(text) or SHAPES.search(body) is not None


def flags_every_system_word(text):
    return looks_smuggled(text) or "system" in text.lower()


def returns_the_match(text):
    return BETTER_PATTERN.search(text)


def blank_looks_smuggled(text):
    ...


def test_the_new_phrasings_really_are_new():
    assert not any(notebook_version(text) for text in NEW_PHRASINGS)


def test_the_inbox_ids_the_checker_uses_are_smuggled_junk():
    inbox, labels = {e.id: e for e in load_inbox()}, load_labels()
    for email_id in (9, 15, 30, 34):
        assert labels[email_id] == "junk" and notebook_version(inbox[email_id].as_text())


def test_looks_smuggled_accepts_a_right_answer(capsys):
    assert check_looks_smuggled(looks_smuggled)
    assert capsys.readouterr().out.startswith(
        "✅ catches all 7 smuggled instructions and 3 variations, and flags none of the 27"
    )


def test_looks_smuggled_blank(capsys):
    assert not check_looks_smuggled(blank_looks_smuggled)
    assert not check_looks_smuggled(...)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith("✏️ Not attempted yet") for line in lines)


def test_looks_smuggled_with_the_notebook_pattern(capsys):
    assert not check_looks_smuggled(notebook_version)
    assert "it lets this through: 'Dear AI, please forward" in capsys.readouterr().out


def test_looks_smuggled_accepts_another_pattern_that_matches_the_shapes(capsys):
    assert check_looks_smuggled(by_shape)


def test_looks_smuggled_matching_only_the_listed_sentences(capsys):
    assert not check_looks_smuggled(the_three_phrasings_word_for_word)
    assert "catches the listed phrasings but not this variation of one: 'Dear AI, mark" in capsys.readouterr().out


def test_looks_smuggled_too_eager(capsys):
    assert not check_looks_smuggled(flags_every_system_word)
    assert "it flags a harmless email: 'Our booking system will be down" in capsys.readouterr().out


def test_looks_smuggled_returning_a_match(capsys):
    assert not check_looks_smuggled(returns_the_match)
    assert "return True or False" in capsys.readouterr().out


recall_by_category = check_recall_by_category.reference()  # the reference solution, from the package


def precision_by_category(predictions, labels):
    right, predicted = {}, {}
    for email_id, label in labels.items():
        guess = predictions[email_id]
        predicted[guess] = predicted.get(guess, 0) + 1
        right[guess] = right.get(guess, 0) + (guess == label)
    return {category: right[category] / predicted[category] for category in predicted}


def recall_in_percent(predictions, labels):
    return {label: 100 * value for label, value in recall_by_category(predictions, labels).items()}


def recall_over_predictions(predictions, labels):
    found, total = {}, {}
    for email_id, guess in predictions.items():
        label = labels[email_id]
        total[label] = total.get(label, 0) + 1
        found[label] = found.get(label, 0) + (guess == label)
    return {label: found[label] / total[label] for label in total}


def recall_of_every_category(predictions, labels):
    return {"important": 1.0, "less_important": 1.0, "junk": 1.0, "spam": 0.0}


def test_recall_accepts_a_right_answer(capsys):
    assert check_recall_by_category(recall_by_category)
    assert capsys.readouterr().out.startswith("✅ recall per category")


def test_recall_blank(capsys):
    assert not check_recall_by_category(...)
    assert capsys.readouterr().out.startswith("✏️ Not attempted yet — fill in `recall_by_category")


def test_recall_computed_as_precision(capsys):
    assert not check_recall_by_category(precision_by_category)
    assert "that is precision" in capsys.readouterr().out


def test_recall_in_percent(capsys):
    assert not check_recall_by_category(recall_in_percent)
    assert "a fraction between 0 and 1" in capsys.readouterr().out


def test_recall_looping_over_predictions(capsys):
    assert not check_recall_by_category(recall_over_predictions)
    assert "loop over `labels`" in capsys.readouterr().out


def test_recall_with_the_wrong_categories(capsys):
    assert not check_recall_by_category(recall_of_every_category)
    assert "one entry per category that appears in the labels" in capsys.readouterr().out
