"""Replies count into the token's send budget as they are made, so the outbox makes room
for them: every send and edit Telegram counts against its limits, and nothing else."""

from __future__ import annotations

from db.models import Role
from tests.e2e.harness import RunningBot


async def test_every_reply_that_carries_a_message_is_counted_into_the_budget(
    bot: RunningBot,
) -> None:
    programme = await bot.programme()
    ana = await bot.enrolled(programme, Role.STUDENT, "Ana")
    await bot.outbox_settled()
    budget = bot.application.bot_data.budget
    before, counted_before = budget.replies, bot.sandbox.state.limited_calls

    bot.says(ana, "/checkin")
    moods = await bot.hears(ana)
    await bot.presses(ana, moods, moods["reply_markup"]["inline_keyboard"][0][0]["text"])
    bot.says(ana, "/help")
    await bot.hears(ana, "/privacy")

    # The moods, what the press changed (its answerCallbackQuery is not counted), /help.
    made = bot.sandbox.state.limited_calls - counted_before
    assert made >= 3
    assert budget.replies - before == made
