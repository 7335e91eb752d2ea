"""Durations written the way people write them: 30d, 2w, 12h, 45m; and calendar periods
such as a retention of 12m (months)."""

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_PATTERN = re.compile(r"^\s*(\d{1,5})\s*([mhdw])\s*$")


def parse_duration(text: str) -> timedelta:
    """Parse "30d" into a timedelta; raise ValueError with a readable reason."""
    match = _PATTERN.match(text.lower())
    if match is None:
        raise ValueError(f"{text!r} is not a duration such as 30d, 2w, 12h or 45m")
    amount, unit = match.groups()
    if int(amount) == 0:
        raise ValueError("a duration must be longer than zero")
    return timedelta(**{_UNITS[unit]: int(amount)})


# Retention is a matter of months: "m" is months here, not minutes.
_PERIOD_UNITS = {"d": "days", "w": "weeks", "m": "months", "y": "years"}
_PERIOD_PATTERN = re.compile(r"^\s*(\d{1,3})\s*([dwmy])\s*$")


@dataclass(frozen=True)
class Period:
    """A calendar period such as a programme's retention: 90d, 8w, 12m, 2y."""

    amount: int
    unit: str  # a key of _PERIOD_UNITS

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    def after(self, day: date) -> date:
        """The day this long after `day`; a month without that day gives its last day
        (31 January + 1m is the last day of February)."""
        if self.unit in ("d", "w"):
            return day + timedelta(**{_PERIOD_UNITS[self.unit]: self.amount})
        months = self.amount * (12 if self.unit == "y" else 1)
        year, month = divmod(day.month - 1 + months, 12)
        year += day.year
        return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def parse_period(text: str) -> Period:
    """Parse "12m" into a Period; raise ValueError with a readable reason."""
    match = _PERIOD_PATTERN.match(text.lower())
    if match is None:
        raise ValueError(
            f"{text!r} is not a period such as 12m (months), 2y (years), 8w (weeks) or 90d (days)"
        )
    amount, unit = match.groups()
    if int(amount) == 0:
        raise ValueError("a period must be longer than zero")
    return Period(int(amount), unit)
