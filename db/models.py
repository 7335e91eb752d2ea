"""The tables of frizon, as typed SQLAlchemy models."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base

# Re-exported: the models' users import the stored values from here, beside the tables.
from db.enums import CheckInStatus as CheckInStatus
from db.enums import DeliveryStatus as DeliveryStatus
from db.enums import MemberStatus as MemberStatus
from db.enums import PairStatus as PairStatus
from db.enums import ProposalStatus as ProposalStatus
from db.enums import Role as Role
from db.types import UtcDateTime


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings with a CHECK, so SQLite and PostgreSQL share one schema.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [member.value for member in members],
    )


DEFAULT_CADENCE = "weekly mon 18:00"
DEFAULT_RETENTION = "12m"  # twelve months after the last day (bot/services/retention.py)


def new_pseudonym_secret() -> str:
    """A programme's own random key for research pseudonyms (see bot/services/research.py)."""
    return secrets.token_hex(32)


class Programme(Base):
    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    # Reflection prompts: a cadence such as "weekly mon 18:00", counted in whole weeks
    # from the anchor day (the programme's first day, local).
    cadence: Mapped[str] = mapped_column(String(40), server_default=DEFAULT_CADENCE)
    anchor_day: Mapped[date | None] = mapped_column(Date)
    # No prompts after the last day; the last cycle before it asks a closing question.
    last_day: Mapped[date | None] = mapped_column(Date)
    # Days when clinical rotations start, ISO dates joined by commas (a few a year).
    rotation_starts: Mapped[str | None] = mapped_column(String(400))
    # How often a new pair is invited to meet (they may agree another rhythm).
    meeting_weeks: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    # Keys the HMAC behind research pseudonyms: stable within the programme, unlinkable
    # across programmes, never shown to anyone. Empty only until first needed.
    pseudonym_secret: Mapped[str] = mapped_column(
        String(64), default=new_pseudonym_secret, server_default=""
    )
    # How long after the last day personal data is kept, a period such as "12m"; then it
    # is erased as /forget erases it. The erasure day the coordinators were told of, and
    # when: told once, and nothing is erased sooner than a week after.
    retention: Mapped[str] = mapped_column(
        String(8), default=DEFAULT_RETENTION, server_default=DEFAULT_RETENTION
    )
    retention_notice_day: Mapped[date | None] = mapped_column(Date)
    retention_noticed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    quiet_periods: Mapped[list[QuietPeriod]] = relationship(
        order_by="QuietPeriod.first_day", cascade="all, delete-orphan"
    )


