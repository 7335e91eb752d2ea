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
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.core.crypto import ReflectionCipher
from bot.domain.catalogue import Catalogue
from bot.outbox.purposes import Purpose
from bot.services.checkins import add_text, finish, start_checkin
from bot.services.dispatch import dispatch_prompts
from bot.services.enrolment import enrol
from bot.services.invites import issue_invites
from bot.services.meetings import answer_meeting, log_meeting
from bot.services.members import Person
from bot.services.pairing import pair
from bot.services.programmes import create_programme
from bot.services.schedules import set_schedule
from db.models import Delivery, DeliveryStatus, Programme, Role

DEMO_MARK = "(demo)"
FIRST_COHORT_ID = 90_001  # below the page's people (100001 up): never one of theirs
FIRST_MENTOR_ID = FIRST_COHORT_ID + 50  # students' ids come before it, mentors' after
COHORT_IDS = range(FIRST_COHORT_ID, FIRST_COHORT_ID + 100)
HISTORY_WEEKS = 12  # the programme began on the Monday this many weeks back
QUIET_WEEKS = (6, 7)  # exam weeks, counted from the first: a quiet period, no prompts
EARLY_STUDENTS = 4  # joined in the first week, too few for its figures to be shown
QUIET_PAIR_STUDENT = FIRST_COHORT_ID + EARLY_STUDENTS  # has not met since the first week
SEED = 11

STUDENT_NAMES = (
    "Elin Sjöberg", "Omar Haddad", "Sara Lindqvist", "Jonas Berglund", "Amira Nasser",
    "Viktor Åberg", "Hanna Karlsson", "Lukas Nyström", "Maryam Rahimi", "Emil Strand",
    "Ida Forsberg", "Noah Eriksson", "Leila Hosseini", "Oskar Lund", "Tove Hedlund",
    "Arvid Falk", "Nora Wikström", "Samuel Öberg", "Freja Dahl", "Yusuf Demir",
    "Alva Sandberg", "Milan Petrović",
)  # fmt: skip
MENTOR_NAMES = (
    "Dr Karin Holmberg", "Dr Anders Lönn", "Dr Helena Viklund",
    "Dr Peter Sundin", "Dr Fatima Ali", "Dr Johan Ekdahl",
)  # fmt: skip
# Entries in the voice of the prompts: short, plain, the good moments as well as the hard.
ENTRY_TEXTS = (
    "A patient thanked me for staying with her before the scan. I did not think it mattered.",
    "Presented on the ward round for the first time. Shaky, but the registrar nodded.",
    "Long day. I did not know where to stand in theatre and nobody told me.",
    "The nurse on nights showed me how she reads a room before she says anything.",
    "I keep thinking about the family in bed 4. I had nowhere to put that until now.",
    "Took a history on my own and found the thing that mattered. Felt like a doctor.",
    "Tired. Exams are close and the wards take everything I have.",
    "Someone asked my name and used it all day. Small thing, big difference.",
    "I was wrong about a diagnosis and it was fine: we talked it through.",
    "Not sure surgery is for me. Not sure what is. Writing it down helps.",
    "My first night on call. Scary, then quiet, then good coffee with the team.",
    "I could explain the plan to a patient in plain words today. That is new.",
    "Felt invisible on rounds again. Going to ask my mentor how she handled that.",
    "A good week. I know the way around the ward and people know me.",
)


@dataclass(frozen=True)
class Cohort:
    """Who the demo cohort is, by Telegram id."""

    student_ids: tuple[int, ...]
    mentor_ids: tuple[int, ...]

    @property
    def telegram_ids(self) -> tuple[int, ...]:
        return self.student_ids + self.mentor_ids


