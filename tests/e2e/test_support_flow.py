""" "I need help": the support resources at once, nobody told, only an anonymous count."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from db.models import AuditEvent, Delivery, HelpUse, Role
from tests.e2e.harness import RunningBot


async def counted(bot: RunningBot) -> list[tuple[int, int]]:
    """The help counts, once the count made after the answer has been committed."""
    for _ in range(100):
        async with bot.sessionmaker() as session:
            found = await session.execute(select(HelpUse.programme_id, HelpUse.uses))
            rows = [(programme_id, uses) for programme_id, uses in found]
        if rows:
            return rows
        await asyncio.sleep(0.05)
    return []


async def test_a_student_always_has_the_help_button_and_it_answers_at_once(
    bot: RunningBot,
) -> None:
    programme = await bot.programme()
    lars = await bot.enrolled(programme, Role.MENTOR, "Lars")
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    await bot.pair(programme, ana, lars)
    keyboard = bot.sandbox.state.reply_keyboard(ana.id)
    assert keyboard is not None
    labels = [button["text"] for row in keyboard["keyboard"] for button in row]
    assert labels == ["Message my mentor", "I need help"]
    async with bot.sessionmaker() as session:
        deliveries_before = await session.scalar(select(func.count()).select_from(Delivery))
        events_before = await session.scalar(select(func.count()).select_from(AuditEvent))
    seen_by_lars = len(bot.sandbox.state.messages(lars.id))

    bot.says(ana, "I need help")
    answer = await bot.hears(ana, "call 112")
    assert "Nobody is told" in answer["text"]
    await bot.outbox_settled()

    uses = await counted(bot)
    async with bot.sessionmaker() as session:
        deliveries_after = await session.scalar(select(func.count()).select_from(Delivery))
        events_after = await session.scalar(select(func.count()).select_from(AuditEvent))
    assert uses == [(programme.id, 1)]  # a count per programme and week, no person
    assert (deliveries_after, events_after) == (deliveries_before, events_before)
    assert len(bot.sandbox.state.messages(lars.id)) == seen_by_lars  # the mentor hears nothing


async def test_help_works_in_swedish_and_for_someone_not_yet_enrolled(bot: RunningBot) -> None:
    programme = await bot.programme()
    eva = await bot.enrolled(programme, Role.STUDENT, "Eva", language_code="sv")
    stranger = bot.user("Stranger")

    bot.says(eva, "Jag behöver hjälp")
    await bot.hears(eva, "ring 112")
    bot.says(stranger, "/support")
    await bot.hears(stranger, "call 112")

    bot.says(stranger, "/help")  # handled after the stranger's /support: that one is done
    await bot.hears(stranger, "/privacy")
    assert [uses for _, uses in await counted(bot)] == [1]  # the stranger: no programme
