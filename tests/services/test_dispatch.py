"""The dispatcher: each student's prompt at the cadence time in their own zone, once."""

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import ManualClock
from bot.domain.catalogue import Catalogue
from bot.outbox.purposes import Purpose
from bot.services import preferences
from bot.services.dispatch import DoNotSend, SendLater, SendNow, dispatch_prompts, recheck
from bot.services.errors import Refused
from bot.services.schedules import set_schedule
from db.models import Delivery, DeliveryStatus, Member, Programme, Role
from tests.factories import a_member, a_programme

CATALOGUE = Catalogue.load()
GRACE = timedelta(hours=6)
STOCKHOLM = ZoneInfo("Europe/Stockholm")


async def setup(
    session: AsyncSession,
    clock: ManualClock,
    *,
    zone: str | None = None,
    cadence: str = "weekly mon 18:00",
    first_day: date = date(2026, 9, 7),
) -> tuple[Programme, int]:
    programme = await a_programme(session, clock.now())
    await set_schedule(
        session,
        now=clock.now(),
        programme=programme,
        actor="test",
        cadence=cadence,
        first_day=first_day,
    )
    student = await a_member(session, clock.now(), programme, Role.STUDENT)
    if zone:
        await preferences.set_timezone(session, member_id=student.member_id, text=zone)
    return programme, student.member_id


async def dispatch(session: AsyncSession, clock: ManualClock) -> list[Delivery]:
    await dispatch_prompts(session, now=clock.now(), catalogue=CATALOGUE, grace=GRACE)
    await session.flush()
    return list(
        (
            await session.scalars(
                select(Delivery).where(Delivery.purpose == Purpose.PROMPT).order_by(Delivery.id)
            )
        ).all()
    )


def at(
    day: int, hour: int, minute: int = 0, zone: ZoneInfo = STOCKHOLM, month: int = 9
) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=zone)


