"""A programme's prompt schedule: cadence, first day, and quiet periods such as exam weeks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.scheduling.cadence import Cadence
from bot.scheduling.release import next_release
from bot.scheduling.windows import QuietPeriod as QuietDays
from bot.scheduling.windows import Windows
from bot.services.audit import record_event
from bot.services.errors import Refused
from db.models import Programme, QuietPeriod


@dataclass(frozen=True)
class ProgrammeSchedule:
    programme_name: str
    timezone: str
    cadence: Cadence
    anchor_day: date
    quiet_periods: tuple[QuietDays, ...]
    last_day: date | None = None
    rotation_starts: tuple[date, ...] = ()

    def has_ended_by(self, day: date) -> bool:
        """True when `day` is after the programme's last day."""
        return self.last_day is not None and day > self.last_day


def schedule_of(programme: Programme) -> ProgrammeSchedule:
    """The schedule as plain values; needs `programme.quiet_periods` loaded."""
    return ProgrammeSchedule(
        programme_name=programme.name,
        timezone=programme.timezone,
        cadence=Cadence.parse(programme.cadence),
        anchor_day=anchor_day_of(programme),
        quiet_periods=tuple(QuietDays(p.first_day, p.last_day) for p in programme.quiet_periods),
        last_day=programme.last_day,
        rotation_starts=_days(programme.rotation_starts),
    )


def _days(text: str | None) -> tuple[date, ...]:
    return tuple(sorted(date.fromisoformat(day) for day in (text or "").split(",") if day))


def anchor_day_of(programme: Programme) -> date:
    """The programme's first day: set by the coordinator, else the local day it was created."""
    if programme.anchor_day is not None:
        return programme.anchor_day
    return programme.created_at.astimezone(ZoneInfo(programme.timezone)).date()


async def set_schedule(
    session: AsyncSession,
    *,
    now: datetime,
    programme: Programme,
    actor: str,
    cadence: str | None = None,
    first_day: date | None = None,
    add_quiet_periods: tuple[tuple[date, date], ...] = (),
    clear_quiet_periods: bool = False,
    last_day: date | None = None,
    add_rotation_starts: tuple[date, ...] = (),
    clear_rotation_starts: bool = False,
) -> ProgrammeSchedule:
    """Change what is given; refuse a bad cadence or an inverted period and change nothing."""
    await session.refresh(programme, ["quiet_periods"])
    if cadence is not None:
        try:
            programme.cadence = str(Cadence.parse(cadence))
        except ValueError as error:
            raise Refused("bad_cadence", problem=str(error)) from None
    for first, last in add_quiet_periods:
        if first > last:
            raise Refused("inverted_period", first=first.isoformat(), last=last.isoformat())
    if last_day is not None and last_day < (first_day or anchor_day_of(programme)):
        raise Refused(
            "inverted_period",
            first=(first_day or anchor_day_of(programme)).isoformat(),
            last=last_day.isoformat(),
        )
    if first_day is not None:
        programme.anchor_day = first_day
    if last_day is not None:
        programme.last_day = last_day
    if clear_rotation_starts or add_rotation_starts:
        kept = () if clear_rotation_starts else _days(programme.rotation_starts)
        days = sorted(set(kept) | set(add_rotation_starts))
        programme.rotation_starts = ",".join(day.isoformat() for day in days) or None
    if clear_quiet_periods:
        programme.quiet_periods.clear()
    for first, last in add_quiet_periods:
        programme.quiet_periods.append(QuietPeriod(first_day=first, last_day=last))
    await session.flush()
    record_event(
        session,
        now=now,
        kind="schedule_changed",
        actor=actor,
        programme_id=programme.id,
        details={
            "cadence": programme.cadence,
            "first_day": anchor_day_of(programme).isoformat(),
            "quiet_periods": [
                [p.first_day.isoformat(), p.last_day.isoformat()] for p in programme.quiet_periods
            ],
            "last_day": programme.last_day.isoformat() if programme.last_day else None,
            "rotation_starts": programme.rotation_starts,
        },
    )
    return schedule_of(programme)


def next_prompt_time(schedule: ProgrammeSchedule, after: datetime) -> datetime | None:
    """When the next prompt goes out in the programme's own time zone, past quiet periods."""
    windows = Windows(quiet_periods=schedule.quiet_periods)
    zone = ZoneInfo(schedule.timezone)
    found = next_release(schedule.cadence, schedule.anchor_day, windows, zone, after)
    return None if found is None or schedule.has_ended_by(found.date()) else found
