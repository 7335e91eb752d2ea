"""Enrolment rules: invites are single-use, expire, and refuse without creating anything."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import ManualClock
from bot.domain.roster import read_roster
from bot.domain.tokens import hash_token
from bot.services.enrolment import enrol
from bot.services.errors import Refused
from bot.services.roster import import_roster
from db.models import AuditEvent, Invite, Member, Membership, Role
from tests.factories import a_person, a_programme, an_invite


async def count(session: AsyncSession, model: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_valid_invite_enrols_the_person_with_its_role(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now(), name="Clinical mentoring")
    token = await an_invite(session, clock.now(), programme, Role.MENTOR)

    enrolment = await enrol(
        session,
        now=clock.now(),
        token=token,
        person=a_person("Lars Ek", "sv-SE"),
        mentor_capacity=3,
    )

    assert enrolment.role == Role.MENTOR
    assert enrolment.programme_name == "Clinical mentoring"
    assert enrolment.locale == "sv"
    membership = await session.scalar(select(Membership))
    assert membership is not None and membership.capacity == 3


async def test_only_a_hash_of_the_token_is_stored(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    token = await an_invite(session, clock.now(), programme, Role.STUDENT)
    await session.flush()

    stored = (await session.scalars(select(Invite.token_hash))).all()

    assert stored == [hash_token(token)]
    assert token not in stored[0]


async def test_the_name_on_the_invite_becomes_the_display_name(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    token = await an_invite(session, clock.now(), programme, Role.STUDENT, name="Ana Berg")

    await enrol(session, now=clock.now(), token=token, person=a_person("ab"), mentor_capacity=3)

    assert await session.scalar(select(Member.display_name)) == "Ana Berg"


async def test_a_roster_invite_brings_its_language_and_capacity(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    roster = read_roster(b"name,role,language,capacity\nLars Ek,mentor,sv,7\n")
    (issued,) = await import_roster(
        session,
        now=clock.now(),
        programme=programme,
        rows=roster.rows,
        actor="test",
        expires_in=timedelta(days=30),
    )

    await enrol(
        session,
        now=clock.now(),
        token=issued.token,
        person=a_person("lars", "en"),
        mentor_capacity=3,
    )

    member = await session.scalar(select(Member))
    assert member is not None and (member.display_name, member.language) == ("Lars Ek", "sv")
    assert await session.scalar(select(Membership.capacity)) == 7


async def test_an_invite_works_only_once(session: AsyncSession, clock: ManualClock) -> None:
    programme = await a_programme(session, clock.now())
    token = await an_invite(session, clock.now(), programme, Role.STUDENT)
    await enrol(session, now=clock.now(), token=token, person=a_person(), mentor_capacity=3)

    with pytest.raises(Refused) as refusal:
        await enrol(session, now=clock.now(), token=token, person=a_person("Bo"), mentor_capacity=3)

    assert refusal.value.reason == "used"
    assert await count(session, Member) == 1


async def test_an_expired_invite_is_refused(session: AsyncSession, clock: ManualClock) -> None:
    programme = await a_programme(session, clock.now())
    token = await an_invite(
        session, clock.now(), programme, Role.STUDENT, expires_in=timedelta(days=1)
    )
    clock.advance(timedelta(days=1, seconds=1))

    with pytest.raises(Refused) as refusal:
        await enrol(session, now=clock.now(), token=token, person=a_person(), mentor_capacity=3)

    assert refusal.value.reason == "expired"
    assert await count(session, Member) == 0


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("x" * 32, "unknown"),
        ("short", "malformed"),
        ("a" * 65, "malformed"),
        ("abc<script>def0123456789", "malformed"),
        ("abcdefghijklmnop rstuvwxyz", "malformed"),
        ("åäöåäöåäöåäöåäöåäöåäö", "malformed"),
        ("", "malformed"),
    ],
)
async def test_a_bad_token_is_refused_and_creates_nothing(
    session: AsyncSession, clock: ManualClock, token: str, reason: str
) -> None:
    with pytest.raises(Refused) as refusal:
        await enrol(session, now=clock.now(), token=token, person=a_person(), mentor_capacity=3)

    assert refusal.value.reason == reason
    assert await count(session, Member) == 0
    assert await count(session, AuditEvent) == 0


async def test_a_second_invite_for_a_role_already_held_is_refused_and_stays_unused(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    person = a_person()
    first = await an_invite(session, clock.now(), programme, Role.STUDENT)
    second = await an_invite(session, clock.now(), programme, Role.STUDENT)
    await enrol(session, now=clock.now(), token=first, person=person, mentor_capacity=3)

    with pytest.raises(Refused) as refusal:
        await enrol(session, now=clock.now(), token=second, person=person, mentor_capacity=3)

    assert refusal.value.reason == "already_enrolled"
    unused = await session.scalar(select(Invite).where(Invite.token_hash == hash_token(second)))
    assert unused is not None and unused.used_at is None


async def test_one_person_can_hold_two_roles(session: AsyncSession, clock: ManualClock) -> None:
    programme = await a_programme(session, clock.now())
    person = a_person("Maja Holm")
    for role in (Role.COORDINATOR, Role.MENTOR):
        token = await an_invite(session, clock.now(), programme, role)
        await enrol(session, now=clock.now(), token=token, person=person, mentor_capacity=3)

    assert await count(session, Member) == 1
    assert await count(session, Membership) == 2


async def test_enrolment_is_an_audit_event(session: AsyncSession, clock: ManualClock) -> None:
    programme = await a_programme(session, clock.now())
    token = await an_invite(session, clock.now(), programme, Role.STUDENT)

    await enrol(session, now=clock.now(), token=token, person=a_person(), mentor_capacity=3)

    kinds = (await session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id))).all()
    assert kinds == ["programme_created", "invites_issued", "enrolled"]


async def test_two_people_racing_for_one_invite_cannot_both_enrol(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    async with sessionmaker() as session, session.begin():
        programme = await a_programme(session, clock.now())
        token = await an_invite(session, clock.now(), programme, Role.STUDENT)
    first_claimed = asyncio.Event()

    async def first() -> str:
        async with sessionmaker() as session, session.begin():
            await enrol(
                session, now=clock.now(), token=token, person=a_person("Ana"), mentor_capacity=3
            )
            first_claimed.set()
            await asyncio.sleep(0.3)  # keep the claim uncommitted while the second one tries
        return "enrolled"

    async def second() -> str:
        await first_claimed.wait()
        try:
            async with sessionmaker() as session, session.begin():
                await enrol(
                    session, now=clock.now(), token=token, person=a_person("Bo"), mentor_capacity=3
                )
        except Refused as refusal:
            return refusal.reason
        return "enrolled"

    assert await asyncio.gather(first(), second()) == ["enrolled", "used"]
    async with sessionmaker() as session:
        assert await count(session, Membership) == 1


async def test_opening_ones_own_used_invite_again_says_already_enrolled(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    token = await an_invite(session, clock.now(), programme, Role.STUDENT)
    ana = a_person("Ana")
    await enrol(session, now=clock.now(), token=token, person=ana, mentor_capacity=3)

    with pytest.raises(Refused) as refusal:
        await enrol(session, now=clock.now(), token=token, person=ana, mentor_capacity=3)

    assert refusal.value.reason == "already_enrolled"
