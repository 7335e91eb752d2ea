"""The dispatcher: turns each student's due reflection prompt into an outbox row.

Runs every few seconds. For every student it looks at the current and the previous
cycle of their programme's cadence, in the student's own time zone. A cycle whose
time has come becomes one delivery, unique per (student, "prompt", programme:cycle),
so a restart or a second dispatcher can never create it twice:

- pending, due at the first moment outside the student's quiet hours, pause and the
  programme's quiet periods;
- skipped, when that moment is not before the next cycle;
- missed, when it is more than the grace window in the past (the bot was down).

Cycles that fell before the student joined are not theirs and are left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.domain.catalogue import Catalogue, CatalogueError
from bot.outbox.keys.prompts import cycle_key, parse_cycle_key
from bot.outbox.purposes import Purpose
from bot.scheduling.cadence import Cadence, normalise
from bot.scheduling.release import next_release, release_time
from bot.scheduling.windows import QuietHours, Windows
from bot.services.prompt_choice import choose_prompt, histories
from bot.services.schedules import ProgrammeSchedule, schedule_of
from db.models import Delivery, DeliveryStatus, Member, Membership, MemberStatus, Programme, Role

CHECKPOINT_EVERY = 250
MENTOR_EVERY_WEEKS = 4  # "monthly": a mentor's own reflection prompt
log = logging.getLogger(__name__)


@dataclass
class DispatchReport:
    queued: int = 0
    skipped: int = 0
    missed: int = 0
    keys: list[str] = field(default_factory=list)

    def __iadd__(self, other: DispatchReport) -> DispatchReport:
        self.queued += other.queued
        self.skipped += other.skipped
        self.missed += other.missed
        self.keys += other.keys
        return self


class _Lazy:
    """The prompt histories of a programme's students, read once when first needed."""

    def __init__(self, session: AsyncSession, programme_id: int, member_ids: list[int]) -> None:
        self._session, self._programme_id, self._member_ids = session, programme_id, member_ids
        self._histories: dict[int, list[str]] | None = None

    async def histories(self) -> dict[int, list[str]]:
        if self._histories is None:
            self._histories = await histories(self._session, self._programme_id, self._member_ids)
        return self._histories


def cycle_of_key(key: str, schedule: ProgrammeSchedule, zone: ZoneInfo) -> int:
    """The cycle, in the current schedule, that a prompt key's day falls in."""
    day = parse_cycle_key(key).day
    moment = normalise(datetime.combine(day, schedule.cadence.at).replace(tzinfo=zone))
    return schedule.cadence.cycle_at(schedule.anchor_day, moment, zone)


def windows_for(member: Member, schedule: ProgrammeSchedule) -> Windows:
    return Windows(
        quiet_hours=QuietHours.parse(member.quiet_hours) if member.quiet_hours else None,
        paused_until=member.paused_until,
        quiet_periods=schedule.quiet_periods,
    )


async def dispatch_prompts(
    session: AsyncSession,
    *,
    now: datetime,
    catalogue: Catalogue,
    grace: timedelta,
    checkpoint: Callable[[], Awaitable[None]] | None = None,
    lookback: int = 1,
    role: Role = Role.STUDENT,
) -> DispatchReport:
    """Create the outbox rows for every prompt whose time has come; safe to run at any time.

    `checkpoint`, if given, is awaited after every CHECKPOINT_EVERY students who got a
    row (the caller commits there and wakes the sender), so that with thousands due at
    once the first prompts go out while the rest are still being queued.

    `lookback` is how many cycles before the current one are looked at: one is enough
    while the bot runs; after a long downtime more, so each missed cycle gets its row.
    """
    report = DispatchReport()
    written_at_checkpoint = 0
    programmes = (
        await session.scalars(select(Programme).options(selectinload(Programme.quiet_periods)))
    ).all()
    for programme in programmes:
        schedule = schedule_of(programme)
        if role == Role.MENTOR:  # mentors reflect more slowly, on the same day and time
            cadence = schedule.cadence
            schedule = replace(
                schedule, cadence=Cadence(MENTOR_EVERY_WEEKS, cadence.weekday, cadence.at)
            )
        students = (
            await session.execute(
                select(Member, Membership.created_at)
                .join(Membership, Membership.member_id == Member.id)
                .where(
                    Membership.programme_id == programme.id,
                    Membership.role == role,
                    Member.status != MemberStatus.LEFT,
                )
            )
        ).all()
        # Members' current cycles differ by at most one from the programme's own (time
        # zones are less than a day apart), so these keys cover every row that matters.
        here = schedule.cadence.cycle_at(schedule.anchor_day, now, ZoneInfo(programme.timezone))
        keys = [
            cycle_key(programme.id, schedule.cadence.local_day(schedule.anchor_day, cycle))
            for cycle in range(here - lookback - 1, here + 2)
        ]
        rows = await session.execute(
            select(Delivery.member_id, Delivery.cycle).where(
                Delivery.purpose == Purpose.PROMPT, Delivery.cycle.in_(keys)
            )
        )
        done = {(row.member_id, row.cycle) for row in rows}
        # Loaded only when someone in this programme is due, and then for all at once.
        past = _Lazy(session, programme.id, [member.id for member, _ in students])
        for member, joined in students:
            try:
                await _dispatch_member(
                    session,
                    programme,
                    schedule,
                    member,
                    joined,
                    done,
                    now,
                    grace,
                    catalogue,
                    report,
                    past,
                    lookback,
                    "mentor" if role == Role.MENTOR else "student",
                )
            except (ValueError, LookupError, CatalogueError):
                # One member's bad settings (an unknown zone, an empty prompt pool) must not
                # stop everyone else's prompts; it is logged and tried again next tick.
                log.exception("could not schedule a prompt for member %s", member.id)
            written = report.queued + report.skipped + report.missed
            if checkpoint is not None and written - written_at_checkpoint >= CHECKPOINT_EVERY:
                await checkpoint()
                written_at_checkpoint = written
    return report


