"""Erasure: after /forget nothing in any table names the person, holds their Telegram id or
their words, while every anonymous count stays as it was."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.domain.roster import RosterRow
from bot.outbox.purposes import Purpose
from bot.services.audit import CLI_ACTOR, member_actor
from bot.services.enrolment import enrol
from bot.services.erasure import NO_NAME, erase_member, is_erased
from bot.services.errors import Refused
from bot.services.members import Person, find_member
from bot.services.roster import ROSTER_SOURCE_PREFIX, import_roster
from bot.services.stats import programme_stats
from db.base import Base
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
    PairStatus,
    RelayConversation,
    RelayLink,
    Role,
)
from tests.factories import a_member, an_invite
from tests.services.data_rights_cast import (
    ANA_NAME,
    ANA_TELEGRAM_ID,
    SECRET_TEXT,
    a_cast,
    an_entry,
)


async def every_value(session: AsyncSession) -> list[tuple[str, Any]]:
    """Every value in every table, with the table it is in."""
    found: list[tuple[str, Any]] = []
    for table in Base.metadata.sorted_tables:
        for row in (await session.execute(text(f"SELECT * FROM {table.name}"))).all():
            found.extend((table.name, value) for value in row)
    return found


def traces(values: list[tuple[str, Any]], *needles: object) -> list[tuple[str, Any]]:
    def holds(value: Any, needle: object) -> bool:
        if isinstance(needle, str):
            return needle in repr(value)
        if isinstance(needle, bytes):
            return isinstance(value, bytes | memoryview) and needle in bytes(value)
        return value == needle or (isinstance(value, str) and str(needle) in value)

    return [(table, value) for table, value in values if any(holds(value, n) for n in needles)]


async def counts(session: AsyncSession, programme_id: int) -> dict[str, Any]:
    moods = (
        await session.execute(
            select(CheckIn.mood, func.count())
            .where(CheckIn.programme_id == programme_id)
            .group_by(CheckIn.mood)
            .order_by(CheckIn.mood)
        )
    ).all()
    return {
        "checkins": await session.scalar(
            select(func.count()).select_from(CheckIn).where(CheckIn.programme_id == programme_id)
        ),
        "moods": [tuple(row) for row in moods],
        "meetings": await session.scalar(select(func.count()).select_from(Meeting)),
        "pairs": await session.scalar(select(func.count()).select_from(Pair)),
        "memberships": await session.scalar(
            select(func.count()).select_from(Membership).where(Membership.role != Role.COORDINATOR)
        ),
        "prompts_sent": await session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.purpose == Purpose.PROMPT, Delivery.status == DeliveryStatus.SENT)
        ),
    }


async def test_no_trace_of_name_telegram_id_or_words_remains_in_any_table(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)
    ciphertexts = (
        await session.scalars(select(CheckIn.reflection).where(CheckIn.reflection.is_not(None)))
    ).all()
    before = await every_value(session)
    assert traces(before, ANA_NAME) and traces(before, ANA_TELEGRAM_ID)  # the scan finds them
    assert len(ciphertexts) == 2 and traces(before, *ciphertexts)

    await erase_member(session, now=clock.now(), member_id=cast.ana, actor=member_actor(cast.ana))
    await session.commit()

    after = await every_value(session)
    assert traces(after, ANA_NAME, "Ana on Telegram", SECRET_TEXT) == []
    assert traces(after, ANA_TELEGRAM_ID) == []
    assert traces(after, *ciphertexts) == []
    assert await session.scalar(select(func.count()).select_from(RelayLink)) == 0
    assert await session.scalar(select(func.count()).select_from(RelayConversation)) == 0


async def test_every_anonymous_count_stays_as_it_was(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)
    before = await counts(session, cast.programme.id)
    stats_before = await programme_stats(
        session, programme=cast.programme, today=date(2026, 9, 20), min_group_size=1
    )

    await erase_member(session, now=clock.now(), member_id=cast.ana, actor=member_actor(cast.ana))

    assert await counts(session, cast.programme.id) == before
    stats_after = await programme_stats(
        session, programme=cast.programme, today=date(2026, 9, 20), min_group_size=1
    )
    # The pair has ended, by design: the figures about active pairs change, nothing else.
    ended_pair = {"active_pairs", "pairs_met_within_rhythm", "pairs_not_met_within_rhythm"}
    assert {f.key: f.value for f in stats_after.figures if f.key not in ended_pair} == {
        f.key: f.value for f in stats_before.figures if f.key not in ended_pair
    }
    assert stats_after.value("entries") == 3  # Ana's entries, counted without her


async def test_the_pair_ends_and_the_mentor_and_coordinator_are_told(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)
    waiting_before = (
        await session.execute(
            select(Delivery.member_id, Delivery.purpose).where(
                Delivery.status == DeliveryStatus.PENDING
            )
        )
    ).all()
    assert (cast.lars, "shared_entry") in waiting_before
    assert (cast.lars, "meeting_logged") in waiting_before

    await erase_member(session, now=clock.now(), member_id=cast.ana, actor=member_actor(cast.ana))

    pair = await session.get_one(Pair, cast.pair_id)
    assert pair.status == PairStatus.ENDED
    waiting = (
        await session.execute(
            select(Delivery.member_id, Delivery.purpose).where(
                Delivery.status == DeliveryStatus.PENDING
            )
        )
    ).all()
    assert (cast.lars, "pair_ended") in waiting and (cast.maja, "pair_ended") in waiting
    # Nothing goes to Ana any more, nor her shared entry or her meeting to Lars.
    assert [purpose for member, purpose in waiting if member == cast.ana] == []
    assert (cast.lars, "shared_entry") not in waiting
    assert (cast.lars, "meeting_logged") not in waiting


async def test_the_member_row_keeps_no_identity_and_cannot_match_an_account(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)

    erasure = await erase_member(session, now=clock.now(), member_id=cast.ana, actor=CLI_ACTOR)

    member = await session.get_one(Member, cast.ana)
    assert member.display_name == NO_NAME and is_erased(member)
    assert member.telegram_user_id < -(2**52)  # no Telegram user or chat has such an id
    assert (member.timezone, member.quiet_hours, member.paused_until) == (None, None, None)
    assert member.status == MemberStatus.LEFT
    assert await find_member(session, ANA_TELEGRAM_ID) is None
    entries = (await session.scalars(select(CheckIn).where(CheckIn.member_id == cast.ana))).all()
    assert [e.reflection for e in entries] == [None, None, None]
    assert sorted(e.mood for e in entries) == [2, 3, 4]  # kept for the mood statistics
    assert (erasure.reflections_erased, erasure.entries_kept_anonymously) == (2, 3)
    assert erasure.pairs_ended == 1 and erasure.relay_links_removed == 1


async def test_the_erasure_is_audited_with_counts_only(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)

    await erase_member(session, now=clock.now(), member_id=cast.ana, actor=CLI_ACTOR)

    event = await session.scalar(select(AuditEvent).where(AuditEvent.kind == "erasure"))
    assert event is not None and event.actor == CLI_ACTOR
    assert event.details["member_id"] == cast.ana
    assert event.details["reflections_erased"] == 2
    assert all(isinstance(value, int) for value in event.details.values())


async def test_the_same_telegram_account_can_start_afresh_with_a_new_invite(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)
    await erase_member(session, now=clock.now(), member_id=cast.ana, actor=member_actor(cast.ana))

    token = await an_invite(session, clock.now(), cast.programme, Role.STUDENT, name="Ana Again")
    enrolment = await enrol(
        session,
        now=clock.now(),
        token=token,
        person=Person(ANA_TELEGRAM_ID, "Ana", "en"),
        mentor_capacity=2,
    )

    assert enrolment.member_id != cast.ana
    found = await find_member(session, ANA_TELEGRAM_ID)
    assert found is not None and found.display_name == "Ana Again"


async def test_an_erased_mentor_has_no_places_and_their_mentee_is_told(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)

    await erase_member(session, now=clock.now(), member_id=cast.lars, actor=member_actor(cast.lars))

    role = await session.scalar(select(Membership).where(Membership.member_id == cast.lars))
    assert role is not None and role.capacity is None
    told = await session.scalar(
        select(Delivery.id).where(
            Delivery.member_id == cast.ana,
            Delivery.purpose == Purpose.PAIR_ENDED,
            Delivery.status == DeliveryStatus.PENDING,
        )
    )
    assert told is not None
    assert await find_member(session, ANA_TELEGRAM_ID) is not None  # Ana is untouched


async def test_an_erased_coordinator_coordinates_nothing(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)

    erasure = await erase_member(session, now=clock.now(), member_id=cast.maja, actor=CLI_ACTOR)

    assert erasure.coordinator_roles_removed == 1
    roles = await session.scalars(select(Membership).where(Membership.member_id == cast.maja))
    assert roles.all() == []


async def test_names_on_invites_are_cleared(session: AsyncSession, clock: ManualClock) -> None:
    cast = await a_cast(session, clock)
    await an_invite(session, clock.now(), cast.programme, Role.STUDENT, name=ANA_NAME)  # re-sent
    other = await a_member(session, clock.now(), cast.programme, Role.STUDENT, name="Ben Ali")

    await erase_member(session, now=clock.now(), member_id=cast.ana, actor=CLI_ACTOR)

    names = (await session.scalars(select(Invite.name).order_by(Invite.id))).all()
    assert ANA_NAME not in names and "Ben Ali" in names
    assert await session.get(Member, other.member_id) is not None


async def test_unknown_and_already_erased_members_are_refused(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)
    with pytest.raises(Refused) as unknown:
        await erase_member(session, now=clock.now(), member_id=9999, actor=CLI_ACTOR)
    assert unknown.value.reason == "unknown_member"

    await erase_member(session, now=clock.now(), member_id=cast.ana, actor=CLI_ACTOR)
    with pytest.raises(Refused) as again:
        await erase_member(session, now=clock.now(), member_id=cast.ana, actor=CLI_ACTOR)
    assert again.value.reason == "already_erased"


async def test_an_entry_still_being_written_is_closed_without_its_words(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)
    await an_entry(session, clock, cast.programme, cast.ana, mood=5, text="half a thought", day=20)
    entry = await session.scalar(select(CheckIn).order_by(CheckIn.id.desc()).limit(1))
    assert entry is not None
    entry.status = CheckInStatus.WRITING  # as if she had just started it

    await erase_member(session, now=clock.now(), member_id=cast.ana, actor=CLI_ACTOR)

    assert entry.reflection is None and entry.status == CheckInStatus.DONE


async def test_a_roster_sent_in_the_chat_keeps_no_trace_of_the_coordinators_account(
    session: AsyncSession, clock: ManualClock
) -> None:
    cast = await a_cast(session, clock)
    maja = await session.get_one(Member, cast.maja)
    telegram_id = maja.telegram_user_id
    row = RosterRow(
        row=2, name="Ben Ali", role=Role.STUDENT, language="en", mentor=None, capacity=None
    )
    await import_roster(
        session,
        now=clock.now(),
        programme=cast.programme,
        rows=(row,),
        actor=member_actor(cast.maja),
        expires_in=timedelta(days=30),
        source=f"{ROSTER_SOURCE_PREFIX}{telegram_id}:77",
    )
    await session.flush()
    assert traces(await every_value(session), f"{ROSTER_SOURCE_PREFIX}{telegram_id}:")

    await erase_member(session, now=clock.now(), member_id=cast.maja, actor=CLI_ACTOR)

    assert traces(await every_value(session), str(telegram_id)) == []
