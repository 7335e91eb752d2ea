"""Callback data written and read strictly: "ns:verb:1:2", every number checked against its
own bounds.

Callback data is written by the client: a modified app can send any string of up to 64
bytes with a press, on any of the bot's messages. So each namespace declares its verbs
and what each number in them may be, and anything else is refused here, before a
handler sees it — no number reaches the database, `timedelta` or `date` unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

MAX_BYTES = 64  # Telegram's limit; longer data cannot have come from a real button
DB_INTEGER = 2**31 - 1  # the largest value of an INTEGER key on PostgreSQL
DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII digits only: "²".isdigit() is True


@dataclass(frozen=True)
class Number:
    """One number in callback data, and the values it may take."""

    what: str  # what the number is: "pair", "mood", … (the tests fill keys by this name)
    low: int
    high: int
    valid: Callable[[int], bool] | None = None
    example: int | None = None  # a value a real button carries; None for a row's key

    def read(self, text: str) -> int | None:
        if not DIGITS.fullmatch(text):
            return None
        value = int(text)
        if not self.low <= value <= self.high:
            return None
        if self.valid is not None and not self.valid(value):
            return None
        return value


def day_of(number: int) -> date | None:
    """A day written as YYYYMMDD (short enough for callback data), or None."""
    try:
        return date(number // 10000, number // 100 % 100, number % 100)
    except ValueError:
        return None


def day_number(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def key(what: str, *, or_zero: bool = False) -> Number:
    """A row's key (a pair, a member, an entry, …), or 0 for none where a button may say so
    (0 is then its example: no row's key is one)."""
    return Number(what, 0 if or_zero else 1, DB_INTEGER, example=0 if or_zero else None)


ID = key("id")  # any row's key
ID_OR_ZERO = key("id", or_zero=True)
PAIR = key("pair")
MEETING = key("meeting")
PROPOSAL = key("proposal")  # a rhythm proposal
ENTRY = key("entry")  # a check-in
MEMBER = key("member")  # the presser themselves
STUDENT = key("student")
MENTOR = key("mentor")
PROGRAMME = key("programme")
ZERO = Number("placeholder", 0, 0, example=0)
PAGE = Number("page", 0, 9_999, example=0)
POSITION = Number("position in a list, 0 the newest", 0, 99_999, example=0)
MOOD = Number("mood", 1, 5, example=3)
DAY = Number("day as YYYYMMDD", 1_0101, 9999_1231, lambda n: day_of(n) is not None, 2026_0906)
DAY_OR_ZERO = Number(
    "day as YYYYMMDD, or 0", 0, 9999_1231, lambda n: n == 0 or bool(day_of(n)), example=0
)
CANCEL = "x"  # the verb of every coordinator flow's Cancel: "pair:x", "st:x", …


class Parsed(NamedTuple):
    verb: str
    ids: tuple[int, ...]


@dataclass(frozen=True)
class Buttons:
    """The buttons of one namespace: each verb with the numbers it carries, in order."""

    namespace: str
    verbs: Mapping[str, tuple[Number, ...]]

    def data(self, verb: str, *numbers: int) -> str:
        """The callback data of one button; a verb or a count of numbers this namespace
        does not read is a mistake in the bot, caught where the button is made."""
        if verb not in self.verbs or len(numbers) != len(self.verbs[verb]):
            raise ValueError(f"{self.namespace}:{verb} does not take {len(numbers)} numbers")
        return ":".join([self.namespace, verb, *map(str, numbers)])

    @property
    def pattern(self) -> str:
        """For CallbackQueryHandler: every press in this namespace, valid or not."""
        return rf"^{re.escape(self.namespace)}:"

    def parse(self, data: str | None) -> Parsed | None:
        """The verb and its numbers, or None for anything the bot never made."""
        if data is None or len(data.encode("utf-8")) > MAX_BYTES:
            return None
        namespace, *parts = data.split(":")
        if namespace != self.namespace or not parts or parts[0] not in self.verbs:
            return None
        verb, texts = parts[0], parts[1:]
        fields = self.verbs[verb]
        if len(texts) != len(fields):
            return None
        ids = tuple(field.read(text) for field, text in zip(fields, texts, strict=True))
        if any(value is None for value in ids):
            return None
        return Parsed(verb, tuple(value for value in ids if value is not None))
