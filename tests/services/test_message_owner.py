"""Who owns a message that is not a command: each owner, in the router's order."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.services import checkins
from bot.services.message_owner import (
    CheckinWords,
    Content,
    ForPartner,
    Incoming,
    Menu,
    MenuChoice,
    PartnerRefused,
    RosterUpload,
    Stranger,
    Stray,
    classify,
)
from bot.services.pairing import pair
from bot.services.relay import open_conversation
from db.models import Member, RelayConversation, Role
from tests.factories import a_member, a_programme

IDLE = timedelta(minutes=30)


async def _people(session: AsyncSession, clock: ManualClock) -> tuple[Member, Member, Member]:
    """A paired student and mentor, and a coordinator of the same programme."""
    programme = await a_programme(session, clock.now())
    student = await a_member(session, clock.now(), programme, Role.STUDENT, name="Ana Berg")
    mentor = await a_member(session, clock.now(), programme, Role.MENTOR, name="Lars Ek")
    coordinator = await a_member(session, clock.now(), programme, Role.COORDINATOR, name="Eva Holm")
    await pair(
        session,
        now=clock.now(),
        programme=programme,
        student_id=student.member_id,
        mentor_id=mentor.member_id,
        actor="test",
    )
    return (
        await session.get_one(Member, student.member_id),
        await session.get_one(Member, mentor.member_id),
        await session.get_one(Member, coordinator.member_id),
    )


def _text_from(member: Member, content: Content = Content.TEXT) -> Incoming:
    return Incoming(
        telegram_user_id=member.telegram_user_id,
        chat_id=member.telegram_user_id,
        message_id=100,
        reply_to_message_id=None,
        content=content,
    )


async def test_someone_the_bot_does_not_know_is_a_stranger(
    session: AsyncSession, clock: ManualClock
) -> None:
    student, _, _ = await _people(session, clock)
    incoming = replace(_text_from(student), telegram_user_id=student.telegram_user_id + 999)

    assert await classify(session, incoming, now=clock.now(), idle=IDLE) == Stranger()


async def test_a_menu_button_is_the_menus_even_with_a_conversation_open(
    session: AsyncSession, clock: ManualClock
) -> None:
    student, _, _ = await _people(session, clock)
    await open_conversation(session, member_id=student.id, now=clock.now())
    incoming = replace(_text_from(student), menu=Menu.SUPPORT)

    owner = await classify(session, incoming, now=clock.now(), idle=IDLE)

    assert isinstance(owner, MenuChoice)
    assert owner.menu is Menu.SUPPORT


async def test_an_open_conversation_takes_text_and_files_alike(
    session: AsyncSession, clock: ManualClock
) -> None:
    student, mentor, _ = await _people(session, clock)
    await open_conversation(session, member_id=student.id, now=clock.now())

    for content in Content:
        owner = await classify(session, _text_from(student, content), now=clock.now(), idle=IDLE)
        assert isinstance(owner, ForPartner)
        assert owner.route.partner_id == mentor.id
        assert not owner.relayed_before


async def test_a_conversation_quiet_too_long_is_refused_once_then_closed(
    session: AsyncSession, clock: ManualClock
) -> None:
    student, _, _ = await _people(session, clock)
    await open_conversation(session, member_id=student.id, now=clock.now())
    clock.advance(IDLE + timedelta(minutes=1))

    first = await classify(session, _text_from(student), now=clock.now(), idle=IDLE)
    second = await classify(session, _text_from(student), now=clock.now(), idle=IDLE)

    assert isinstance(first, PartnerRefused)
    assert first.refusal.reason == "conversation_ended"
    assert await session.get(RelayConversation, student.id) is None
    assert second == Stray(first.member, entry_open=False)


async def test_a_roster_file_is_the_coordinators_unless_it_is_for_a_partner(
    session: AsyncSession, clock: ManualClock
) -> None:
    student, _, coordinator = await _people(session, clock)

    from_coordinator = await classify(
        session, _text_from(coordinator, Content.ROSTER_FILE), now=clock.now(), idle=IDLE
    )
    from_student = await classify(
        session, _text_from(student, Content.ROSTER_FILE), now=clock.now(), idle=IDLE
    )
    await open_conversation(session, member_id=student.id, now=clock.now())
    to_partner = await classify(
        session, _text_from(student, Content.ROSTER_FILE), now=clock.now(), idle=IDLE
    )

    assert isinstance(from_coordinator, RosterUpload)
    assert isinstance(from_student, Stray)
    assert isinstance(to_partner, ForPartner)


async def test_words_go_to_an_open_entry_and_other_things_are_explained(
    session: AsyncSession, clock: ManualClock
) -> None:
    student, _, _ = await _people(session, clock)
    before = await classify(session, _text_from(student), now=clock.now(), idle=IDLE)
    await checkins.start_checkin(
        session, now=clock.now(), member_id=student.id, mood=3, delivery_id=None
    )

    words = await classify(session, _text_from(student), now=clock.now(), idle=IDLE)
    sticker = await classify(
        session, _text_from(student, Content.OTHER), now=clock.now(), idle=IDLE
    )

    assert isinstance(before, Stray) and not before.entry_open
    assert isinstance(words, CheckinWords)
    assert isinstance(sticker, Stray) and sticker.entry_open
