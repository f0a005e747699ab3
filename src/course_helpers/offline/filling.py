"""What is being filled: the message's text, what has been used of it, and a note for each choice."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .entities import Entities, Found, read
from .text import split_identifier

MISSING = object()  # a value the message does not give (None and '' are values)


@dataclass
class Filling:
    """The text being read, what has been used from it, and notes on each choice."""

    text: str
    reply: str | None = None
    root: Any = None
    used: set[str] = field(default_factory=set)
    signals: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    guessed: list[str] = field(default_factory=list)
    cues: dict[str, str] = field(default_factory=dict)  # argument -> the cue that supplied it
    refusal: str | None = None  # set when no value fits the schema: one sentence naming the cause and the fix
    siblings: tuple[str, ...] = ()
    tool: str = ""  # the tool these are arguments of: its own words (`weather` of get_weather) are never a value
    task: str = ""  # that tool's description ("Convert an amount to another unit": its one `unit` is the target)

    @property
    def found(self) -> Entities:
        """The typed values in the text (read once per text)."""
        return read(self.text)

    def take(self, item: Found) -> Found | None:
        """Mark a value as used so the next field gets another; None when it was used already."""
        key = f"@{item.start}"
        if key in self.used:
            return None
        self.used |= {key, str(item.value)}
        return item

    def chose(self, name: str, value: Any, cue: str) -> Any:
        """Record which cue supplied a value, for the `why`."""
        self.cues[name or "value"] = cue
        self.notes.append(f"{name or 'value'}={value!r} ({cue})")
        return value


def field_words(name: str) -> set[str]:
    """The words of a field or parameter name: `to_unit` -> {"to", "unit"}."""
    return set(split_identifier(name).lower().split())
