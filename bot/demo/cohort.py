"""The sandbox's demo cohort: a programme's last weeks, lived through the real services.

Twenty-two students and six mentors, every name marked "(demo)", enrol, are paired,
get their weekly prompts, answer most of them (some entries shared), write now and
then unprompted, and meet their mentors. Two exam weeks are a quiet period without
prompts; the first week, when only a few had joined, is too small to show; one pair
has not met since its first week. Everything goes through the services with a
`ManualClock` that walks from the programme's first day to the sandbox's now, and a
seeded random, so every demo starts with the same history.

Demo people have no chats on the page: their Telegram ids lie below the page's people
(see `SandboxState.add_user`), and the runner gives them sandbox accounts of their own
with those ids, as people who pressed Start long ago. What the services queued for
them in the past is recorded as sent, as the sender records a message Telegram
accepted; what is queued for them later is sent to those accounts like any message.

Who they are is bot/demo/cast.py; the timeline, bot/demo/history.py; how they join, are
paired and meet, bot/demo/people.py; how the students write, bot/demo/students.py.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.core.crypto import ReflectionCipher
from bot.demo.cast import (
    EARLY_STUDENTS,
    FIRST_COHORT_ID,
    FIRST_MENTOR_ID,
    MENTOR_NAMES,
    STUDENT_NAMES,
    Cohort,
)
from bot.demo.history import History
from bot.demo.people import People
from bot.demo.students import Students
from bot.domain.catalogue import Catalogue
from bot.services.dispatch import dispatch_prompts
from bot.services.programmes import create_programme
from bot.services.schedules import set_schedule
from db.models import Programme, Role

HISTORY_WEEKS = 12  # the programme began on the Monday this many weeks back
QUIET_WEEKS = (6, 7)  # exam weeks, counted from the first: a quiet period, no prompts
SEED = 11


def first_day_of_history(now: datetime, zone: ZoneInfo) -> datetime:
    """09:00 on the Monday HISTORY_WEEKS weeks before `now`, in the programme's zone."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday(), weeks=HISTORY_WEEKS)
    return datetime.combine(monday, time(9), tzinfo=zone)


async def create_demo_cohort(
    session: AsyncSession,
    *,
    name: str,
    timezone: str,
    now: datetime,
    catalogue: Catalogue,
    cipher: ReflectionCipher,
    actor: str,
    grace: timedelta = timedelta(hours=6),
) -> tuple[Programme, Cohort]:
    """Create the programme `name` as it stands at `now` after HISTORY_WEEKS weeks."""
    zone = ZoneInfo(timezone)
    start = first_day_of_history(now, zone)
    clock = ManualClock(start)
    rng = random.Random(SEED)
    programme = await create_programme(
        session, now=clock.now(), name=name, timezone=timezone, actor=actor
    )
    quiet_first = start.date() + timedelta(weeks=QUIET_WEEKS[0])
    quiet_last = start.date() + timedelta(weeks=QUIET_WEEKS[-1], days=6)
    schedule = await set_schedule(
        session,
        now=clock.now(),
        programme=programme,
        actor=actor,
        add_quiet_periods=((quiet_first, quiet_last),),
    )
    history = History(session, clock, now)
    cohort = Cohort(
        student_ids=tuple(FIRST_COHORT_ID + n for n in range(len(STUDENT_NAMES))),
        mentor_ids=tuple(FIRST_MENTOR_ID + n for n in range(len(MENTOR_NAMES))),
    )
    people = People(session, clock, programme, actor, history)

    # The mentors and the first students join on the first day; the rest that week.
    # Each mentor has room for exactly the mentees they get: the seats' student and mentor
    # are the pair /match suggests.
    for offset, (telegram_id, person_name) in enumerate(
        zip(cohort.mentor_ids, MENTOR_NAMES, strict=True)
    ):
        moment = start + timedelta(minutes=30 + 5 * offset)
        mentees = len(range(offset, len(STUDENT_NAMES), len(MENTOR_NAMES)))
        history.at(moment, people.joins(telegram_id, person_name, Role.MENTOR, mentees))
    for index, (telegram_id, person_name) in enumerate(
        zip(cohort.student_ids, STUDENT_NAMES, strict=True)
    ):
        if index < EARLY_STUDENTS:
            joined = start + timedelta(hours=2, minutes=10 * index)
        else:
            joined = start + timedelta(days=1 + index % 3, hours=rng.randrange(1, 9))
        history.at(joined, people.joins(telegram_id, person_name, Role.STUDENT))
        mentor = cohort.mentor_ids[index % len(cohort.mentor_ids)]
        history.at(joined + timedelta(hours=1), people.paired(telegram_id, mentor))
        history.at(joined + timedelta(hours=2), people.meets(telegram_id, joined, now, rng))

    students = Students(people, cohort.student_ids, cipher, rng)

    async def prompts_go_out() -> None:
        for role in (Role.STUDENT, Role.MENTOR):
            await dispatch_prompts(
                session, now=clock.now(), catalogue=catalogue, grace=grace, role=role
            )
        await history.delivered()
        await students.answer_prompts(history)

    # The dispatcher looks at every cycle as the running bot does, quiet ones included
    # (it records those as skipped), so nothing is left for it to catch up at the start.
    cadence = schedule.cadence
    for cycle in range(cadence.cycle_at(schedule.anchor_day, now, zone) + 1):
        moment = cadence.occurrence(schedule.anchor_day, cycle, zone)
        history.at(moment + timedelta(minutes=1), prompts_go_out)
    for week in range(HISTORY_WEEKS + 1):
        students.write_unprompted(history, start + timedelta(weeks=week), week in QUIET_WEEKS)
    await history.run()
    return programme, cohort
