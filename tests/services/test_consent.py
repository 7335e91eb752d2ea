"""Research consent: off until a student opts in; every change is audited, nothing else."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.services.audit import member_actor
from bot.services.consent import consent_states, set_consent
from bot.services.errors import Refused
from db.models import AuditEvent, Role
from tests.factories import a_member, a_programme


async def test_a_student_starts_opted_out(session: AsyncSession, clock: ManualClock) -> None:
    programme = await a_programme(session, clock.now())
    ana = await a_member(session, clock.now(), programme, Role.STUDENT)

    [state] = await consent_states(session, member_id=ana.member_id)

    assert (state.programme_name, state.consenting, state.changed_at) == (
        programme.name,
        False,
        None,
    )


async def test_opting_in_and_out_is_recorded_and_audited(
    session: AsyncSession, clock: ManualClock
) -> None:
    programme = await a_programme(session, clock.now())
    ana = await a_member(session, clock.now(), programme, Role.STUDENT)
    actor = member_actor(ana.member_id)

    opted_in = await set_consent(
        session,
        now=clock.now(),
        member_id=ana.member_id,
        programme_id=programme.id,
        consenting=True,
        actor=actor,
    )
    again = await set_consent(
        session,
        now=clock.now(),
        member_id=ana.member_id,
        programme_id=programme.id,
        consenting=True,
        actor=actor,
    )
    opted_out = await set_consent(
        session,
        now=clock.now(),
        member_id=ana.member_id,
        programme_id=programme.id,
        consenting=False,
        actor=actor,
    )

    assert (opted_in.consenting, again.consenting, opted_out.consenting) == (True, True, False)
    assert opted_out.changed_at == clock.now()
    events = (
        await session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "research_consent").order_by(AuditEvent.id)
        )
    ).all()
    assert [e.details for e in events] == [  # choosing the same again is no change
        {"member_id": ana.member_id, "consenting": True},
        {"member_id": ana.member_id, "consenting": False},
    ]
    assert {e.actor for e in events} == {actor}


async def test_only_students_choose(session: AsyncSession, clock: ManualClock) -> None:
    programme = await a_programme(session, clock.now())
    lars = await a_member(session, clock.now(), programme, Role.MENTOR, name="Lars Ek")

    with pytest.raises(Refused) as refusal:
        await set_consent(
            session,
            now=clock.now(),
            member_id=lars.member_id,
            programme_id=programme.id,
            consenting=True,
            actor="test",
        )

    assert refusal.value.reason == "not_student"
    assert await consent_states(session, member_id=lars.member_id) == []
