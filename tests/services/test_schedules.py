"""A programme's schedule: set by coordinators, refused when it makes no sense."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.services.errors import Refused
from bot.services.schedules import next_prompt_time, schedule_of, set_schedule
from db.models import AuditEvent, Programme, QuietPeriod
from tests.factories import a_programme

STOCKHOLM = ZoneInfo("Europe/Stockholm")


async def test_a_new_programme_prompts_weekly_on_monday_evening_from_its_first_week(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    await session.refresh(programme, ["quiet_periods"])

    schedule = schedule_of(programme)

    assert str(schedule.cadence) == "weekly mon 18:00"
    assert schedule.anchor_day == clock.now().astimezone(STOCKHOLM).date()


async def test_the_cadence_first_day_and_quiet_periods_can_be_set(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())

    schedule = await set_schedule(
        session,
        now=clock.now(),
        programme=programme,
        actor="cli",
        cadence="every 2 weeks Thursday 9:30",
        first_day=date(2026, 9, 1),
        add_quiet_periods=((date(2026, 10, 26), date(2026, 11, 1)),),
    )

    assert str(schedule.cadence) == "every 2 weeks thu 09:30"
    assert schedule.anchor_day == date(2026, 9, 1)
    assert [(p.first_day, p.last_day) for p in schedule.quiet_periods] == [
        (date(2026, 10, 26), date(2026, 11, 1))
    ]
    event = await session.scalar(select(AuditEvent).where(AuditEvent.kind == "schedule_changed"))
    assert event is not None and event.details["cadence"] == "every 2 weeks thu 09:30"


async def test_quiet_periods_can_be_cleared(session: AsyncSession, clock: ManualClock) -> None:
    programme = await a_programme(session, clock.now())
    await set_schedule(
        session,
        now=clock.now(),
        programme=programme,
        actor="cli",
        add_quiet_periods=((date(2026, 10, 26), date(2026, 11, 1)),),
    )

    await set_schedule(
        session, now=clock.now(), programme=programme, actor="cli", clear_quiet_periods=True
    )

    assert (await session.scalars(select(QuietPeriod))).all() == []


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"cadence": "daily 18:00"}, "bad_cadence"),
        ({"add_quiet_periods": ((date(2026, 11, 1), date(2026, 10, 26)),)}, "inverted_period"),
    ],
)
async def test_a_bad_schedule_is_refused_and_changes_nothing(
    session: AsyncSession, clock: ManualClock, changes: dict[str, object], reason: str
) -> None:
    programme = await a_programme(session, clock.now())

    with pytest.raises(Refused) as refusal:
        await set_schedule(
            session,
            now=clock.now(),
            programme=programme,
            actor="cli",
            first_day=date(2026, 1, 1),
            **changes,
        )  # type: ignore[arg-type]

    assert refusal.value.reason == reason
    refreshed = await session.get_one(Programme, programme.id)
    assert refreshed.cadence == "weekly mon 18:00" and refreshed.anchor_day is None


async def test_the_next_prompt_skips_a_quiet_period(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    schedule = await set_schedule(
        session,
        now=clock.now(),
        programme=programme,
        actor="cli",
        first_day=date(2026, 9, 7),
        add_quiet_periods=((date(2026, 9, 14), date(2026, 9, 20)),),
    )

    after = datetime(2026, 9, 8, 12, tzinfo=STOCKHOLM)

    # Monday the 14th is an exam day; its prompt is held back to Monday the 21st's slot,
    # which is the next cycle: so that cycle goes out instead, once.
    assert next_prompt_time(schedule, after) == datetime(2026, 9, 21, 18, tzinfo=STOCKHOLM)
