"""SandboxState used directly, as end-to-end tests and the page do."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot

from bot.sandbox import SandboxServer, SandboxState, SandboxUser
from bot.sandbox.html import FormattedText

from .conftest import started


def bot_says(state: SandboxState, chat_id: int, text: str) -> int:
    message = state.bot_sends(chat_id, FormattedText(text))
    return int(message["message_id"])


def test_user_ids_count_up_from_100001() -> None:
    state = SandboxState()
    assert [state.add_user(name).id for name in ("A", "B")] == [100001, 100002]


def test_a_person_with_an_account_keeps_their_id_and_the_count_goes_on_above_it() -> None:
    state = SandboxState()
    cohort = state.add_user("Elin (demo)", user_id=90_001, started=True)
    first = state.add_user("Ana")

    assert (cohort.id, first.id) == (90_001, 100_001)  # not 90_002: the page's count
    with pytest.raises(ValueError, match="90001"):
        state.add_user("Someone", user_id=90_001)


def test_a_user_looks_like_a_telegram_user() -> None:
    user = SandboxState().add_user("Ana", username="ana", language_code="sv")
    assert user.to_telegram() == {
        "id": 100001,
        "is_bot": False,
        "first_name": "Ana",
        "username": "ana",
        "language_code": "sv",
    }


def test_a_user_who_blocked_the_bot_cannot_write_to_it() -> None:
    state = SandboxState()
    user = state.add_user("Ana")
    state.block(user.id)
    with pytest.raises(ValueError, match="blocked"):
        state.user_sends_text(user.id, "hi")


def test_messages_after_a_seq_are_only_the_newer_ones() -> None:
    state = SandboxState()
    user = started(state, "Ana")
    state.user_sends_text(user.id, "one")
    seen = state.messages(user.id)[-1]["seq"]
    bot_says(state, user.id, "two")
    assert [m["text"] for m in state.messages(user.id, after_seq=seen)] == ["two"]


async def test_waiting_for_messages_returns_when_one_arrives() -> None:
    state = SandboxState()
    user = started(state, "Ana")
    waiting = asyncio.create_task(state.wait_for_messages(user.id, after_seq=0, timeout=5))
    await asyncio.sleep(0)
    bot_says(state, user.id, "hello")
    assert [m["text"] for m in await asyncio.wait_for(waiting, 1)] == ["hello"]


async def test_wait_for_bot_message_returns_an_already_sent_unread_message() -> None:
    state = SandboxState()
    user = started(state, "Ana")
    bot_says(state, user.id, "welcome")
    assert (await state.wait_for_bot_message(user.id))["text"] == "welcome"


async def test_wait_for_bot_message_does_not_return_the_same_message_twice() -> None:
    state = SandboxState()
    user = started(state, "Ana")
    bot_says(state, user.id, "welcome")
    await state.wait_for_bot_message(user.id)
    with pytest.raises(TimeoutError):
        await state.wait_for_bot_message(user.id, timeout=0.01)


async def test_wait_for_bot_message_skips_past_messages_that_do_not_match() -> None:
    state = SandboxState()
    user = started(state, "Ana")
    for text in ("first", "second", "third"):
        bot_says(state, user.id, text)
    assert (await state.wait_for_bot_message(user.id, contains="sec"))["text"] == "second"
    assert (await state.wait_for_bot_message(user.id))["text"] == "third"


async def test_wait_for_bot_message_sees_an_edit_as_new(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sent = await bot.send_message(alice.id, "draft")
    await sandbox.state.wait_for_bot_message(alice.id)
    await bot.edit_message_text("final", chat_id=alice.id, message_id=sent.message_id)
    message = await sandbox.state.wait_for_bot_message(alice.id, contains="final")
    assert (message["message_id"], message["edited"]) == (sent.message_id, True)


async def test_wait_for_bot_message_ignores_the_users_own_messages() -> None:
    state = SandboxState()
    user = started(state, "Ana")
    state.user_sends_text(user.id, "hello bot")
    with pytest.raises(TimeoutError):
        await state.wait_for_bot_message(user.id, contains="hello", timeout=0.01)


async def test_a_timeout_shows_the_transcript() -> None:
    state = SandboxState()
    user = started(state, "Ana")
    state.user_sends_text(user.id, "/start")
    bot_says(state, user.id, "Welcome")
    with pytest.raises(TimeoutError) as error:
        await state.wait_for_bot_message(user.id, contains="Goodbye", timeout=0.01)
    assert "user: /start" in str(error.value)
    assert "bot: Welcome" in str(error.value)


def test_a_one_time_keyboard_disappears_after_use() -> None:
    state = SandboxState()
    user = started(state, "Ana")
    keyboard = {"keyboard": [["Yes", "No"]], "one_time_keyboard": True}
    state.bot_sends(user.id, FormattedText("Ok?"), reply_markup=keyboard)
    state.user_sends_text(user.id, "Yes")
    assert state.reply_keyboard(user.id) is None
