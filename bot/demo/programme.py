"""Demo data for the sandbox: a programme and one person per role, ready to join in a click."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.core.clock import Clock, OffsetClock
from bot.core.crypto import ReflectionCipher
from bot.demo.cohort import create_demo_cohort
from bot.domain.catalogue import Catalogue
from bot.services.dispatch import next_prompt_time
from bot.services.invites import issue_invites
from bot.services.members import find_member
from db.base import Base
from db.models import Delivery, DeliveryStatus, Programme, Role

DEMO_PROGRAMME = "Demo programme"
DEMO_TIMEZONE = "Europe/Stockholm"
DEMO_ACTOR = "sandbox"
# How far "Advance one week" moves the clock at a time: well inside the dispatcher's
# grace window (6 hours by default), so nothing due in the week is found too late.
ADVANCE_STEP = timedelta(hours=3)
CHECK_EVERY = timedelta(hours=6)  # meetings, nudges, digests while the clock moves


@dataclass(frozen=True)
class DemoPerson:
    title: str
    first_name: str
    last_name: str
    role: Role
    language_code: str = "en"


DEMO_PEOPLE = (
    DemoPerson("Coordinator", "Maja", "Holm", Role.COORDINATOR),
    DemoPerson("Mentor", "Lars", "Ek", Role.MENTOR),
    DemoPerson("Student", "Ana", "Berg", Role.STUDENT),
)


@dataclass(frozen=True)
class DemoSeat:
    """One panel of the sandbox page: who sits there and what they should send first."""

    title: str
    telegram_user_id: int
    suggestion: str


async def prepare_demo(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    seats: list[tuple[DemoPerson, int]],
    cipher: ReflectionCipher,
    catalogue: Catalogue | None = None,
) -> list[DemoSeat]:
    """Create the demo programme once, with its cohort and their weeks of history (see
    bot/demo/cohort.py); give each seat a fresh invite unless already enrolled."""
    result = []
    async with sessionmaker() as session, session.begin():
        programme = await _demo_programme(session, now, cipher, catalogue)
        for person, telegram_user_id in seats:
            member = await find_member(session, telegram_user_id)
            if member is not None and member.has_role(person.role):
                result.append(DemoSeat(person.title, telegram_user_id, "/help"))
                continue
            (invite,) = await issue_invites(
                session,
                now=now,
                programme=programme,
                role=person.role,
                actor=DEMO_ACTOR,
                expires_in=timedelta(days=30),
                name=f"{person.first_name} {person.last_name}",
            )
            result.append(DemoSeat(person.title, telegram_user_id, f"/start {invite.token}"))
    return result


async def erase_database(engine: AsyncEngine) -> None:
    """The sandbox's "Start over": every table dropped (the next start migrates afresh)."""
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
        await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


async def demo_exists(sessionmaker: async_sessionmaker[AsyncSession]) -> bool:
    """Whether this database has the demo programme (a new database has not)."""
    async with sessionmaker() as session:
        found = await session.scalar(select(Programme.id).where(Programme.name == DEMO_PROGRAMME))
    return found is not None


async def _demo_programme(
    session: AsyncSession, now: datetime, cipher: ReflectionCipher, catalogue: Catalogue | None
) -> Programme:
    """The demo programme; created, with its history up to now, in the same transaction
    as the seats' invites, so a start that fails half-way leaves nothing to repeat."""
    existing = await session.scalar(select(Programme).where(Programme.name == DEMO_PROGRAMME))
    if existing is not None:
        return existing
    programme, _ = await create_demo_cohort(
        session,
        name=DEMO_PROGRAMME,
        timezone=DEMO_TIMEZONE,
        now=now,
        catalogue=catalogue or Catalogue.load(),
        cipher=cipher,
        actor=DEMO_ACTOR,
    )
    return programme


@dataclass(frozen=True)
class TimePasses:
    """What runs while the sandbox's clock moves: the prompt dispatcher, the look at every
    pair (meetings, nudges, digests), the demo cohort's part (bot/demo/life.py), and
    waiting until the sender has sent what is due."""

    dispatch: Callable[[], Awaitable[object]]
    check: Callable[[], Awaitable[object]]
    settle: Callable[[], Awaitable[object]]
    step: timedelta = ADVANCE_STEP
    cohort: Callable[[], Awaitable[object]] | None = None

    async def until(self, clock: OffsetClock, end: datetime) -> None:
        """Move the clock to ``end`` so that everything falling due on the way happens at
        its time and is sent: steps well inside the dispatcher's grace window, so a prompt
        is never found hours late and recorded as missed, however quickly a control is
        pressed; the pair check every six hours (what it queues is keyed by day and week)."""
        checked = clock.now()
        while clock.now() < end:
            clock.advance_to(min(clock.now() + self.step, end))
            await self.dispatch()
            if clock.now() - checked >= CHECK_EVERY or clock.now() >= end:
                await self.check()
                checked = clock.now()
            if self.cohort is not None:
                await self.cohort()
            await self.settle()


async def advance_to_next_prompt(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: OffsetClock,
    *,
    student_telegram_id: int,
    time_passes: TimePasses,
) -> str:
    """The sandbox control: move the clock to the demo student's next prompt, with all
    that falls due on the way, and send it."""
    async with sessionmaker() as session:
        member = await find_member(session, student_telegram_id)
        if member is None or not member.has_role(Role.STUDENT):
            return "Enrol the student first: click the suggested /start in the Student chat."
        due = await next_prompt_time(session, member_id=member.id, now=clock.now())
    if due is None:
        return "The student has no prompts scheduled."
    await time_passes.until(clock, due + timedelta(seconds=1))
    return f"The clock is now {_local(clock.now())}: the prompt is on its way."


async def advance_a_week(clock: OffsetClock, *, time_passes: TimePasses) -> str:
    """The sandbox control: a week passes, and everything that falls due in it happens at
    its time — prompts (students' and mentors'), "did you meet?", nudges, digests — and
    is sent before the answer."""
    await time_passes.until(clock, clock.now() + timedelta(weeks=1))
    return f"The clock is now {_local(clock.now())}: a week has passed."


def _local(now: datetime) -> str:
    """The sandbox's time as its page's clock line shows it: in the demo programme's zone."""
    return f"{now.astimezone(ZoneInfo(DEMO_TIMEZONE)):%a %d %b %Y %H:%M} ({DEMO_TIMEZONE})"


async def outbox_sent(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    wake: Callable[[], object],
    within: timedelta = timedelta(seconds=30),
) -> int:
    """Wait until the sender has tried every delivery that is due now; how many are
    still waiting when ``within`` (real time) is up (0: all went out). A clock, not an
    instant: each look reads it again, so what falls due while it waits is waited for."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within.total_seconds()
    while True:
        async with sessionmaker() as session:
            waiting = await session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(
                    Delivery.status == DeliveryStatus.PENDING,
                    Delivery.next_attempt_at.is_(None),
                    Delivery.due_at <= clock.now(),
                )
            )
        if not waiting or loop.time() > deadline:
            return waiting or 0
        wake()
        await asyncio.sleep(0.02)
