"""Keys of messages about a logged meeting or a proposed rhythm, once per subject row:

meeting:40     `meeting_logged`: confirm meeting 40
rhythm:7       `rhythm_proposed` / `rhythm_agreed`: rhythm proposal 7
"""

from __future__ import annotations


def meeting_key(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def rhythm_key(proposal_id: int) -> str:
    return f"rhythm:{proposal_id}"
