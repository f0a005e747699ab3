"""Typed values read out of text: quotes after cue words, emails, URLs, paths, dates, money, quantities, ids."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

CLOCK = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)  # the offline model's fixed "now" (a Monday, UTC)

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]
_NUMBER_WORDS = {"zero": 0, "one": 1, "a couple of": 2, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                 "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a dozen": 12,
                 "twenty": 20, "thirty": 30, "fifty": 50, "a hundred": 100}
CURRENCIES = {"$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "€": "EUR", "eur": "EUR",
              "euro": "EUR", "euros": "EUR", "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP",
              "¥": "JPY", "jpy": "JPY", "yen": "JPY", "chf": "CHF", "francs": "CHF", "cad": "CAD", "aud": "AUD",
              "inr": "INR", "rupees": "INR", "sek": "SEK", "nok": "NOK", "dkk": "DKK", "cny": "CNY", "yuan": "CNY"}
UNITS = frozenset("""
    mm cm m km meter meters metre metres kilometer kilometers kilometres mile miles ft foot feet inch inches yard
    yards g gram grams kg kilo kilos kilogram kilograms mg lb lbs pound pounds oz ounce ounces ton tons tonnes
    ml l liter liters litre litres cup cups tbsp tablespoon tablespoons tsp teaspoon teaspoons pint pints quart
    quarts gallon gallons fahrenheit celsius kelvin f c degrees second seconds sec secs minute minutes min mins
    hour hours hr hrs day days week weeks month months year years kb mb gb tb bytes kwh watts w mph kmh
    """.split())
_ID_WORDS = ("order|ticket|invoice|booking|reservation|case|tracking|account|flight|id|number|no\\.?|ref|reference|"
             "confirmation|item|sku|issue|pr")
_FILE_EXTENSIONS = re.compile(r"(?i)^(?!com$|org$|net$|io$|ai$|dev$|co$|uk$|de$|fr$|edu$|gov$)[a-z][a-z0-9]{0,4}$")
_CUE = r"(?:called|named|titled|entitled|saying|says|say|reading|reads|subject|message|text|with the text|as)"
_QUOTE = r"\"([^\"]+)\"|“([^”]+)”|‘([^’]+)’|(?<![\w])'([^']+)'(?![\w])"
_SPAN_PATTERNS = {
    "email": r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    "url": r"\bhttps?://[^\s\"'<>]+[^\s\"'<>.,;:!?)]|\bwww\.[\w-]+(?:\.[\w-]+)+(?:/[^\s\"'<>]*)?",
    "path": r"(?<![\w@])(?:~|\.{1,2})?(?:/[\w.\-]+)+/?|"
            r"(?<![\w@/.])[\w\-]+(?:[\\/][\w\-]+)*\.[A-Za-z][A-Za-z0-9]{0,4}\b",
}


@dataclass(frozen=True)
class Found:
    """One value read from the text: where it is, what it says, and what it means."""

    start: int
    raw: str
    value: object
    cue: str = ""  # the word before it that says what it is ("called", "order", "with")


@lru_cache(maxsize=256)
def read(text: str) -> Entities:
    """Everything typed that the text mentions, read once per text."""
    return Entities(text)


class Entities:
    """The typed values in one text, in reading order; spans of one kind are not reread as another."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.quotes = [Found(m.start(), m.group(), next(g for g in m.groups() if g), _cue_before(text, m.start()))
                       for m in re.finditer(_QUOTE, text)]
        self.emails = self._spans("email")
        self.urls = self._spans("url", taken=self.emails)
        self.paths = [f for f in self._spans("path", taken=self.emails + self.urls) if _looks_like_path(f.raw)]
        self.taken = self.emails + self.urls + self.paths
        self.times = _times(text)
        self.dates = _dates(text)
        self.money = _money(text)
        self.percentages = [Found(m.start(), m.group(), float(m.group(1)))
                            for m in re.finditer(r"(-?\d+(?:\.\d+)?)\s*(?:%|per ?cent\b)", text, re.IGNORECASE)]
        self.quantities = _quantities(text)
        self.ids = _ids(text)
        busy = self.taken + self.times + self.dates + [i for i in self.ids if not i.raw.isdigit()]
        self.numbers = [n for n in _numbers(text) if not any(_inside(n, b) for b in busy)]

    def _spans(self, kind: str, taken: list[Found] = ()) -> list[Found]:
        found = [Found(m.start(), m.group(), m.group(), _cue_before(self.text, m.start()))
                 for m in re.finditer(_SPAN_PATTERNS[kind], self.text)]
        return [f for f in found if not any(_overlaps(f, t) for t in taken)]


