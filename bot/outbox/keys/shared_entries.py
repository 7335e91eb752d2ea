"""The key of a `shared_entry`: once per entry, so sharing again never sends it twice.

checkin:31     entry 31, shared with the student's mentor
"""

from __future__ import annotations


def shared_entry_key(checkin_id: int) -> str:
    return f"checkin:{checkin_id}"
