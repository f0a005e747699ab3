"""Word-level text tools for the offline model: content words, overlap, clauses, entities."""

from __future__ import annotations

import re
from functools import lru_cache

# Words that carry no signal about which tool or field is meant.
STOPWORDS = frozenset(
    """
    a an the and or but if then else of to in on at by for with from into about as is are was were be been
    being do does did done have has had having i me my we our you your he she it its they them their this that
    these those there here what which who whom whose when where why how can could would should will shall may
    might must please tell give show let lets get gets got make makes use uses using need needs want wants
    like just also so some any all each every other than too very not no yes up out over under again more most
    much many one ones thing things tool tools function functions call calls agent agents handoff
    request requests handle handles return returns returns user users question questions help value values
    s t now whether via per i'm it's what's hi hello hey dear thanks thank regards ok okay
    """.split()
)
# Capitalised only because they start a sentence.
_SENTENCE_STARTERS = STOPWORDS | {"find", "look", "check", "book", "write", "send", "create", "remember",
                                   "search", "add", "list", "translate", "summarise", "summarize", "explain"}
# Capitalised, but dates rather than names.
CALENDAR = frozenset("""monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december today tomorrow""".split())
# Suffixes stripped so "forecasts", "forecasting" and "forecast" meet.
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "s")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude stem: lower case, one common suffix and a final "e" removed ("charges", "charged" -> "charg")."""
    word = word.lower().removesuffix("'s").strip("'")
    if word.endswith("es") and not word.endswith(("sses", "uses", "xes", "zes", "ches", "shes", "ies")):
        word = word[:-1]  # "files" -> "file", "notes" -> "note"; "boxes" and "wishes" lose "es" below
    for suffix in _SUFFIXES:
        keeps_s = suffix == "s" and word.endswith(("ss", "us", "is"))  # "address", "status", "analysis"
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not keeps_s:
            base = word[: -len(suffix)]
            return base + "y" if suffix in ("ies", "ied") else base
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def split_identifier(name: str) -> str:
    """`get_weatherForecast` -> `get weather Forecast`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").replace("-", " ")


@lru_cache(maxsize=8192)
def content_words(text: str) -> frozenset[str]:
    """Stemmed words that carry meaning (no stop words), from prose or identifiers."""
    words = re.findall(r"[A-Za-z][A-Za-z']*|\d+", split_identifier(text))
    return frozenset(stem(w) for w in words if w.lower() not in STOPWORDS and len(w) > 1)


def surface_words(text: str, stems: set[str]) -> list[str]:
    """The words of `text`, as written, whose stems are among `stems`: for explanations people read."""
    seen: dict[str, None] = {}
    for word in re.findall(r"[A-Za-z][A-Za-z']*|\d+", split_identifier(text)):
        if stem(word) in stems:
            seen.setdefault(word.lower().removesuffix("'s"))
    return list(seen)


def clauses(text: str) -> list[str]:
    """Split a request into the separate things it asks for."""
    parts = re.split(r"(?<=[.?!;])\s+|,?\s+(?:and then|and also|and|then|also|plus)\s+", text.strip())
    return [p.strip(" .,;") for p in parts if p and p.strip(" .,;")]


def parts(text: str) -> list[str]:
    """The clauses of a request, lists split too: "weather in Tokyo, Paris and Rome" -> three parts."""
    found = []
    for clause in clauses(text):
        # A comma outside quotes, followed by a space, separates list items ("1,200" and "a, b" in quotes stay).
        pieces = re.split(r',\s+(?=(?:[^"]*"[^"]*")*[^"]*$)', clause)
        found += [piece.strip(" .,;?!") for piece in pieces if piece.strip(" .,;?!")]
    return found


def numbers(text: str) -> list[float]:
    """Numbers in reading order; `1,200.5` and `-3` included."""
    found = re.findall(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?", text)
    return [float(n.replace(",", "")) for n in found]


def quoted(text: str) -> list[str]:
    """Text inside quotes."""
    return [a or b for a, b in re.findall(r'"([^"]+)"|(?<!\w)\'([^\']+)\'(?!\w)', text)]


def proper_nouns(text: str) -> list[str]:
    """Capitalised word runs; those inside a sentence first, since a sentence's first word is capitalised anyway."""
    inside, initial = [], []
    for sentence in re.split(r"(?<=[.?!])\s+|\n+", text):
        run: list[str] = []
        run_starts_sentence = False
        for index, raw in enumerate(sentence.split() + [""]):
            word = raw.strip(".,;:!?()\"'")
            is_name = bool(re.match(r"^[A-Z][\w\-']*$", word)) and word != "I"
            is_name = is_name and word.lower() not in CALENDAR
            is_name = is_name and not (index == 0 and word.lower() in _SENTENCE_STARTERS)
            if is_name:
                run_starts_sentence = run_starts_sentence or (not run and index == 0)
                run.append(word)
            if (not is_name or raw[-1:] in ",;:!?.") and run:
                (initial if run_starts_sentence else inside).append(" ".join(run))
                run, run_starts_sentence = [], False
    return inside + initial
