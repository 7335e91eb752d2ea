"""The people and history the data-rights tests start from, built through the real services:
a coordinator, a mentor, and Ana, a student with entries, a meeting and a chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.core.crypto import ReflectionCipher, new_key
from bot.outbox.purposes import Purpose
from bot.outbox.queue import enqueue
from bot.services import checkins
from bot.services.meetings import log_meeting
from bot.services.members import Person
from bot.services.pairing import pair
from bot.services.preferences import set_quiet_hours, set_timezone
from bot.services.relay import open_conversation, record_relay
from db.models import DeliveryStatus, Programme, Role
from tests.factories import a_member, a_programme

ANA_NAME = "Ana Zyxwardsdottir"  # a name that cannot occur anywhere by chance
ANA_TELEGRAM_ID = 777_123_456_789
SECRET_TEXT = "the night shift when I cried in the sluice room"
PROMPT_KEY = "future-can-do-now"  # theme future, competence reflective

KEY = new_key()  # what the operator would hold; the CLI tests give it to `frizon`
cipher = ReflectionCipher(KEY)


@dataclass(frozen=True)
class Cast:
    programme: Programme
    ana: int
    lars: int
    maja: int
    pair_id: int


async def an_entry(
    session: AsyncSession,
    clock: ManualClock,
    programme: Programme,
    member_id: int,
    *,
    mood: int,
    text: str | None,
    share: bool = False,
    day: int = 0,
) -> int:
    """A finished entry answering a prompt from the catalogue."""
    prompt = await enqueue(
        session,
        member_id=member_id,
        purpose=Purpose.PROMPT,
        cycle=f"{programme.id}:test-{member_id}-{day}-{mood}",
        subject_id=programme.id,
        due_at=clock.now(),
        prompt_key=PROMPT_KEY,
    )
    prompt.status = DeliveryStatus.SENT
    await session.flush()
    started = await checkins.start_checkin(
        session,
        now=clock.now(),
        member_id=member_id,
        mood=mood,
        delivery_id=prompt.id,
        theme_of=lambda key: "future",
    )
    if text:
        await checkins.add_text(
            session,
            member_id=member_id,
            message_id=1000 + day,
            text=text,
            cipher=cipher,
            now=clock.now(),
        )
    await checkins.finish(
        session, now=clock.now(), member_id=member_id, checkin_id=started.checkin_id, share=share
    )
    return started.checkin_id


async def a_cast(session: AsyncSession, clock: ManualClock) -> Cast:
    programme = await a_programme(session, clock.now())
    maja = await a_member(session, clock.now(), programme, Role.COORDINATOR, name="Maja Holm")
    lars = await a_member(session, clock.now(), programme, Role.MENTOR, name="Lars Ek")
    ana = await a_member(
        session,
        clock.now(),
        programme,
        Role.STUDENT,
        name=ANA_NAME,
        person=Person(ANA_TELEGRAM_ID, "Ana on Telegram", "en"),
    )
    paired = await pair(
        session,
        now=clock.now(),
        programme=programme,
        student_id=ana.member_id,
        mentor_id=lars.member_id,
        actor="test",
    )
    await set_timezone(session, member_id=ana.member_id, text="Europe/Helsinki")
    await set_quiet_hours(session, member_id=ana.member_id, text="22-07")
    await an_entry(session, clock, programme, ana.member_id, mood=2, text=SECRET_TEXT)
    clock.advance(timedelta(days=8))
    await an_entry(
        session, clock, programme, ana.member_id, mood=4, text="a good week", share=True, day=8
    )
    await an_entry(session, clock, programme, ana.member_id, mood=3, text=None, day=9)
    await log_meeting(
        session,
        member_id=ana.member_id,
        pair_id=paired.pair_id,
        day=clock.now().date(),
        today=clock.now().date(),
        now=clock.now(),
    )
    route = await open_conversation(session, member_id=ana.member_id, now=clock.now())
    await record_relay(
        session,
        route=route,
        origin_chat_id=ANA_TELEGRAM_ID,
        origin_message_id=55,
        target_message_id=66,
        now=clock.now(),
    )
    await session.flush()
    return Cast(programme, ana.member_id, lars.member_id, maja.member_id, paired.pair_id)
