"""The sender's ledger on a real database: a claim is what a crash leaves behind, and
recovery turns it into one more send, never a third."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import ManualClock
from bot.outbox.keys.digests import digest_key
from bot.outbox.ledger import IN_DOUBT, Ledger, Outcome
from bot.outbox.purposes import Purpose
from bot.outbox.queue import enqueue
from db.models import Delivery, DeliveryStatus, Role
from tests.factories import a_member, a_programme


async def a_delivery(sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock) -> int:
    async with sessionmaker() as session, session.begin():
        programme = await a_programme(session, clock.now())
        member = await a_member(session, clock.now(), programme, Role.STUDENT)
        delivery = await enqueue(
            session,
            member_id=member.member_id,
            purpose=Purpose.DIGEST,
            cycle=digest_key(2026, 49),
            due_at=clock.now(),
            subject_id=1,
        )
        await session.flush()
        return delivery.id


async def row(sessionmaker: async_sessionmaker[AsyncSession], delivery_id: int) -> Delivery:
    async with sessionmaker() as session:
        return await session.get_one(Delivery, delivery_id)


async def test_a_claim_is_committed_before_the_send_and_released_by_its_outcome(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    delivery_id = await a_delivery(sessionmaker, clock)
    ledger = Ledger(sessionmaker, clock)

    assert await ledger.claim(delivery_id)
    claimed = await row(sessionmaker, delivery_id)
    await ledger.settle_send(
        Outcome(delivery_id, DeliveryStatus.SENT, None, 1, parts_sent=1), reached=True
    )
    settled = await row(sessionmaker, delivery_id)

    assert claimed.claimed_at == clock.now() and claimed.status == DeliveryStatus.PENDING
    assert settled.claimed_at is None and settled.status == DeliveryStatus.SENT
    assert settled.parts_sent == 1 and settled.finished_at == clock.now()


async def test_a_claimed_delivery_cannot_be_claimed_again(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    delivery_id = await a_delivery(sessionmaker, clock)
    first, second = Ledger(sessionmaker, clock), Ledger(sessionmaker, clock)

    assert await first.claim(delivery_id)
    assert not await second.claim(delivery_id)


async def test_a_cancelled_delivery_cannot_be_claimed(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    delivery_id = await a_delivery(sessionmaker, clock)
    async with sessionmaker() as session, session.begin():
        (await session.get_one(Delivery, delivery_id)).status = DeliveryStatus.SKIPPED

    assert not await Ledger(sessionmaker, clock).claim(delivery_id)


async def test_many_claims_at_once_are_each_answered(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    ids = [await a_delivery(sessionmaker, clock) for _ in range(12)]
    ledger = Ledger(sessionmaker, clock)

    # The same delivery twice in one group commit: only one of the two gets it.
    results = await asyncio.gather(*(ledger.claim(i) for i in [*ids, ids[0]]))

    assert results[:-1] == [True] * 12 and results[-1] is False


async def test_a_part_in_flight_at_a_crash_is_sent_once_more(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    delivery_id = await a_delivery(sessionmaker, clock)
    assert await Ledger(sessionmaker, clock).claim(delivery_id)  # then the process dies

    again, given_up = await Ledger(sessionmaker, clock).recover()
    recovered = await row(sessionmaker, delivery_id)

    assert (again, given_up) == (1, 0)
    assert recovered.status == DeliveryStatus.PENDING and recovered.claimed_at is None
    assert recovered.interruptions == 1
    assert await Ledger(sessionmaker, clock).claim(delivery_id)


async def test_a_part_interrupted_twice_is_not_sent_a_third_time(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    delivery_id = await a_delivery(sessionmaker, clock)
    for _ in range(2):
        assert await Ledger(sessionmaker, clock).claim(delivery_id)  # and a crash
        await Ledger(sessionmaker, clock).recover()

    given_up = await row(sessionmaker, delivery_id)

    assert given_up.status == DeliveryStatus.FAILED and given_up.reason == IN_DOUBT
    assert not await Ledger(sessionmaker, clock).claim(delivery_id)


async def test_a_part_that_reached_telegram_ends_the_doubt_for_the_next_part(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    delivery_id = await a_delivery(sessionmaker, clock)
    ledger = Ledger(sessionmaker, clock)
    assert await ledger.claim(delivery_id)
    await Ledger(sessionmaker, clock).recover()  # part 1 interrupted once
    assert await ledger.claim(delivery_id)
    await ledger.settle_send(
        Outcome(delivery_id, DeliveryStatus.PENDING, None, 0, parts_sent=1), reached=True
    )
    assert await ledger.claim(delivery_id)  # part 2, and a crash
    await Ledger(sessionmaker, clock).recover()

    recovered = await row(sessionmaker, delivery_id)

    assert recovered.status == DeliveryStatus.PENDING
    assert (recovered.parts_sent, recovered.interruptions) == (1, 1)


async def test_a_decision_never_revives_a_delivery_cancelled_meanwhile(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    delivery_id = await a_delivery(sessionmaker, clock)
    async with sessionmaker() as session, session.begin():
        (await session.get_one(Delivery, delivery_id)).status = DeliveryStatus.SKIPPED

    await Ledger(sessionmaker, clock).settle_decision(
        Outcome(delivery_id, DeliveryStatus.PENDING, None, 0, next_attempt_at=clock.now())
    )

    assert (await row(sessionmaker, delivery_id)).status == DeliveryStatus.SKIPPED


async def test_with_a_lease_a_young_claim_is_left_to_the_sender_that_may_still_hold_it(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    lease = timedelta(seconds=60)
    delivery_id = await a_delivery(sessionmaker, clock)
    assert await Ledger(sessionmaker, clock).claim(delivery_id)  # a leader that lost its lock

    clock.advance(timedelta(seconds=59))
    young = await Ledger(sessionmaker, clock).recover(lease=lease)
    still = await row(sessionmaker, delivery_id)
    clock.advance(timedelta(seconds=2))
    old = await Ledger(sessionmaker, clock).recover(lease=lease)
    recovered = await row(sessionmaker, delivery_id)

    assert young == (0, 0) and still.claimed_at is not None
    assert old == (1, 0) and recovered.claimed_at is None and recovered.interruptions == 1
