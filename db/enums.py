"""The values the tables store as strings (roles, statuses), as plain enumerations.

Apart from the models so that naming one costs no SQLAlchemy: the command line offers
`--role` in every `frizon --help` and must start at once."""

import enum


class Role(enum.StrEnum):
    STUDENT = "student"
    MENTOR = "mentor"
    COORDINATOR = "coordinator"


class MemberStatus(enum.StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"
    LEFT = "left"


class PairStatus(enum.StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    MISSED = "missed"  # the bot was down past the grace window
    SKIPPED = "skipped"  # held back (pause, quiet period) past the next cycle


class CheckInStatus(enum.StrEnum):
    WRITING = "writing"  # mood chosen; text may follow, several messages in a row
    DONE = "done"  # shared or kept private


class ProposalStatus(enum.StrEnum):
    PENDING = "pending"  # the other side has not answered
    ACCEPTED = "accepted"  # the pair's rhythm since
    SUPERSEDED = "superseded"  # another proposal came before an answer
