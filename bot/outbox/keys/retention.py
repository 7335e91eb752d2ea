"""The key of a `retention_notice`: once per programme and erasure day, so a restart or a
second look never tells the coordinators twice, and a changed day is told again.

    retention:7:2027-07-01     programme 7's personal data is erased on that day
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

_PREFIX = "retention"


@dataclass(frozen=True)
class RetentionKey:
    programme_id: int
    day: date  # the day the programme's personal data is erased

    def __str__(self) -> str:
        return f"{_PREFIX}:{self.programme_id}:{self.day.isoformat()}"

    @classmethod
    def parse(cls, key: str) -> RetentionKey:
        """A retention notice's key read back; ValueError, naming the key, if it is not one."""
        parts = key.split(":")
        if len(parts) != 3 or parts[0] != _PREFIX or not parts[1].isdigit():
            raise ValueError(f"{key!r} is not a retention notice's key")
        try:
            return cls(int(parts[1]), date.fromisoformat(parts[2]))
        except ValueError:
            raise ValueError(f"{key!r} is not a retention notice's key") from None