class QuietPeriod(Base):
    """Days without prompts for the whole programme, such as exam weeks."""

    __tablename__ = "quiet_period"
    __table_args__ = (CheckConstraint("first_day <= last_day", name="ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)


class Member(Base):
    """A person who talks to the bot; one row per Telegram account."""

    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    quiet_hours: Mapped[str | None] = mapped_column(String(11))
    paused_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    status: Mapped[MemberStatus] = mapped_column(
        _enum(MemberStatus, "member_status"), default=MemberStatus.ACTIVE
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    memberships: Mapped[list[Membership]] = relationship(back_populates="member")


class Membership(Base):
    """A member's role in a programme; a person can hold several roles."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("programme_id", "member_id", "role", name="uq_membership_role"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    capacity: Mapped[int | None] = mapped_column(Integer)
    # Students only: whether their entries may go into research exports while it stands.
    research_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    consent_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    member: Mapped[Member] = relationship(back_populates="memberships")
    programme: Mapped[Programme] = relationship()


class Pair(Base):
    """A student and a mentor in one programme; ended pairs stay for statistics."""

    __tablename__ = "pair"
    __table_args__ = (
        # At most one active mentor per student and programme, enforced by the database.
        Index(
            "uq_pair_active_student",
            "programme_id",
            "student_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_pair_programme_status", "programme_id", "status"),
        CheckConstraint("student_id <> mentor_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    status: Mapped[PairStatus] = mapped_column(_enum(PairStatus, "pair_status"))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The meeting rhythm the pair agreed (one side proposed, the other accepted: see
    # RhythmProposal), in weeks; None until they agree (the programme's default applies).
    meeting_weeks: Mapped[int | None] = mapped_column(Integer)
    # The day of the last meeting that stands (kept by bot/services/meetings.py): the
    # statistics compare it with the rhythm without reading every meeting.
    last_met_on: Mapped[date | None] = mapped_column(Date)

    student: Mapped[Member] = relationship(foreign_keys=[student_id])
    mentor: Mapped[Member] = relationship(foreign_keys=[mentor_id])


class RhythmProposal(Base):
    """A meeting rhythm one side of a pair proposed; it holds (on Pair.meeting_weeks)
    only once the other side accepts, so statistics never read a proposal."""

    __tablename__ = "rhythm_proposal"
    __table_args__ = (
        # At most one open proposal per pair, enforced by the database.
        Index(
            "uq_rhythm_proposal_pending",
            "pair_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"))
    weeks: Mapped[int] = mapped_column(Integer)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    status: Mapped[ProposalStatus] = mapped_column(_enum(ProposalStatus, "proposal_status"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Invite(Base):
    """A single-use enrolment link; only a hash of its token is kept."""

    __tablename__ = "invite"
    __table_args__ = (Index("ix_invite_programme_role", "programme_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    # From a roster: the person's language, a mentor's capacity, a student's intended
    # mentor (by name) and free tags such as campus, for matching.
    language: Mapped[str | None] = mapped_column(String(8))
    capacity: Mapped[int | None] = mapped_column(Integer)
    mentor_name: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[dict[str, str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))


class Delivery(Base):
    """The outbox: one row per proactive message, unique per member, purpose and cycle."""

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("member_id", "purpose", "cycle", name="uq_delivery_once"),
        Index("ix_delivery_due", "status", "due_at"),
        # A programme's prompts of some weeks, for statistics: cycle keys name the day.
        Index("ix_delivery_purpose_cycle", "purpose", "cycle"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(32))
    cycle: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    prompt_key: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[DeliveryStatus] = mapped_column(
        _enum(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # After a network error: not before this instant (backing off); None means due_at.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(String(200))
    # Exactly-once sending (bot/outbox/ledger.py). A long message goes out in parts; this many
    # have reached Telegram. claimed_at is set, and committed, just before the next part
    # is sent and cleared with its outcome: a part still claimed when the sender starts
    # was in flight at a crash. interruptions counts such crashes for the current part;
    # at two it is not sent a third time.
    parts_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    interruptions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AuditEvent(Base):
    """A record of who changed what: pairings, enrolments, exports, erasures."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme.id", ondelete="SET NULL")
    )
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CheckIn(Base):
    """A student's entry: a mood, optional reflection text and voice notes (encrypted),
    shared or private."""

    __tablename__ = "checkin"
    __table_args__ = (
        CheckConstraint("mood BETWEEN 1 AND 5", name="mood_range"),
        UniqueConstraint("delivery_id", name="uq_checkin_delivery"),  # one answer per prompt
        Index("ix_checkin_member_created", "member_id", "created_at"),
        Index("ix_checkin_programme_created", "programme_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("delivery.id", ondelete="SET NULL"))
    prompt_key: Mapped[str | None] = mapped_column(String(64))
    theme: Mapped[str | None] = mapped_column(String(16))
    # What started it, e.g. "callback:<query id>": a re-delivered tap finds its entry.
    source: Mapped[str | None] = mapped_column(String(80), unique=True)
    mood: Mapped[int] = mapped_column(Integer)
    reflection: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The voice notes sent for it: their Telegram file ids as a JSON list, encrypted like
    # the text (bound apart from it). Nothing else about a voice note is kept.
    voice_notes: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The newest Telegram message folded into the entry, words or a voice note: a
    # re-delivered update with this id or an older one is not appended twice.
    last_message_id: Mapped[int | None] = mapped_column(BigInteger)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[CheckInStatus] = mapped_column(_enum(CheckInStatus, "checkin_status"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ProcessedUpdate(Base):
    """Telegram updates already handled: a re-delivered one is recognised and skipped.

    Keyed by what the update is about (``bot.transport.update_keys``), never by its update id
    alone: a Bot API server's numbering can start again."""

    __tablename__ = "processed_update"

    update_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger)  # as the server numbered it, for logs
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class RelayConversation(Base):
    """Whom a member is writing to through the bot right now: one open conversation each.
    Nothing of what they write is stored."""

    __tablename__ = "relay_conversation"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RelayLink(Base):
    """A relayed message: where it came from and where its copy went, so that a reply to
    the copy reaches the right person. Ids only, never content."""

    __tablename__ = "relay_link"
    __table_args__ = (
        UniqueConstraint("origin_chat_id", "origin_message_id", name="uq_relay_origin"),
        Index("ix_relay_target", "target_chat_id", "target_message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    origin_chat_id: Mapped[int] = mapped_column(BigInteger)
    origin_message_id: Mapped[int] = mapped_column(BigInteger)
    target_chat_id: Mapped[int] = mapped_column(BigInteger)
    target_message_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class HelpUse(Base):
    """How often "I need help" was opened in a programme in a week: a count, nobody's name."""

    __tablename__ = "help_use"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True
    )
    week: Mapped[date] = mapped_column(Date, primary_key=True)  # the Monday
    uses: Mapped[int] = mapped_column(Integer, default=0)


class Meeting(Base):
    """A meeting of a pair on a day, logged by one side and confirmed by the other.
    Only the fact and the day: nothing about what was said."""

    __tablename__ = "meeting"
    __table_args__ = (
        # A pair's meetings, and its last one that stands, straight from the index.
        Index("ix_meeting_pair_stands_met", "pair_id", "stands", "met_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"))
    met_on: Mapped[date] = mapped_column(Date)
    logged_by_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL")
    )
    # False once the other side says it was not that day; kept, but not counted.
    stands: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EngagementWeek(Base):
    """A settled week's prompt and mood counts for a programme, kept so that statistics
    read one row per week; counts only, nobody's name (see bot/services/engagement.py)."""

    __tablename__ = "engagement_week"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True
    )
    week: Mapped[date] = mapped_column(Date, primary_key=True)  # the Monday
    prompted: Mapped[int] = mapped_column(Integer)
    prompted_students: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    entries: Mapped[int] = mapped_column(Integer)
    authors: Mapped[int] = mapped_column(Integer)
    mood_1: Mapped[int] = mapped_column(Integer)
    mood_2: Mapped[int] = mapped_column(Integer)
    mood_3: Mapped[int] = mapped_column(Integer)
    mood_4: Mapped[int] = mapped_column(Integer)
    mood_5: Mapped[int] = mapped_column(Integer)


class MeetingMonth(Base):
    """A settled month's meetings per pair for a programme: how many pairs were active
    and how many of them met 0, 1, 2 … times. Counts only (see bot/services/meeting_stats.py)."""

    __tablename__ = "meeting_month"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day
    pairs: Mapped[int] = mapped_column(Integer)
    # {"0": pairs that did not meet, "1": pairs that met once, …}
    meetings: Mapped[dict[str, int]] = mapped_column(JSON)


class SandboxClock(Base):
    """How far the sandbox's clock runs ahead of real time: one row, only in a database
    the sandbox made. `frizon run` and the command line pointed at that database read the
    same clock, so a day is the same day in the chat and in the terminal."""

    __tablename__ = "sandbox_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    offset_seconds: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class KeyCanary(Base):
    """One known value encrypted with the reflection key (one row): whether a configured
    key is the one this database's reflections were written with, found before any is
    written with another (bot/services/key_canary.py)."""

    __tablename__ = "key_canary"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    value: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