def _inside(inner: Found, outer: Found) -> bool:
    return outer.start <= inner.start < outer.start + len(outer.raw)


def _overlaps(a: Found, b: Found) -> bool:
    return a.start < b.start + len(b.raw) and b.start < a.start + len(a.raw)


def _cue_before(text: str, start: int) -> str:
    words = re.findall(r"[A-Za-z]+", text[max(0, start - 40) : start])
    return words[-1].lower() if words else ""


def _looks_like_path(raw: str) -> bool:
    if "/" in raw or "\\" in raw:
        return len(raw) > 1
    stem, extension = raw.rsplit(".", 1)
    return bool(_FILE_EXTENSIONS.match(extension)) and len(stem) > 1 and not stem.isdigit()


def _numbers(text: str) -> list[Found]:
    found = [Found(m.start(), m.group(), float(m.group().replace(",", "")))
             for m in re.finditer(r"(?<![\w.])-?\d+(?:,\d{3})*(?:\.\d+)?(?![\d])", text)]
    found += [Found(m.start(), m.group(), float(_NUMBER_WORDS[m.group().lower()]))
              for m in re.finditer(r"\b(?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\b",
                                   text, re.IGNORECASE)]
    return sorted(found, key=lambda f: f.start)


def _times(text: str) -> list[Found]:
    found = []
    for m in re.finditer(r"\b(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)|\b([01]?\d|2[0-3]):([0-5]\d)\b|"
                         r"\b(noon|midday|midnight)\b", text, re.IGNORECASE):
        if m.group(6):
            hour, minute = (12 if m.group(6).lower() in ("noon", "midday") else 0), 0
        elif m.group(4):
            hour, minute = int(m.group(4)), int(m.group(5))
        else:
            hour, minute = int(m.group(1)) % 12, int(m.group(2) or 0)
            hour += 12 if m.group(3).lower().startswith("p") else 0
        if hour < 24 and minute < 60:
            found.append(Found(m.start(), m.group(), f"{hour:02d}:{minute:02d}"))
    return found