def first_day_of_history(now: datetime, zone: ZoneInfo) -> datetime:
    """09:00 on the Monday HISTORY_WEEKS weeks before `now`, in the programme's zone."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday(), weeks=HISTORY_WEEKS)
    return datetime.combine(monday, time(9), tzinfo=zone)


Step = Callable[[], Awaitable[None]]


class _History:
    """Events in time order, each run with the clock set to its moment."""

    def __init__(self, session: AsyncSession, clock: ManualClock, end: datetime) -> None:
        self.session, self.clock, self.end = session, clock, end
        self._events: list[tuple[datetime, int, Step]] = []
        self._order = itertools.count()
        self.member_ids: list[int] = []  # the cohort, as members

    def at(self, moment: datetime, step: Step) -> None:
        if moment < self.end:  # what would happen after the sandbox's now does not
            heapq.heappush(self._events, (moment, next(self._order), step))

    async def run(self) -> None:
        while self._events:
            moment, _, step = heapq.heappop(self._events)
            self.clock.set(moment)
            await step()
        await self.delivered()

    async def delivered(self) -> None:
        """Prompts are delivered as they go out (an answer needs its prompt sent); the
        rest at the end, all at once."""
        await delivered(self.session, self.member_ids, self.clock.now())


async def delivered(session: AsyncSession, member_ids: Sequence[int], now: datetime) -> list[int]:
    """What the services queued for demo people has reached them, as the sender records a
    message Telegram accepted, sparing the sender's pace for the page. One the sender has
    claimed already is left to it. Returns the deliveries so recorded."""
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.member_id.in_(member_ids),
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.claimed_at.is_(None),
            Delivery.due_at <= now,
        )
        .values(status=DeliveryStatus.SENT, finished_at=now, attempts=1)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return list(result.scalars())


async def write_entry(
    session: AsyncSession,
    *,
    now: datetime,
    cipher: ReflectionCipher,
    member_id: int,
    delivery_id: int | None,
    mood: int,
    words: str,
    share: bool,
) -> None:
    """A demo student's entry, as the check-in flow records one: a mood, perhaps some
    words (encrypted), then shared with the mentor or kept."""
    started = await start_checkin(
        session, now=now, member_id=member_id, mood=mood, delivery_id=delivery_id
    )
    if words:
        await add_text(
            session,
            member_id=member_id,
            message_id=1,  # the first and only message of the entry
            text=words,
            cipher=cipher,
            now=now,
        )
    await finish(session, now=now, member_id=member_id, checkin_id=started.checkin_id, share=share)


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
    history = _History(session, clock, now)
    cohort = Cohort(
        student_ids=tuple(FIRST_COHORT_ID + n for n in range(len(STUDENT_NAMES))),
        mentor_ids=tuple(FIRST_MENTOR_ID + n for n in range(len(MENTOR_NAMES))),
    )
    people = _People(session, clock, programme, actor, history)

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

    students = _Students(people, cohort.student_ids, cipher, rng)

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


class _People:
    """Joining, pairing and meeting, each a step of the history."""

    def __init__(
        self,
        session: AsyncSession,
        clock: ManualClock,
        programme: Programme,
        actor: str,
        history: _History,
    ) -> None:
        self.session, self.clock, self.programme = session, clock, programme
        self.actor, self.history = actor, history
        self.member_of: dict[int, int] = {}  # telegram id -> member id
        self.pair_of: dict[int, int] = {}  # student's telegram id -> pair id
        self.mentor_of: dict[int, int] = {}  # student's telegram id -> mentor's member id

    def joins(self, telegram_id: int, name: str, role: Role, capacity: int = 1) -> Step:
        async def step() -> None:
            (invite,) = await issue_invites(
                self.session,
                now=self.clock.now(),
                programme=self.programme,
                role=role,
                actor=self.actor,
                expires_in=timedelta(days=14),
                name=f"{name} {DEMO_MARK}",
            )
            enrolment = await enrol(
                self.session,
                now=self.clock.now(),
                token=invite.token,
                person=Person(telegram_id, name, "en"),
                mentor_capacity=capacity,
            )
            self.member_of[telegram_id] = enrolment.member_id
            self.history.member_ids.append(enrolment.member_id)

        return step

    def paired(self, student: int, mentor: int) -> Step:
        async def step() -> None:
            view = await pair(
                self.session,
                now=self.clock.now(),
                programme=self.programme,
                student_id=self.member_of[student],
                mentor_id=self.member_of[mentor],
                actor=self.actor,
            )
            self.pair_of[student] = view.pair_id
            self.mentor_of[student] = view.mentor_id

        return step

    def meets(self, student: int, joined: datetime, now: datetime, rng: random.Random) -> Step:
        """Plan the pair's meetings: the first within two weeks, then about every three
        weeks, the last one recent; except the pair that has not met since its first."""
        zone = ZoneInfo(self.programme.timezone)
        first = joined + timedelta(days=rng.randrange(4, 14))
        days = [first.astimezone(zone).date()]
        if student != QUIET_PAIR_STUDENT:
            day = now.astimezone(zone).date() - timedelta(days=rng.randrange(2, 22))
            while day > days[0] + timedelta(days=14):
                days.append(day)
                day -= timedelta(days=rng.randrange(18, 30))

        async def step() -> None:
            for day in sorted(days):
                evening = datetime.combine(day, time(19), tzinfo=zone)
                self.history.at(evening, self._logged(student, day, by_student=rng.random() < 0.5))

        return step

    def _logged(self, student: int, day: date, *, by_student: bool) -> Step:
        async def step() -> None:
            logger = self.member_of[student] if by_student else self.mentor_of[student]
            other = self.mentor_of[student] if by_student else self.member_of[student]
            meeting = await log_meeting(
                self.session,
                member_id=logger,
                pair_id=self.pair_of[student],
                day=day,
                today=self.clock.now().date(),
                now=self.clock.now(),
            )
            meeting_id = meeting.id

            async def confirmed() -> None:
                await answer_meeting(
                    self.session, member_id=other, meeting_id=meeting_id, confirmed=True
                )

            self.history.at(self.clock.now() + timedelta(hours=15), confirmed)

        return step


class _Students:
    """How each student writes: how often they answer, their usual mood, how often they
    share; drawn once from the seeded random."""

    def __init__(
        self,
        people: _People,
        telegram_ids: tuple[int, ...],
        cipher: ReflectionCipher,
        rng: random.Random,
    ) -> None:
        self.people, self.cipher, self.rng = people, cipher, rng
        self.keen = {t: rng.uniform(0.45, 0.95) for t in telegram_ids}
        self.mood = {t: rng.choice((2, 3, 3, 4, 4, 4, 5)) for t in telegram_ids}
        self.shares = {t: rng.uniform(0.1, 0.7) for t in telegram_ids}

    async def answer_prompts(self, history: _History) -> None:
        """Each student answers the prompt just sent, or not, some hours or days later."""
        session, now = self.people.session, self.people.clock.now()
        sent = dict(
            (
                await session.execute(
                    select(Delivery.member_id, Delivery.id).where(
                        Delivery.member_id.in_(history.member_ids),
                        Delivery.purpose == Purpose.PROMPT,
                        Delivery.status == DeliveryStatus.SENT,
                        Delivery.finished_at == now,
                    )
                )
            ).all()
        )
        for telegram_id, member_id in self.people.member_of.items():
            delivery_id = sent.get(member_id)
            if telegram_id not in self.keen or delivery_id is None:
                continue
            if self.rng.random() < self.keen[telegram_id]:
                # Most answer the same evening or the next day; a few days later at most.
                delay = min(self.rng.expovariate(1 / 8), 72) + 0.3
                later = now + timedelta(hours=delay)
                history.at(later, self.writes(telegram_id, delivery_id))

    def write_unprompted(self, history: _History, monday: datetime, exams: bool) -> None:
        """Now and then a student writes without a prompt, more often in exam weeks."""
        for telegram_id in self.keen:
            if self.rng.random() < (0.3 if exams else 0.08):
                later = monday + timedelta(days=self.rng.randrange(1, 6), hours=12)
                history.at(later, self.writes(telegram_id, None, low=exams))

    def writes(self, telegram_id: int, delivery_id: int | None, *, low: bool = False) -> Step:
        change = self.rng.choice((-1, 0, 0, 0, 1)) - (1 if low else 0)
        mood = max(1, min(5, self.mood[telegram_id] + change))
        words = self.rng.choice(ENTRY_TEXTS) if self.rng.random() < 0.85 else ""
        share = self.rng.random() < self.shares[telegram_id]

        async def step() -> None:
            member_id = self.people.member_of.get(telegram_id)
            if member_id is None:
                return
            await write_entry(
                self.people.session,
                now=self.people.clock.now(),
                cipher=self.cipher,
                member_id=member_id,
                delivery_id=delivery_id,
                mood=mood,
                words=words,
                share=share,
            )

        return step
