"""The key of a mentor's weekly `digest`: once per ISO week of the mentor's local time.

digest:2026-W48
"""

from __future__ import annotations


def digest_key(year: int, week: int) -> str:
    return f"digest:{year}-W{week:02d}"
