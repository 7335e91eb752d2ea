"""Why a delivery is sent: `Delivery.purpose`, stored as the member's value.

The column stays a plain string: a row written by a newer version with a purpose this
one does not know still loads, and the sender fails that one row ("cannot compose")
instead of every batch it is read in. Every purpose has exactly one composer
(bot/sending/registry.py), checked when the sender is built.
"""

from __future__ import annotations

from enum import StrEnum


class Purpose(StrEnum):
    """Each with what its `Delivery.subject_id` names."""

    PROMPT = "prompt"  # a reflection prompt; the programme
    INTRO = "intro"  # a new pair, to each side and the coordinator; the pair
    PAIR_ENDED = "pair_ended"  # a pair has ended, to the same three; the pair
    MEETING_LOGGED = "meeting_logged"  # one side logged a meeting, to the other; the meeting
    DID_YOU_MEET = "did_you_meet"  # a gap longer than the rhythm, to both sides; the pair
    RHYTHM_PROPOSED = "rhythm_proposed"  # to the other side of the pair; the proposal
    RHYTHM_AGREED = "rhythm_agreed"  # to the proposer; the proposal
    NUDGE = "nudge"  # a pair that may need its mentor; the pair
    DIGEST = "digest"  # a mentor's weekly digest; the mentor
    SHARED_ENTRY = "shared_entry"  # a student's entry shared with their mentor; the entry
    # A week before a programme's personal data is erased, to its coordinators; the programme
    RETENTION_NOTICE = "retention_notice"
