"""The outbox sender against the sandbox: blocked members, 429s, network errors, bad rows."""

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.core.clock import ManualClock
from bot.core.crypto import ReflectionCipher, new_key
from bot.domain.catalogue import Catalogue
from bot.outbox.keys.pairs import pair_key
from bot.outbox.purposes import Purpose
from bot.outbox.queue import enqueue
from bot.sending.sender import MAX_ATTEMPTS, OutboxSender
from bot.services.pairing import pair
from bot.texts.templates import Texts
from db.models import Delivery, DeliveryStatus, Member, MemberStatus, Programme, Role
from tests.e2e.harness import RunningBot
from tests.factories import a_member, a_programme


async def deliveries(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, Delivery]:
    async with sessionmaker() as session:
        rows = (await session.scalars(select(Delivery))).all()
        names = {m.id: m.display_name for m in (await session.scalars(select(Member))).all()}
    return {names[d.member_id]: d for d in rows}


async def member(sessionmaker: async_sessionmaker[AsyncSession], name: str) -> Member:
    async with sessionmaker() as session:
        found = await session.scalar(select(Member).where(Member.display_name == name))
    assert found is not None
    return found


async def pair_by_names(bot: RunningBot, student: str, mentor: str) -> None:
    async with bot.sessionmaker() as session, session.begin():
        ids = {m.display_name: m.id for m in (await session.scalars(select(Member))).all()}
        programme = await session.scalar(select(Programme))
        assert programme is not None
        await pair(
            session,
            now=bot.clock.now(),
            programme=programme,
            student_id=ids[student],
            mentor_id=ids[mentor],
            actor="test",
        )
    bot.application.bot_data.services.wake_sender()


async def test_a_member_who_blocked_the_bot_is_marked_and_the_reason_recorded(
    bot: RunningBot,
) -> None:
    programme = await bot.programme()
    lars = await bot.enrolled(programme, Role.MENTOR, "Lars")
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    bot.sandbox.state.block(lars.id)

    await pair_by_names(bot, "Ana", "Lars")

    await bot.hears(ana, "You have a mentor")
    await bot.outbox_settled()
    outcome = await deliveries(bot.sessionmaker)
    assert (outcome["Lars"].status, outcome["Lars"].reason) == (DeliveryStatus.FAILED, "blocked")
    assert outcome["Ana"].status == DeliveryStatus.SENT
    assert (await member(bot.sessionmaker, "Lars")).status == MemberStatus.BLOCKED


async def test_a_member_who_unblocks_the_bot_is_reachable_again(bot: RunningBot) -> None:
    programme = await bot.programme()
    lars = await bot.enrolled(programme, Role.MENTOR, "Lars")
    bot.sandbox.state.block(lars.id)
    # Telegram tells the bot with my_chat_member; in webhook mode other chats' updates
    # may overtake it, so wait for the bot to have handled it.
    async with asyncio.timeout(10):
        while (await member(bot.sessionmaker, "Lars")).status != MemberStatus.BLOCKED:  # noqa: ASYNC110 - the table is the truth
            await asyncio.sleep(0.02)

    bot.sandbox.state.unblock(lars.id)
    bot.says(lars, "/help")
    await bot.hears(lars, "/privacy")

    assert (await member(bot.sessionmaker, "Lars")).status == MemberStatus.ACTIVE


async def sender_against(
    url: str, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> tuple[OutboxSender, Bot]:
    bot = Bot("1:unreachable", base_url=url)
    sender = OutboxSender(
        sessionmaker=sessionmaker,
        bot=bot,
        texts=Texts(),
        clock=clock,
        cipher=ReflectionCipher(new_key()),
        catalogue=Catalogue.load(),
    )
    return sender, bot


async def test_a_network_error_backs_off_and_gives_up_after_a_bound(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    async with sessionmaker() as session, session.begin():
        programme = await a_programme(session, clock.now())
        ana = await a_member(session, clock.now(), programme, Role.STUDENT, name="Ana")
        lars = await a_member(session, clock.now(), programme, Role.MENTOR, name="Lars")
        await pair(
            session,
            now=clock.now(),
            programme=programme,
            student_id=ana.member_id,
            mentor_id=lars.member_id,
            actor="test",
        )
    # The discard port refuses connections: every send is a NetworkError.
    sender, _ = await sender_against("http://127.0.0.1:9/bot", sessionmaker, clock)

    assert await sender.drain() == 0
    first = await deliveries(sessionmaker)
    assert first["Ana"].status == DeliveryStatus.PENDING and first["Ana"].attempts == 1
    assert first["Ana"].next_attempt_at == clock.now() + timedelta(seconds=5)
    assert await sender.drain() == 0  # not due again yet: nothing is tried
    assert (await deliveries(sessionmaker))["Ana"].attempts == 1

    for _ in range(MAX_ATTEMPTS):
        clock.advance(timedelta(hours=1))
        await sender.drain()

    final = await deliveries(sessionmaker)
    assert final["Ana"].status == DeliveryStatus.FAILED
    assert final["Ana"].attempts == MAX_ATTEMPTS
    assert (final["Ana"].reason or "").startswith("gave up:")


async def test_one_bad_delivery_does_not_hold_up_the_others(bot: RunningBot) -> None:
    programme = await bot.programme()
    await bot.enrolled(programme, Role.MENTOR, "Lars")
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    async with bot.sessionmaker() as session, session.begin():
        lars = await session.scalar(select(Member).where(Member.display_name == "Lars"))
        assert lars is not None
        # An introduction about a pair that does not exist cannot be composed.
        await enqueue(
            session,
            member_id=lars.id,
            purpose=Purpose.INTRO,
            cycle=pair_key(999),
            subject_id=999,
            due_at=bot.clock.now() - timedelta(minutes=1),
        )
    await pair_by_names(bot, "Ana", "Lars")

    await bot.hears(ana, "You have a mentor")
    await bot.outbox_settled()

    async with bot.sessionmaker() as session:
        broken = await session.scalar(select(Delivery).where(Delivery.cycle == "pair:999"))
    assert broken is not None and broken.status == DeliveryStatus.FAILED
    assert (broken.reason or "").startswith("error:")


async def test_a_notice_waits_for_the_end_of_the_recipients_quiet_hours(bot: RunningBot) -> None:
    programme = await bot.programme()  # Stockholm; the clock says 10:00 there
    lars = await bot.enrolled(programme, Role.MENTOR, "Lars")
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    async with bot.sessionmaker() as session, session.begin():
        mentor = await session.scalar(select(Member).where(Member.display_name == "Lars"))
        assert mentor is not None
        mentor.quiet_hours = "09-12"
    seen_by_lars = len(bot.sandbox.state.messages(lars.id))

    await pair_by_names(bot, "Ana", "Lars")
    await bot.hears(ana, "You have a mentor")  # Ana has no quiet hours
    await bot.outbox_settled()
    held = (await deliveries(bot.sessionmaker))["Lars"]
    noon = datetime(2026, 9, 7, 12, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
    assert (held.status, held.next_attempt_at) == (DeliveryStatus.PENDING, noon)
    assert len(bot.sandbox.state.messages(lars.id)) == seen_by_lars  # nothing new yet

    bot.clock.set(noon)
    bot.application.bot_data.services.wake_sender()
    await bot.hears(lars, "Ana")
