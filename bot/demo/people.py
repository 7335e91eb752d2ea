"""The demo cohort joining, being paired and meeting, each a step of the history."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.demo.cast import DEMO_MARK, QUIET_PAIR_STUDENT
from bot.demo.history import History, Step
from bot.services.enrolment import enrol
from bot.services.invites import issue_invites
from bot.services.meetings import answer_meeting, log_meeting
from bot.services.members import Person
from bot.services.pairing import pair
from db.models import Programme, Role


class People:
    """Joining, pairing and meeting, each a step of the history."""

    def __init__(
        self,
        session: AsyncSession,
        clock: ManualClock,
        programme: Programme,
        actor: str,
        history: History,
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