async def test_a_prompt_is_queued_at_the_cadence_time_and_only_once(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(at(7, 9))
    await setup(session, clock)

    clock.set(at(7, 17, 59))
    assert await dispatch(session, clock) == []
    clock.set(at(7, 18, 0))
    first = await dispatch(session, clock)
    again = await dispatch(session, clock)  # a restart, or the next tick

    assert len(first) == len(again) == 1
    assert first[0].status == DeliveryStatus.PENDING
    assert first[0].due_at == at(7, 18)
    assert first[0].prompt_key is not None


@pytest.mark.parametrize(
    ("zone", "monday_before", "monday_after"),
    [
        ("Europe/Stockholm", date(2026, 10, 19), date(2026, 10, 26)),
        ("America/New_York", date(2026, 3, 2), date(2026, 3, 9)),
        ("Australia/Sydney", date(2026, 3, 30), date(2026, 4, 6)),
        ("Australia/Sydney", date(2026, 9, 28), date(2026, 10, 5)),
    ],
)
async def test_prompts_keep_their_local_time_across_daylight_saving_changes(
    session: AsyncSession, clock: ManualClock, zone: str, monday_before: date, monday_after: date
) -> None:
    tz = ZoneInfo(zone)
    clock.set(datetime(2026, 1, 1, tzinfo=UTC))
    await setup(session, clock, zone=zone, first_day=date(2026, 1, 5))
    for monday in (monday_before, monday_after):
        clock.set(datetime.combine(monday, datetime.min.time(), tzinfo=tz) + timedelta(hours=18))
        await dispatch(session, clock)

    # Jumping months ahead also records the cycle before each as missed; look at the sent.
    deliveries = [d for d in await dispatch(session, clock) if d.status == DeliveryStatus.PENDING]
    local = [d.due_at.astimezone(tz) for d in deliveries]
    assert [(t.date(), t.hour, t.minute) for t in local] == [
        (monday_before, 18, 0),
        (monday_after, 18, 0),
    ]
    assert local[0].utcoffset() != local[1].utcoffset()


async def test_each_student_gets_the_prompt_at_six_in_their_own_evening(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(at(7, 9))
    programme, ana = await setup(session, clock)
    bo = (await a_member(session, clock.now(), programme, Role.STUDENT, name="Bo")).member_id
    await preferences.set_timezone(session, member_id=bo, text="America/New_York")

    clock.set(at(7, 18))
    assert [d.member_id for d in await dispatch(session, clock)] == [ana]
    clock.set(datetime(2026, 9, 7, 18, tzinfo=ZoneInfo("America/New_York")))
    assert [d.member_id for d in await dispatch(session, clock)] == [ana, bo]


async def test_quiet_hours_hold_a_prompt_until_they_end(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(at(7, 9))
    _, ana = await setup(session, clock)
    await preferences.set_quiet_hours(session, member_id=ana, text="17-20")

    clock.set(at(7, 18))
    assert await dispatch(session, clock) == []
    clock.set(at(7, 20))
    (delivery,) = await dispatch(session, clock)
    assert delivery.due_at == at(7, 20)


async def test_a_long_pause_skips_the_cycles_it_covers(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(at(7, 9))
    _, ana = await setup(session, clock)
    await preferences.pause(session, now=clock.now(), member_id=ana, text="10d")

    clock.set(at(7, 18))
    (skipped,) = await dispatch(session, clock)
    clock.set(at(14, 18))
    held = await dispatch(session, clock)

    assert skipped.status == DeliveryStatus.SKIPPED
    assert len(held) == 1  # the pause ends on the 17th, before the 21st: held, not skipped
    clock.set(at(17, 9, 0))  # the pause is over, but it is not the prompt's time of day
    assert len(await dispatch(session, clock)) == 1
    clock.set(at(17, 18, 0))
    (_, pending) = await dispatch(session, clock)
    assert pending.status == DeliveryStatus.PENDING and pending.due_at == at(17, 18)


async def test_a_pause_that_ends_at_night_releases_the_prompt_at_its_time_of_day(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(at(6, 1, 10))  # Sunday, ten past one at night
    _, ana = await setup(session, clock)
    await preferences.pause(session, now=clock.now(), member_id=ana, text="2d")  # until Tue 01:10

    clock.set(at(8, 1, 10))
    assert await dispatch(session, clock) == []
    clock.set(at(8, 18))
    (delivery,) = await dispatch(session, clock)
    assert delivery.due_at == at(8, 18)


async def test_a_quiet_period_skips_its_cycle(session: AsyncSession, clock: ManualClock) -> None:
    clock.set(at(7, 9))
    programme, _ = await setup(session, clock)
    await set_schedule(
        session,
        now=clock.now(),
        programme=programme,
        actor="test",
        add_quiet_periods=((date(2026, 9, 14), date(2026, 9, 20)),),
    )

    clock.set(at(7, 18))
    await dispatch(session, clock)
    clock.set(at(14, 18))
    (sent, skipped) = await dispatch(session, clock)

    assert (sent.status, skipped.status) == (DeliveryStatus.PENDING, DeliveryStatus.SKIPPED)


async def test_the_prompt_before_a_quiet_period_prepares_for_exams(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(at(7, 9))
    programme, _ = await setup(session, clock)
    await set_schedule(
        session,
        now=clock.now(),
        programme=programme,
        actor="test",
        add_quiet_periods=((date(2026, 9, 21), date(2026, 9, 27)),),
    )
    for day in (7, 14):
        clock.set(at(day, 18))
        deliveries = await dispatch(session, clock)

    timings = [CATALOGUE.get("student", d.prompt_key or "") for d in deliveries]
    assert [p.timing if p else None for p in timings] == ["programme_start", "before_exams"]


async def test_rotation_starts_and_the_last_day_bring_their_own_prompts_then_silence(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(at(7, 9))
    programme, _ = await setup(session, clock)
    await set_schedule(
        session,
        now=clock.now(),
        programme=programme,
        actor="test",
        add_rotation_starts=(date(2026, 9, 17),),  # a Thursday: the Monday after asks
        last_day=date(2026, 10, 1),  # Thursday: the prompt of Monday 28 September is the last
    )
    for day in (7, 14, 21, 28):
        clock.set(at(day, 18))
        deliveries = await dispatch(session, clock)
    clock.set(at(5, 18, month=10))
    after_the_end = await dispatch(session, clock)

    timings = [CATALOGUE.get("student", d.prompt_key or "") for d in deliveries]
    assert [p.timing if p else None for p in timings] == [
        "programme_start",
        "any",
        "rotation_start",
        "programme_end",
    ]
    assert after_the_end == deliveries  # nothing after the last day


async def test_a_last_day_before_the_first_is_refused(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(at(7, 9))
    programme, _ = await setup(session, clock)
    with pytest.raises(Refused):
        await set_schedule(
            session, now=clock.now(), programme=programme, actor="test", last_day=date(2026, 9, 1)
        )


async def test_bot_down_within_the_grace_window_sends_late(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(at(7, 9))
    await setup(session, clock)
    clock.set(at(7, 23, 59))
    (late,) = await dispatch(session, clock)
    assert late.status == DeliveryStatus.PENDING


async def test_bot_down_past_the_grace_window_records_the_prompt_as_missed(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(at(7, 9))
    await setup(session, clock)
    clock.set(at(8, 0, 1))
    (missed,) = await dispatch(session, clock)
    assert missed.status == DeliveryStatus.MISSED
    assert missed.prompt_key is None  # no prompt used up


async def test_after_weeks_down_the_first_run_records_every_cycle_slept_through(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(at(7, 9))
    await setup(session, clock)
    clock.set(at(28, 19))  # down from before the first prompt until a week's prompt time
    await dispatch_prompts(session, now=clock.now(), catalogue=CATALOGUE, grace=GRACE, lookback=26)
    await session.flush()
    deliveries = (await session.scalars(select(Delivery).order_by(Delivery.due_at))).all()

    assert [(d.due_at, d.status) for d in deliveries] == [
        (at(7, 18), DeliveryStatus.MISSED),
        (at(14, 18), DeliveryStatus.MISSED),
        (at(21, 18), DeliveryStatus.MISSED),
        (at(28, 18), DeliveryStatus.PENDING),
    ]


async def test_a_student_who_joins_after_the_cycle_time_waits_for_the_next(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(at(7, 19))
    await setup(session, clock)
    assert await dispatch(session, clock) == []
    clock.set(at(14, 18))
    assert len(await dispatch(session, clock)) == 1


async def test_consecutive_prompts_do_not_repeat(session: AsyncSession, clock: ManualClock) -> None:
    clock.set(at(7, 9))
    await setup(session, clock)
    keys = []
    for week in range(12):
        clock.set(at(7, 18) + timedelta(weeks=week))
        keys = [d.prompt_key for d in await dispatch(session, clock)]
    assert len(keys) == 12 and len(set(keys)) == 12


async def test_a_pause_started_after_queueing_holds_the_prompt_at_send_time(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(at(7, 9))
    _, ana = await setup(session, clock)
    clock.set(at(7, 18))
    (delivery,) = await dispatch(session, clock)

    assert isinstance(await recheck(session, delivery, now=clock.now(), grace=GRACE), SendNow)
    await preferences.pause(session, now=clock.now(), member_id=ana, text="2d")
    assert await recheck(session, delivery, now=clock.now(), grace=GRACE) == SendLater(at(9, 18))
    await preferences.pause(session, now=clock.now(), member_id=ana, text="2w")
    decision = await recheck(session, delivery, now=clock.now(), grace=GRACE)
    assert isinstance(decision, DoNotSend) and decision.status == DeliveryStatus.SKIPPED
    member = await session.get_one(Member, ana)
    assert member.paused_until is not None


async def test_two_dispatchers_at_once_queue_a_prompt_once(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    clock.set(at(7, 9))
    async with sessionmaker() as session, session.begin():
        await setup(session, clock)
    clock.set(at(7, 18))
    both_read = asyncio.Barrier(2)

    async def one_dispatcher() -> str:
        try:
            async with sessionmaker() as session, session.begin():
                await dispatch_prompts(session, now=clock.now(), catalogue=CATALOGUE, grace=GRACE)
                await both_read.wait()  # both have decided the prompt is not queued yet
        except IntegrityError:
            return "lost the race"
        return "queued"

    outcomes = await asyncio.gather(one_dispatcher(), one_dispatcher())

    assert sorted(outcomes) == ["lost the race", "queued"]
    async with sessionmaker() as session:
        assert len((await session.scalars(select(Delivery))).all()) == 1


async def test_one_students_broken_settings_do_not_stop_the_others(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(at(7, 9))
    programme, ana = await setup(session, clock)
    bo = (await a_member(session, clock.now(), programme, Role.STUDENT, name="Bo")).member_id
    (await session.get_one(Member, bo)).timezone = "Mars/Olympus"  # e.g. a zone since removed

    clock.set(at(7, 18))

    assert [d.member_id for d in await dispatch(session, clock)] == [ana]


async def test_with_a_checkpoint_the_queue_is_committed_in_chunks_as_it_grows(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bot.services.dispatch.CHECKPOINT_EVERY", 2)
    clock.set(at(7, 9))
    async with sessionmaker() as session, session.begin():
        programme, _ = await setup(session, clock)
        for _ in range(4):
            await a_member(session, clock.now(), programme, Role.STUDENT)
    clock.set(at(7, 18))
    visible_at_checkpoints: list[int] = []

    async def count_from_elsewhere() -> None:
        await session.commit()
        async with sessionmaker() as other:
            rows = await other.scalars(select(Delivery.id))
            visible_at_checkpoints.append(len(rows.all()))

    async with sessionmaker() as session:
        report = await dispatch_prompts(
            session,
            now=clock.now(),
            catalogue=CATALOGUE,
            grace=GRACE,
            checkpoint=count_from_elsewhere,
        )
        await session.commit()

    assert report.queued == 5
    assert visible_at_checkpoints == [2, 4]  # others see the first prompts before the last


async def test_a_new_first_day_or_cadence_does_not_silence_the_prompts_that_follow(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(at(7, 9))
    programme, _ = await setup(session, clock)
    for day in (7, 14):
        clock.set(at(day, 18))
        await dispatch(session, clock)
    # The coordinator restarts the programme a week later, then moves it to Thursdays:
    # both count cycles from 0 again, which must not look like cycles already sent.
    await set_schedule(
        session, now=clock.now(), programme=programme, actor="test", first_day=date(2026, 9, 21)
    )
    clock.set(at(21, 18))
    await dispatch(session, clock)
    await set_schedule(
        session, now=clock.now(), programme=programme, actor="test", cadence="weekly thu 18:00"
    )
    clock.set(at(24, 18))
    deliveries = await dispatch(session, clock)

    assert [(d.due_at, d.status) for d in deliveries] == [
        (at(day, 18), DeliveryStatus.PENDING) for day in (7, 14, 21, 24)
    ]