def _dates(text: str) -> list[Found]:
    lower, found = text.lower(), []
    relative = {"today": 0, "tonight": 0, "tomorrow": 1, "yesterday": -1, "day after tomorrow": 2}
    for m in re.finditer(r"\b(?:the )?day after tomorrow\b|\btoday\b|\btonight\b|\btomorrow\b|\byesterday\b", lower):
        days = relative[m.group().removeprefix("the ")]
        found.append(Found(m.start(), text[m.start() : m.end()], CLOCK.date() + timedelta(days)))
    for m in re.finditer(r"\b(next |this |on )?(" + "|".join(_WEEKDAYS) + r")\b", lower):
        ahead = (_WEEKDAYS.index(m.group(2)) - CLOCK.weekday()) % 7 or 7
        found.append(Found(m.start(), text[m.start() : m.end()], CLOCK.date() + timedelta(ahead)))
    for m in re.finditer(r"\bin (\d+|a|one|two|three) (day|week)s?\b|\bnext (week|month)\b", lower):
        count = {"a": 1, "one": 1, "two": 2, "three": 3}.get(m.group(1) or "", None) or int(m.group(1) or 1)
        unit = m.group(2) or m.group(3)
        days = {"day": count, "week": 7 * count, "month": 30}[unit]
        found.append(Found(m.start(), text[m.start() : m.end()], CLOCK.date() + timedelta(days)))
    for m in re.finditer(r"\b(\d{4})-(\d{2})-(\d{2})\b", text):
        found += _checked(text, m, int(m.group(1)), int(m.group(2)), int(m.group(3)))
    month = "(" + "|".join(name[:3] for name in _MONTHS) + r")[a-z]*\.?"
    for m in re.finditer(rf"\b{month}\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}})(?![-\d]))?\b", lower):
        found += _checked(text, m, m.group(3), _month(m.group(1)), int(m.group(2)))
    for m in re.finditer(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{month}(?:,?\s+(\d{{4}})(?![-\d]))?\b", lower):
        found += _checked(text, m, m.group(3), _month(m.group(2)), int(m.group(1)))
    return _longest(found)


def _longest(found: list[Found]) -> list[Found]:
    """Overlapping readings resolved to the longest ("the day after tomorrow", not "tomorrow")."""
    kept: list[Found] = []
    for item in sorted(found, key=lambda f: (f.start, -len(f.raw))):
        if not any(_overlaps(item, k) for k in kept):
            kept.append(item)
    return kept


def _month(prefix: str) -> int:
    return next(i for i, name in enumerate(_MONTHS, 1) if name.startswith(prefix))


def _checked(text: str, match: re.Match[str], year: str | int | None, month: int, day: int) -> list[Found]:
    """A calendar date; a date without a year is the next one on or after the clock's."""
    try:
        value = date(int(year), month, day) if year else date(CLOCK.year, month, day)
        if not year and value < CLOCK.date():
            value = date(CLOCK.year + 1, month, day)
    except ValueError:
        return []
    return [Found(match.start(), text[match.start() : match.end()], value)]


def _money(text: str) -> list[Found]:
    found = []
    symbol = r"[$€£¥]"
    codes = "|".join(sorted((k for k in CURRENCIES if k.isalpha()), key=len, reverse=True))
    for m in re.finditer(rf"({symbol})\s?(\d[\d,]*(?:\.\d+)?)|(\d[\d,]*(?:\.\d+)?)\s?({symbol}|(?:{codes})\b)|"
                         rf"\b({codes})\s?(\d[\d,]*(?:\.\d+)?)", text, re.IGNORECASE):
        sign = m.group(1) or m.group(4) or m.group(5)
        amount = m.group(2) or m.group(3) or m.group(6)
        found.append(Found(m.start(), m.group(), (float(amount.replace(",", "")), CURRENCIES[sign.lower()])))
    return found


def _quantities(text: str) -> list[Found]:
    """`350 fahrenheit`, `8 ounces of butter`, `2 cups`: (amount, unit as written)."""
    found = []
    for number in _numbers(text):
        rest = text[number.start + len(number.raw) :]
        m = re.match(r"\s?(?:°\s?)?([A-Za-z]+)", rest)
        if m and m.group(1).lower() in UNITS:
            found.append(Found(number.start, number.raw + m.group(), (number.value, m.group(1))))
        elif rest.startswith("°"):
            found.append(Found(number.start, number.raw + "°", (number.value, "degrees")))
    return found


def _ids(text: str) -> list[Found]:
    """Order numbers, ticket ids, codes: `#4411`, `TK-4411`, `order 7731`, `ABC123`."""
    found = []
    for m in re.finditer(r"#\s?([\w-]*\d[\w-]*)|\b([A-Z]{1,5}[-_]?\d[\w-]*)\b|\b(?:" + _ID_WORDS +
                         r")\s+(?:number\s+|id\s+|no\.?\s+|#\s?)?([\w-]*\d[\w-]*)", text, re.IGNORECASE):
        value = m.group(1) or m.group(2) or m.group(3)
        start = m.start(m.lastindex or 0)
        found.append(Found(start, value, value, _cue_before(text, start).lstrip("#")))
    return sorted({f.start: f for f in found}.values(), key=lambda f: f.start)


def weekday_name(value: date) -> str:
    """`Thursday` for a date: what a field asking for a day name gets."""
    return _WEEKDAYS[value.weekday()].capitalize()