async def _dispatch_member(
    session: AsyncSession,
    programme: Programme,
    schedule: ProgrammeSchedule,
    member: Member,
    joined: datetime,
    done: set[tuple[int, str]],
    now: datetime,
    grace: timedelta,
    catalogue: Catalogue,
    report: DispatchReport,
    past: _Lazy,
    lookback: int,
    audience: str,
) -> None:
    zone = ZoneInfo(member.timezone or programme.timezone)
    cadence, anchor = schedule.cadence, schedule.anchor_day
    current = cadence.cycle_at(anchor, now, zone)
    windows = windows_for(member, schedule)
    for cycle in range(current - lookback, current + 1):
        key = cycle_key(programme.id, cadence.local_day(anchor, cycle))
        occurrence = cadence.occurrence(anchor, cycle, zone) if cycle >= 0 else None
        if occurrence is None or (member.id, key) in done or occurrence < joined:
            continue
        if schedule.has_ended_by(cadence.local_day(anchor, cycle)):
            continue
        due = release_time(windows, occurrence, cadence.at)
        if due >= cadence.occurrence(anchor, cycle + 1, zone):
            status, reason = DeliveryStatus.SKIPPED, "held back past the next cycle"
        elif due > now:
            continue  # held back, still to come
        elif now - due > grace:
            status, reason = DeliveryStatus.MISSED, "the bot was not running at its time"
        else:
            status, reason = DeliveryStatus.PENDING, None
        prompt_key = None
        if status == DeliveryStatus.PENDING:
            history = (await past.histories())[member.id]
            prompt = await choose_prompt(
                session, catalogue, member.id, schedule, cycle, zone, history, audience
            )
            history.append(prompt.key)
            prompt_key = prompt.key
            report.keys.append(prompt.key)
        session.add(
            Delivery(
                member_id=member.id,
                purpose=Purpose.PROMPT,
                cycle=key,
                subject_id=programme.id,
                prompt_key=prompt_key,
                status=status,
                reason=reason,
                due_at=due,
                created_at=now,
                finished_at=None if status == DeliveryStatus.PENDING else now,
                attempts=0,
            )
        )
        done.add((member.id, key))
        if status == DeliveryStatus.PENDING:
            report.queued += 1
        elif status == DeliveryStatus.SKIPPED:
            report.skipped += 1
        else:
            report.missed += 1


@dataclass(frozen=True)
class SendNow:
    pass


@dataclass(frozen=True)
class SendLater:
    at: datetime


@dataclass(frozen=True)
class DoNotSend:
    status: DeliveryStatus
    reason: str


async def recheck(
    session: AsyncSession, delivery: Delivery, *, now: datetime, grace: timedelta
) -> SendNow | SendLater | DoNotSend:
    """Just before a prompt goes out: settings may have changed since it was queued (a new
    pause, quiet hours, a resumed member), and the bot may have been down past its time."""
    intended = delivery.next_attempt_at or delivery.due_at
    if now - max(delivery.due_at, intended) > grace:
        return DoNotSend(DeliveryStatus.MISSED, "the bot was not running at its time")
    member = await session.get_one(Member, delivery.member_id)
    programme = await session.get_one(
        Programme, delivery.subject_id, options=[selectinload(Programme.quiet_periods)]
    )
    schedule = schedule_of(programme)
    zone = ZoneInfo(member.timezone or programme.timezone)
    free = release_time(windows_for(member, schedule), now.astimezone(zone), schedule.cadence.at)
    if free <= now:
        return SendNow()
    cycle = cycle_of_key(delivery.cycle, schedule, zone)
    if free >= schedule.cadence.occurrence(schedule.anchor_day, cycle + 1, zone):
        return DoNotSend(DeliveryStatus.SKIPPED, "held back past the next cycle")
    return SendLater(free)


async def quiet_until(session: AsyncSession, member_id: int, now: datetime) -> datetime | None:
    """When a member's quiet hours end, if they are in them now; else None. Everything the
    bot sends on its own (introductions, shared entries, notices) waits for this; only a
    reply to something the member just did does not."""
    member = await session.get_one(Member, member_id)
    if not member.quiet_hours:
        return None
    zone_name = member.timezone or await session.scalar(
        select(Programme.timezone)
        .join(Membership, Membership.programme_id == Programme.id)
        .where(Membership.member_id == member_id)
        .order_by(Programme.id)
        .limit(1)
    )
    local = now.astimezone(ZoneInfo(zone_name or "UTC"))
    free = Windows(quiet_hours=QuietHours.parse(member.quiet_hours)).first_free(local)
    return free if free > local else None


async def next_prompt_time(
    session: AsyncSession, *, member_id: int, now: datetime
) -> datetime | None:
    """When this student's next prompt will go out (after `now`), or None if they have none."""
    row = (
        await session.execute(
            select(Member, Programme)
            .join(Membership, Membership.member_id == Member.id)
            .join(Programme, Programme.id == Membership.programme_id)
            .where(Member.id == member_id, Membership.role == Role.STUDENT)
            .options(selectinload(Programme.quiet_periods))
            .order_by(Programme.id)
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    member, programme = row
    schedule = schedule_of(programme)
    zone = ZoneInfo(member.timezone or programme.timezone)
    windows = windows_for(member, schedule)
    found = next_release(schedule.cadence, schedule.anchor_day, windows, zone, now)
    return None if found is None or schedule.has_ended_by(found.date()) else found
