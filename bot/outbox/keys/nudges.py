"""The key of a `nudge`: its kind, pair and cool-down period, so a kind is queued at
most once per pair and period; the composer and the digest read the kind back.

    nudge:low_mood:12:2950     a low-mood nudge about pair 12 in period 2950
"""

from __future__ import annotations

from dataclasses import dataclass

_PREFIX = "nudge"


@dataclass(frozen=True)
class NudgeKey:
    kind: str  # a key of bot/services/nudges.py:COOL_DOWN
    pair_id: int
    period: int  # the day's ordinal divided by the kind's cool-down in days

    def __str__(self) -> str:
        return f"{_PREFIX}:{self.kind}:{self.pair_id}:{self.period}"

    @classmethod
    def parse(cls, key: str) -> NudgeKey:
        """A nudge's key read back; ValueError, naming the key, if it is not one."""
        parts = key.split(":")
        if (
            len(parts) != 4
            or parts[0] != _PREFIX
            or not parts[1]
            or not (parts[2].isdigit() and parts[3].isdigit())
        ):
            raise ValueError(f"{key!r} is not a nudge's key")
        return cls(parts[1], int(parts[2]), int(parts[3]))
