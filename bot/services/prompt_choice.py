"""Which prompt a student gets next: a timed one when its moment has come, else the rotation."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.catalogue import Catalogue, CataloguePrompt, next_in_rotation
from bot.outbox.purposes import Purpose
from bot.services.schedules import ProgrammeSchedule
from db.models import Delivery

AUDIENCE = "student"


async def prompt_history(session: AsyncSession, member_id: int) -> list[str]:
    """Keys of the prompts this member was sent, oldest first."""
    rows = await session.scalars(
        select(Delivery.prompt_key)
        .where(
            Delivery.member_id == member_id,
            Delivery.purpose == Purpose.PROMPT,
            Delivery.prompt_key.is_not(None),
        )
        .order_by(Delivery.id)
    )
    return [key for key in rows.all() if key is not None]


async def histories(
    session: AsyncSession, programme_id: int, member_ids: list[int]
) -> dict[int, list[str]]:
    """Prompt histories of a programme's members in one query, oldest first each."""
    found: dict[int, list[str]] = {member_id: [] for member_id in member_ids}
    rows = await session.execute(
        select(Delivery.member_id, Delivery.prompt_key)
        .where(
            Delivery.purpose == Purpose.PROMPT,
            Delivery.subject_id == programme_id,
            Delivery.prompt_key.is_not(None),
        )
        .order_by(Delivery.id)
    )
    for member_id, key in rows:
        if member_id in found and key is not None:
            found[member_id].append(key)
    return found


async def choose_prompt(
    session: AsyncSession,
    catalogue: Catalogue,
    member_id: int,
    schedule: ProgrammeSchedule,
    cycle: int,
    zone: ZoneInfo,
    history: list[str] | None = None,
    audience: str = AUDIENCE,
) -> CataloguePrompt:
    """The first prompt welcomes (programme_start); the last, before the programme's last
    day, looks back (programme_end); the first after a rotation starts asks about the new
    place (rotation_start); the one before a quiet period prepares for exams
    (before_exams); the rest rotate through the themes. Mentors (audience "mentor") walk
    their own part of the catalogue the same way."""
    if history is None:
        history = await prompt_history(session, member_id)
    seed = str(member_id)
    if not history and (opening := catalogue.prompts(audience, "programme_start")):
        return next_in_rotation(opening, history, seed=seed)
    cadence, anchor = schedule.cadence, schedule.anchor_day
    if schedule.has_ended_by(cadence.local_day(anchor, cycle + 1)) and (
        closing := catalogue.prompts(audience, "programme_end")
    ):
        return next_in_rotation(closing, history, seed=seed)
    previous, this = cadence.local_day(anchor, cycle - 1), cadence.local_day(anchor, cycle)
    if any(previous < day <= this for day in schedule.rotation_starts) and (
        arriving := catalogue.prompts(audience, "rotation_start")
    ):
        return next_in_rotation(arriving, history, seed=seed)
    next_day = schedule.cadence.occurrence(schedule.anchor_day, cycle + 1, zone).date()
    if any(period.contains(next_day) for period in schedule.quiet_periods) and (
        exams := catalogue.prompts(audience, "before_exams")
    ):
        return next_in_rotation(exams, history, seed=seed)
    return next_in_rotation(catalogue.prompts(audience, "any"), history, seed=seed)
