"""The sandbox's demo programme: a cohort with weeks of history, made once, through the
services, so that /stats and the chart show real numbers from the first minute."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.core.clock import ManualClock, OffsetClock
from bot.core.crypto import ReflectionCipher, checkin_binding, new_key
from bot.demo.cast import DEMO_MARK, ENTRY_TEXTS, MENTOR_NAMES, STUDENT_NAMES
from bot.demo.life import cohort_lives
from bot.demo.programme import DEMO_PEOPLE, DEMO_PROGRAMME, TimePasses, erase_database, prepare_demo
from bot.domain.catalogue import Catalogue
from bot.outbox.purposes import Purpose
from bot.services.attention import Concern
from bot.services.dispatch import dispatch_prompts
from bot.services.stats import ProgrammeStats, programme_stats
from db.engine import create_engine, create_sessionmaker
from db.migrate import upgrade
from db.models import (
    CheckIn,
    Delivery,
    DeliveryStatus,
    Invite,
    Meeting,
    Member,
    Membership,
    MemberStatus,
    Pair,
    Programme,
    Role,
)

NOW = datetime(2026, 12, 1, 13, 30, tzinfo=UTC)  # a Tuesday afternoon: the sandbox starts
SANDBOX_IDS = (100001, 100002, 100003)  # the three seats' chats, as the sandbox numbers them
CIPHER = ReflectionCipher(new_key())


async def demo_at(sessionmaker: async_sessionmaker[AsyncSession], now: datetime = NOW) -> None:
    seats = list(zip(DEMO_PEOPLE, SANDBOX_IDS, strict=True))
    await prepare_demo(sessionmaker, now=now, seats=seats, cipher=CIPHER)


async def stats_of(session: AsyncSession, now: datetime = NOW) -> ProgrammeStats:
    programme = await session.scalar(select(Programme).where(Programme.name == DEMO_PROGRAMME))
    assert programme is not None
    return await programme_stats(session, programme=programme, today=now.date(), min_group_size=5)


async def row_counts(session: AsyncSession) -> dict[str, int]:
    counted = {}
    for model in (Programme, Member, Membership, Pair, Delivery, CheckIn, Meeting, Invite):
        counted[model.__name__] = int(
            await session.scalar(select(func.count()).select_from(model)) or 0
        )
    return counted


async def test_the_statistics_show_real_figures_from_the_first_minute(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    await demo_at(sessionmaker)
    stats = await stats_of(session)

    assert stats.value("enrolled_students") == len(STUDENT_NAMES) >= 20
    assert stats.value("enrolled_mentors") == len(MENTOR_NAMES) >= 6
    assert stats.value("active_pairs") == len(STUDENT_NAMES)
    for key in ("prompts_sent", "response_rate_percent", "entries", "mood_4"):
        assert stats.value(key), key  # shown, and not zero
    assert stats.value("meetings_per_pair_month_median") is not None
    shown = [week for week in stats.weeks if week.response_rate is not None]
    assert len(shown) >= 8
    assert all(month.buckets is not None for month in stats.months)


async def test_the_history_has_a_quiet_period_and_a_week_too_small_to_show(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    await demo_at(sessionmaker)
    weeks = (await stats_of(session)).weeks

    quiet = [week for week in weeks if week.quiet_period]
    assert len(quiet) == 2 and not any(week.prompted for week in quiet)
    first = weeks[0]  # only a few students had joined
    assert first.prompted and first.response_rate is None and not first.quiet_period


async def test_one_pair_needs_attention(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    await demo_at(sessionmaker)
    stats = await stats_of(session)

    assert stats.attention_counts[Concern.NO_MEETING] == 1
    (quiet_pair,) = [item for item in stats.attention if item.concern == Concern.NO_MEETING]
    assert quiet_pair.name.endswith(DEMO_MARK) and (quiet_pair.other or "").endswith(DEMO_MARK)
    assert quiet_pair.since is not None and quiet_pair.since < NOW.date() - timedelta(weeks=8)
    assert stats.value("pairs_met_within_rhythm") == len(STUDENT_NAMES) - 1


async def test_a_second_prepare_demo_adds_nothing_to_the_programme(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    await demo_at(sessionmaker)
    before = await row_counts(session)

    await demo_at(sessionmaker, NOW + timedelta(hours=1))  # a restart, an hour later

    after = await row_counts(session)
    # The seats' invites are given afresh (their tokens are shown once); nothing else.
    assert after == {**before, "Invite": before["Invite"] + len(DEMO_PEOPLE)}


async def test_every_demo_person_is_marked_and_has_no_chat_in_the_sandbox(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    await demo_at(sessionmaker)

    members = (await session.scalars(select(Member))).all()
    assert len(members) == len(STUDENT_NAMES) + len(MENTOR_NAMES)  # the seats join later
    assert all(member.display_name.endswith(f" {DEMO_MARK}") for member in members)
    assert all(member.telegram_user_id < min(SANDBOX_IDS) for member in members)
    assert all(member.status == MemberStatus.ACTIVE for member in members)


async def test_nothing_in_the_past_is_left_for_the_sender(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    await demo_at(sessionmaker)

    statuses = dict(
        (
            await session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
        ).all()
    )
    # Sent, as the sender records what Telegram accepted; skipped: held back by the quiet
    # period past the next prompt. Nothing pending, failed or missed.
    assert set(statuses) == {DeliveryStatus.SENT, DeliveryStatus.SKIPPED}
    purposes = set(await session.scalars(select(Delivery.purpose).distinct()))
    assert {"intro", "prompt", "meeting_logged", "shared_entry"} <= purposes
    mentor_prompts = await session.scalar(
        select(func.count())
        .select_from(Delivery)
        .join(Membership, Membership.member_id == Delivery.member_id)
        .where(Delivery.purpose == Purpose.PROMPT, Membership.role == Role.MENTOR)
    )
    assert mentor_prompts  # mentors reflect too


async def test_entries_are_encrypted_some_shared_and_some_kept(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    await demo_at(sessionmaker)

    entries = (await session.scalars(select(CheckIn))).all()
    written = [entry for entry in entries if entry.reflection]
    assert written and len(written) < len(entries)  # some skipped the words
    for entry in written:
        assert entry.reflection is not None
        text = CIPHER.decrypt(entry.reflection, bound_to=checkin_binding(entry.id))
        assert text in ENTRY_TEXTS
        assert text.encode() not in entry.reflection
    assert any(entry.shared for entry in entries) and not all(entry.shared for entry in entries)
    assert any(entry.delivery_id is None for entry in entries)  # written without a prompt


async def test_the_same_moment_gives_the_same_history(
    sessionmaker: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    sqlite_template: Path,
    tmp_path: Path,
) -> None:
    other_path = tmp_path / "other.db"
    shutil.copyfile(sqlite_template, other_path)
    other = create_engine(f"sqlite+aiosqlite:///{other_path}")
    try:
        other_sessions = create_sessionmaker(other)
        await demo_at(sessionmaker)
        await demo_at(other_sessions)
        async with other_sessions() as other_session:
            assert await stats_of(other_session) == await stats_of(session)
    finally:
        await other.dispose()


async def test_every_demo_mentor_is_full_so_the_seats_are_the_pair_to_match(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    await demo_at(sessionmaker)

    mentors = (
        await session.execute(
            select(Membership.member_id, Membership.capacity).where(Membership.role == Role.MENTOR)
        )
    ).all()
    assert len(mentors) == len(MENTOR_NAMES)
    for member_id, capacity in mentors:
        mentees = await session.scalar(
            select(func.count()).select_from(Pair).where(Pair.mentor_id == member_id)
        )
        assert mentees == capacity


async def test_as_the_sandbox_clock_moves_the_cohort_answers_and_meets(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    await demo_at(sessionmaker)
    clock = OffsetClock(ManualClock(NOW))
    catalogue = Catalogue.load()

    async def dispatch() -> None:
        async with sessionmaker() as step, step.begin():
            for role in (Role.STUDENT, Role.MENTOR):
                await dispatch_prompts(
                    step, now=clock.now(), catalogue=catalogue, grace=timedelta(hours=6), role=role
                )

    async def nothing() -> None:
        pass

    meetings = await session.scalar(select(func.count()).select_from(Meeting))
    passes = TimePasses(
        dispatch=dispatch,
        check=nothing,
        settle=nothing,
        cohort=lambda: cohort_lives(sessionmaker, now=clock.now(), cipher=CIPHER),
    )
    await passes.until(clock, NOW + timedelta(weeks=2))

    stats = await stats_of(session, clock.now())
    assert [week.response_rate is not None for week in stats.weeks[-3:]] == [True] * 3
    pending = await session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.status == DeliveryStatus.PENDING)
    )
    assert pending == 0  # nothing left for the sender
    assert (await session.scalar(select(func.count()).select_from(Meeting)) or 0) > (meetings or 0)
    assert stats.attention_counts[Concern.NO_MEETING] == 1  # still only the quiet pair


async def test_start_over_erases_the_cohort_and_makes_it_again(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await demo_at(sessionmaker)
    async with sessionmaker() as session:
        first = await row_counts(session)

    await erase_database(engine)  # the sandbox's "Start over"
    await upgrade(engine)
    await demo_at(sessionmaker)

    async with sessionmaker() as session:
        assert await row_counts(session) == first
