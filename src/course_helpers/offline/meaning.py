"""Word meaning for the offline model: how close two words are, from WordLlama's static word vectors."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from .text import STOPWORDS

RELATED = 0.3  # cosine similarity from which two different words are taken to mean related things
_WORD = re.compile(r"[a-z][a-z']+")


@lru_cache(maxsize=1)
def _model() -> Any:
    """WordLlama's bundled 256-dimension vectors, loaded on first use (numpy and the weights take ~0.4 s)."""
    # Its Rust tokenizer warns on stderr when a process forks after using threads; one word at a time needs none.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # wordllama calls logging.basicConfig(level=INFO) on import, which would print every library's INFO logs
    # (httpx's requests among them); basicConfig does nothing while the root logger has a handler.
    root, placeholder = logging.getLogger(), logging.NullHandler()
    root.addHandler(placeholder)
    try:
        import wordllama
    finally:
        root.removeHandler(placeholder)

    # Its weights and tokenizer ship inside the wheel; cache_dir points there so it never downloads.
    return wordllama.WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


@lru_cache(maxsize=8192)
def _vector(word: str) -> Any:
    return _model().embed([word], norm=True)[0]


@lru_cache(maxsize=8192)
def meaning_words(text: str) -> tuple[str, ...]:
    """The lower-case words of a text that carry meaning, as written (not stemmed), in order."""
    words = _WORD.findall(re.sub(r"(?<=[a-z0-9])(?=[A-Z])|[_-]", " ", text).lower())
    return tuple(dict.fromkeys(w.strip("'") for w in words if w not in STOPWORDS and len(w) > 2))


@lru_cache(maxsize=65536)
def similarity(a: str, b: str) -> float:
    """Cosine similarity of two words or short phrases, from -1 to 1 (1 for the same text); plurals meet."""
    a, b = _singular(a.lower()), _singular(b.lower())
    return 1.0 if a == b else float(_vector(a) @ _vector(b))


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 3 else word


def related_pairs(text_words: Sequence[str], other_words: Sequence[str]) -> list[tuple[str, str, float]]:
    """For each of `text_words`, its closest word in `other_words` when they are related: (word, other, score)."""
    pairs = []
    for word in text_words:
        best = max(((similarity(word, other), other) for other in other_words if other != word), default=None)
        if best is not None and best[0] >= RELATED:
            pairs.append((word, best[1], best[0]))
    return pairs


def closest(text: str, options: list[str]) -> tuple[str, float] | None:
    """The option whose meaning is closest to the text's words, with its score; None when none is related.

    For enums: `closest("I want my money back", ["refund", "exchange", "other"])` -> `("refund", 0.5)`.
    """
    words = [*meaning_words(text), *[text.lower()] * (len(text.split()) <= 3)]
    scored = []
    for option in options:
        option_words = meaning_words(str(option)) or [str(option).lower()]
        score = max((similarity(w, o) for w in words for o in option_words), default=0.0)
        scored.append((score, -len(scored), str(option)))
    score, _, best = max(scored, default=(0.0, 0, ""))
    return (best, score) if score >= RELATED else None
