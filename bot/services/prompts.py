"""Prompts a coordinator sends now (`frizon prompt send`), outside the cadence."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.catalogue import Catalogue
from bot.outbox.keys.prompts import sent_now_key
from bot.outbox.purposes import Purpose
from bot.services.audit import record_event
from bot.services.errors import Refused
from bot.services.prompt_choice import choose_prompt
from bot.services.schedules import schedule_of
from db.models import Delivery, DeliveryStatus, Member, Membership, MemberStatus, Programme, Role


async def queue_prompt_now(
    session: AsyncSession,
    *,
    now: datetime,
    catalogue: Catalogue,
    programme: Programme,
    actor: str,
    prompt_key: str | None = None,
) -> int:
    """Queue one prompt for every student; the running bot sends them, in their windows.

    Returns how many were queued. The delivery key carries the moment, so sending again
    later is a new prompt, while the scheduled cycle still goes out as planned.
    """
    if prompt_key is not None and catalogue.get("student", prompt_key) is None:
        raise Refused("unknown_prompt", key=prompt_key)
    await session.refresh(programme, ["quiet_periods"])
    schedule = schedule_of(programme)
    students = (
        await session.scalars(
            select(Member)
            .join(Membership, Membership.member_id == Member.id)
            .where(
                Membership.programme_id == programme.id,
                Membership.role == Role.STUDENT,
                Member.status != MemberStatus.LEFT,
            )
        )
    ).all()
    for member in students:
        zone = ZoneInfo(member.timezone or programme.timezone)
        # The cycle current now; before the programme's first, the first (a prompt sent
        # ahead of the first scheduled one is part of the programme's first week).
        cycle = max(schedule.cadence.cycle_at(schedule.anchor_day, now, zone), 0)
        day = schedule.cadence.local_day(schedule.anchor_day, cycle)
        key = (
            prompt_key
            or (await choose_prompt(session, catalogue, member.id, schedule, cycle, zone)).key
        )
        session.add(
            Delivery(
                member_id=member.id,
                purpose=Purpose.PROMPT,
                cycle=sent_now_key(programme.id, day, now),
                subject_id=programme.id,
                prompt_key=key,
                status=DeliveryStatus.PENDING,
                due_at=now,
                created_at=now,
                attempts=0,
            )
        )
    record_event(
        session,
        now=now,
        kind="prompt_sent_now",
        actor=actor,
        programme_id=programme.id,
        details={"prompt": prompt_key, "students": len(students)},
    )
    return len(students)
