"""A press whose acknowledgement fails (Telegram answers answerCallbackQuery with a 502, or
the connection drops) is carried out at once: the acknowledgement only stops the
client's spinner, which stops by itself, so it is not worth handling the press again —
a re-delivery that, by long polling, holds up every chat for two seconds."""

from __future__ import annotations

import pytest

from bot.sandbox.faults import FaultKind
from tests.e2e.harness import RunningBot


@pytest.mark.parametrize("kind", ["server_error", "reset"])
async def test_a_press_whose_acknowledgement_failed_is_carried_out_at_once(
    bot: RunningBot, kind: FaultKind
) -> None:
    _, ana, _ = await bot.ana_and_lars()
    bot.says(ana, "/checkin")
    question = await bot.hears(ana, "How are you doing")
    mood = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    bot.sandbox.state.faults.inject("answerCallbackQuery", kind)

    query = bot.sandbox.state.user_presses_button(ana.id, question["message_id"], mood)

    await bot.hears(ana, "write a few lines")
    assert bot.sandbox.state.faults.unfired() == 0
    # Handled once: a second handling would have acknowledged the press before answering.
    assert bot.sandbox.state.callback_answer(query) is None
