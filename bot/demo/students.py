"""How the demo students write: answering their prompts, and now and then unprompted."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.core.crypto import ReflectionCipher
from bot.demo.acts import write_entry
from bot.demo.cast import ENTRY_TEXTS
from bot.demo.history import History, Step
from bot.demo.people import People
from bot.outbox.purposes import Purpose
from db.models import Delivery, DeliveryStatus


class Students:
    """How each student writes: how often they answer, their usual mood, how often they
    share; drawn once from the seeded random."""

    def __init__(
        self,
        people: People,
        telegram_ids: tuple[int, ...],
        cipher: ReflectionCipher,
        rng: random.Random,
    ) -> None:
        self.people, self.cipher, self.rng = people, cipher, rng
        self.keen = {t: rng.uniform(0.45, 0.95) for t in telegram_ids}
        self.mood = {t: rng.choice((2, 3, 3, 4, 4, 4, 5)) for t in telegram_ids}
        self.shares = {t: rng.uniform(0.1, 0.7) for t in telegram_ids}

    async def answer_prompts(self, history: History) -> None:
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

    def write_unprompted(self, history: History, monday: datetime, exams: bool) -> None:
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
