"""Erasure (/forget, `frizon forget`): a member's personal data and reflections go for
good; only anonymous counts stay.

What goes: the name (the row keeps none; bot/texts/names.py words it for each reader),
the Telegram account (its id replaced by a synthetic one that no Telegram account or
chat can have, so the person can start afresh with a new invite), time zone, quiet
hours and pause, every reflection text and voice note (its file id: frizon keeps nothing
else of it), the ids of relayed messages, open conversations, messages still waiting to
be sent to them or about their entries, research consent, coordinator rights, and the
names and tags on their invites. Active pairs end exactly as with /endpair: the partner
and the coordinators are told.

What stays, tied to a member row that no longer says who it was: that someone was
enrolled as student or mentor, pairs and meetings as facts with dates, and each entry's
mood, theme and time, so that every programme statistic stays as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox.purposes import Purpose
from bot.services.audit import record_event
from bot.services.errors import Refused
from bot.services.pairing import unpair
from bot.services.partners import active_pairs_of
from bot.services.roster import IMPORTED, ROSTER_SOURCE_PREFIX
from db.models import (
    AuditEvent,
    CheckIn,
    CheckInStatus,
    Delivery,
    DeliveryStatus,
    Invite,
    Meeting,
    Member,
    Membership,
    MemberStatus,
    Pair,
    Programme,
    RelayConversation,
    RelayLink,
    Role,
)

# An erased member keeps no name, not even an invented one: where names are shown, theirs
# reads as the template members/erased_name in the reader's language (bot/texts/names.py).
NO_NAME = ""
# Telegram user and chat ids have at most 52 significant bits: an id below -2**53 belongs
# to no account and no chat, and one per member keeps the column unique.
SYNTHETIC_ID_BASE = -(2**53)
CANCELLED = "cancelled: the member asked to be forgotten"


@dataclass(frozen=True)
class Erasure:
    """What an erasure did, in counts: this is all the audit event keeps."""

    member_id: int
    pairs_ended: int
    reflections_erased: int
    entries_kept_anonymously: int
    deliveries_cancelled: int
    relay_links_removed: int
    conversations_closed: int
    invites_cleared: int
    coordinator_roles_removed: int


@dataclass(frozen=True)
class ErasurePreview:
    """Who would be erased and what it touches, for the CLI's confirmation."""

    member_id: int
    display_name: str
    roles: tuple[tuple[str, str], ...]  # (programme, role)
    active_pairs: int
    entries: int


def synthetic_telegram_id(member_id: int) -> int:
    return SYNTHETIC_ID_BASE - member_id


def is_erased(member: Member) -> bool:
    return member.telegram_user_id <= SYNTHETIC_ID_BASE


async def was_erased(session: AsyncSession, *, member_id: int) -> bool:
    """Whether this member has been erased (an erasure asked again has nothing to do)."""
    member = await session.get(Member, member_id)
    return member is not None and is_erased(member)


async def preview_erasure(session: AsyncSession, *, member_id: int) -> ErasurePreview:
    member = await _erasable(session, member_id)
    roles = await session.execute(
        select(Programme.name, Membership.role)
        .join(Programme, Programme.id == Membership.programme_id)
        .where(Membership.member_id == member_id)
        .order_by(Programme.id, Membership.role)
    )
    entries = (
        await session.scalars(select(CheckIn.id).where(CheckIn.member_id == member_id))
    ).all()
    return ErasurePreview(
        member_id,
        member.display_name,
        tuple((name, role.value) for name, role in roles),
        len(await active_pairs_of(session, member_id)),
        len(entries),
    )


async def erase_member(
    session: AsyncSession, *, now: datetime, member_id: int, actor: str
) -> Erasure:
    """Erase the member in the caller's transaction; refused if unknown or already erased."""
    member = await _erasable(session, member_id)
    old_name, old_telegram_id = member.display_name, member.telegram_user_id
    # Pairs end first, as a coordinator's /unpair would: the partner and coordinators are
    # told (the notices that would go to this member are cancelled below).
    pairs_ended = await _end_pairs(session, now, member_id, actor)
    links, conversations = await _forget_relays(session, member_id, old_telegram_id)
    entries, reflections = await _erase_reflections(session, member_id, now)
    cancelled = await _cancel_deliveries(session, member_id, entries, now)
    invites = await _clear_invites(session, member_id, old_name)
    coordinator_roles = await _withdraw_roles(session, member_id, now)
    await _forget_roster_sources(session, old_telegram_id)
    _forget_identity(member)
    erasure = Erasure(
        member_id=member_id,
        pairs_ended=pairs_ended,
        reflections_erased=reflections,
        entries_kept_anonymously=len(entries),
        deliveries_cancelled=cancelled,
        relay_links_removed=links,
        conversations_closed=conversations,
        invites_cleared=invites,
        coordinator_roles_removed=coordinator_roles,
    )
    record_event(
        session,
        now=now,
        kind="erasure",
        actor=actor,
        programme_id=None,
        details=asdict(erasure),
    )
    await session.flush()
    return erasure


async def _forget_roster_sources(session: AsyncSession, telegram_id: int) -> None:
    """A roster sent in the chat is audited with the message it came in (its chat is the
    coordinator's Telegram id), so the same message is not imported twice; their id goes."""
    prefix = f"{ROSTER_SOURCE_PREFIX}{telegram_id}:"
    # A handful of imports a programme, compared in Python: JSON differs between databases.
    events = (await session.scalars(select(AuditEvent).where(AuditEvent.kind == IMPORTED))).all()
    for event in events:
        if str(event.details.get("source", "")).startswith(prefix):
            # A new dict, so the JSON column sees the change.
            event.details = {key: value for key, value in event.details.items() if key != "source"}


