"""Durations written the way people write them: 30d, 2w, 12h, 45m."""

import re
from datetime import timedelta

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
