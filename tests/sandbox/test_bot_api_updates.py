"""getUpdates through the real PTB Bot: shapes, offsets, long polling, buttons, blocking."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity
from telegram.error import BadRequest, Conflict

from bot.sandbox import SandboxServer, SandboxUser

from .conftest import TOKEN

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("4", callback_data="ci:mood:4")]])


async def test_user_text_arrives_as_a_ptb_update_with_a_command_entity(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sandbox.state.user_sends_text(alice.id, "/start abc123")
    [update] = await bot.get_updates()
    message = update.message
    assert message is not None and message.from_user is not None
    assert (message.chat.id, message.chat.type, message.from_user.id) == (
        alice.id,
        "private",
        alice.id,
    )
    assert message.text == "/start abc123"
    assert message.parse_entities([MessageEntity.BOT_COMMAND]) == {
        MessageEntity(MessageEntity.BOT_COMMAND, 0, 6): "/start"
    }


async def test_plain_text_has_no_entities(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sandbox.state.user_sends_text(alice.id, "just words /not a command")
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.entities == ()


async def test_a_users_reply_carries_the_replied_message(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sent = await bot.send_message(alice.id, "How was the week?")
    sandbox.state.user_sends_text(alice.id, "Fine", reply_to_message_id=sent.message_id)
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.reply_to_message is not None
    assert update.message.reply_to_message.text == "How was the week?"


async def test_update_ids_increase(bot: Bot, sandbox: SandboxServer, alice: SandboxUser) -> None:
    sandbox.state.user_sends_text(alice.id, "one")
    sandbox.state.user_sends_text(alice.id, "two")
    first, second = await bot.get_updates()
    assert second.update_id == first.update_id + 1


async def test_an_offset_confirms_and_drops_earlier_updates(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sandbox.state.user_sends_text(alice.id, "one")
    sandbox.state.user_sends_text(alice.id, "two")
    first, _ = await bot.get_updates()
    remaining = await bot.get_updates(offset=first.update_id + 1)
    again = await bot.get_updates()
    assert [u.message.text for u in remaining if u.message] == ["two"]
    assert [u.message.text for u in again if u.message] == ["two"]


async def test_unconfirmed_updates_are_delivered_again(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sandbox.state.user_sends_text(alice.id, "one")
    first = await bot.get_updates()
    second = await bot.get_updates()
    assert [u.update_id for u in first] == [u.update_id for u in second]


async def test_limit_caps_the_number_of_updates(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    for text in ("one", "two", "three"):
        sandbox.state.user_sends_text(alice.id, text)
    assert len(await bot.get_updates(limit=2)) == 2


async def test_long_polling_returns_as_soon_as_a_message_arrives(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.05)  # let the poll reach the server and start waiting
    sandbox.state.user_sends_text(alice.id, "hello")
    updates = await asyncio.wait_for(poll, 5)
    assert [u.message.text for u in updates if u.message] == ["hello"]
    assert time.monotonic() - started < 2


async def test_a_poll_with_no_updates_and_no_timeout_returns_empty(bot: Bot) -> None:
    assert await bot.get_updates(timeout=0) == ()


async def test_pressing_a_button_queues_a_callback_query_update(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sent = await bot.send_message(alice.id, "Mood?", reply_markup=KEYBOARD)
    query_id = sandbox.state.user_presses_button(alice.id, sent.message_id, "ci:mood:4")
    [update] = await bot.get_updates()
    query = update.callback_query
    assert query is not None and query.message is not None
    assert (query.id, query.data, query.from_user.id) == (query_id, "ci:mood:4", alice.id)
    assert query.message.message_id == sent.message_id


def test_pressing_a_button_that_is_not_there_is_refused(
    sandbox: SandboxServer, alice: SandboxUser
) -> None:
    with pytest.raises(ValueError, match="no bot message"):
        sandbox.state.user_presses_button(alice.id, 1, "ci:mood:4")


async def test_answering_a_callback_query_records_the_toast(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sent = await bot.send_message(alice.id, "Mood?", reply_markup=KEYBOARD)
    query_id = sandbox.state.user_presses_button(alice.id, sent.message_id, "ci:mood:4")
    await bot.answer_callback_query(query_id, text="Saved", show_alert=True)
    answer = sandbox.state.callback_answer(query_id)
    assert answer == {"text": "Saved", "show_alert": True, "url": None}


async def test_answering_an_unknown_callback_query_is_a_bad_request(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("12345")


async def test_blocking_tells_the_bot_it_was_kicked(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sandbox.state.block(alice.id)
    [update] = await bot.get_updates()
    member = update.my_chat_member
    assert member is not None
    assert (member.old_chat_member.status, member.new_chat_member.status) == ("member", "kicked")


async def test_unblocking_tells_the_bot_it_is_a_member_again(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sandbox.state.block(alice.id)
    sandbox.state.unblock(alice.id)
    updates = await bot.get_updates()
    member = updates[-1].my_chat_member
    assert member is not None and member.new_chat_member.status == "member"


async def test_allowed_updates_filter_later_updates(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])
    sandbox.state.user_sends_text(alice.id, "ignored")
    assert await bot.get_updates() == ()


async def test_deleting_the_webhook_can_drop_pending_updates(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sandbox.state.user_sends_text(alice.id, "stale")
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()


async def test_a_newer_poll_ends_an_older_one_with_a_conflict(
    bot: Bot, sandbox: SandboxServer
) -> None:
    older = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.05)  # let the first poll start waiting
    # A second bot instance (PTB's polling connection pool holds one request).
    async with Bot(TOKEN, base_url=sandbox.bot_api_base_url) as second_instance:
        await second_instance.get_updates(timeout=0)
    with pytest.raises(Conflict):
        await asyncio.wait_for(older, 2)