async def _end_pairs(session: AsyncSession, now: datetime, member_id: int, actor: str) -> int:
    active = await active_pairs_of(session, member_id)
    for pair in active:
        programme = await session.get_one(Programme, pair.programme_id)
        await unpair(session, now=now, programme=programme, student_id=pair.student_id, actor=actor)
    return len(active)


async def _forget_relays(
    session: AsyncSession, member_id: int, telegram_id: int
) -> tuple[int, int]:
    """Which copy came from which message, for every pair they were in, and their open
    conversation: (links removed, conversations closed)."""
    pair_ids = (
        await session.scalars(
            select(Pair.id).where(or_(Pair.student_id == member_id, Pair.mentor_id == member_id))
        )
    ).all()
    links = await session.execute(
        delete(RelayLink).where(
            or_(
                RelayLink.pair_id.in_(pair_ids),
                RelayLink.sender_id == member_id,
                RelayLink.origin_chat_id == telegram_id,
                RelayLink.target_chat_id == telegram_id,
            )
        )
    )
    conversations = await session.execute(
        delete(RelayConversation).where(RelayConversation.member_id == member_id)
    )
    return _rowcount(links), _rowcount(conversations)


async def _erase_reflections(
    session: AsyncSession, member_id: int, now: datetime
) -> tuple[list[int], int]:
    """Every entry keeps its mood, theme and time, never its words or voice notes: (entry
    ids, entries whose words or voice notes were erased). One still being written is
    closed."""
    entries = (await session.scalars(select(CheckIn).where(CheckIn.member_id == member_id))).all()
    return [entry.id for entry in entries], erase_words(entries, now)


def erase_words(entries: Sequence[CheckIn], now: datetime) -> int:
    """The entries keep their mood, theme and time, never their words, voice notes or the
    message they came in; one still being written is closed. How many had words."""
    reflections = 0
    for entry in entries:
        reflections += entry.reflection is not None or entry.voice_notes is not None
        entry.reflection, entry.voice_notes = None, None
        entry.last_message_id, entry.source = None, None
        if entry.status == CheckInStatus.WRITING:
            entry.status, entry.completed_at = CheckInStatus.DONE, now
    return reflections


async def _withdraw_roles(session: AsyncSession, member_id: int, now: datetime) -> int:
    """No coordinating, no mentoring places, no research consent; returns the coordinator
    roles removed."""
    memberships = (
        await session.scalars(select(Membership).where(Membership.member_id == member_id))
    ).all()
    coordinator_roles = 0
    for membership in memberships:
        if membership.role == Role.COORDINATOR:
            await session.delete(membership)  # an erased person coordinates nothing
            coordinator_roles += 1
        elif membership.role == Role.MENTOR:
            membership.capacity = None  # no places: never proposed or paired again
        elif membership.research_consent:
            membership.research_consent, membership.consent_changed_at = False, now
    return coordinator_roles


def _forget_identity(member: Member) -> None:
    """The name, the Telegram account (an id no account can have, so the person can join
    again with a new invite) and their settings."""
    member.telegram_user_id = synthetic_telegram_id(member.id)
    member.display_name = NO_NAME
    member.timezone = member.quiet_hours = None
    member.paused_until = None
    member.status = MemberStatus.LEFT


async def _erasable(session: AsyncSession, member_id: int) -> Member:
    member = await session.get(Member, member_id)
    if member is None:
        raise Refused("unknown_member", member_id=member_id)
    if is_erased(member):
        raise Refused("already_erased", member_id=member_id)
    return member


async def _cancel_deliveries(
    session: AsyncSession, member_id: int, entry_ids: list[int], now: datetime
) -> int:
    """Pending messages to the member, and copies of their entries or their meeting
    questions still waiting for someone else: none of them may go out now."""
    logged = select(Meeting.id).where(Meeting.logged_by_id == member_id)
    pending = (
        await session.scalars(
            select(Delivery).where(
                Delivery.status == DeliveryStatus.PENDING,
                or_(
                    Delivery.member_id == member_id,
                    and_(
                        Delivery.purpose == Purpose.SHARED_ENTRY, Delivery.subject_id.in_(entry_ids)
                    ),
                    and_(
                        Delivery.purpose == Purpose.MEETING_LOGGED, Delivery.subject_id.in_(logged)
                    ),
                ),
            )
        )
    ).all()
    for delivery in pending:
        delivery.status, delivery.reason = DeliveryStatus.SKIPPED, CANCELLED
        delivery.finished_at = now
    return len(pending)


async def _clear_invites(session: AsyncSession, member_id: int, name: str) -> int:
    """Names and tags on the member's own invites; and where another invite of their
    programmes still carries their name (a re-sent link, or a student's intended mentor),
    that name too."""
    programme_ids = select(Membership.programme_id).where(Membership.member_id == member_id)
    invites = (
        await session.scalars(
            select(Invite).where(
                or_(
                    Invite.used_by_id == member_id,
                    and_(
                        Invite.programme_id.in_(programme_ids),
                        or_(
                            and_(Invite.name == name, Invite.used_at.is_(None)),
                            Invite.mentor_name == name,
                        ),
                    ),
                )
            )
        )
    ).all()
    for invite in invites:
        if invite.used_by_id == member_id:
            invite.name, invite.mentor_name, invite.tags = None, None, None
            continue
        if invite.name == name:
            invite.name = None
        if invite.mentor_name == name:
            invite.mentor_name = None
    return len(invites)


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
