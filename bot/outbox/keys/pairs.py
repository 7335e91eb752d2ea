"""Keys of messages about a pair: `intro` and `pair_ended` (once per pair and purpose),
and `did_you_meet` (once per gap in the pair's meetings).

    pair:12                       the introduction of pair 12, or its ending
    pair:12:since:2026-10-01      did you meet? pair 12, not met since that day
"""

from __future__ import annotations

from datetime import date


def pair_key(pair_id: int) -> str:
    return f"pair:{pair_id}"


def meeting_gap_key(pair_id: int, since: date) -> str:
    """The day of the last meeting (or the pair's start) makes each gap asked about once."""
    return f"{pair_key(pair_id)}:since:{since.isoformat()}"
