"""The real PTB Bot sends, edits and reads through the sandbox like through Telegram."""

from __future__ import annotations

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.sandbox import SandboxServer, SandboxUser

KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Share", callback_data="ci:share:1")],
        [InlineKeyboardButton("Guide", url="https://example.org/guide")],
    ]
)


async def test_get_me_reports_the_configured_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "frizon_sandbox_bot")


async def test_html_message_with_keyboard_is_recorded_in_the_chat(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    await bot.send_message(
        alice.id, "<b>Hello</b> &amp; welcome", parse_mode=ParseMode.HTML, reply_markup=KEYBOARD
    )
    [message] = sandbox.state.messages(alice.id)
    assert message["sender"] == "bot"
    assert message["text"] == "Hello & welcome"
    assert message["html"] == "<b>Hello</b> &amp; welcome"
    assert message["reply_markup"] == KEYBOARD.to_dict()


async def test_sent_message_comes_back_as_a_complete_ptb_message(
    bot: Bot, alice: SandboxUser
) -> None:
    sent = await bot.send_message(alice.id, "<i>hi</i>", parse_mode="HTML", reply_markup=KEYBOARD)
    assert sent.chat.id == alice.id
    assert sent.from_user is not None and sent.from_user.is_bot
    assert sent.text == "hi"
    assert sent.entities[0].type == "italic"
    assert sent.reply_markup == KEYBOARD


async def test_reply_parameters_attach_the_original_message(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sandbox.state.user_sends_text(alice.id, "question")
    sent = await bot.send_message(alice.id, "answer", reply_parameters=ReplyParameters(1))
    assert sent.reply_to_message is not None
    assert sent.reply_to_message.text == "question"


async def test_replying_to_a_missing_message_is_a_bad_request(bot: Bot, alice: SandboxUser) -> None:
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(alice.id, "answer", reply_parameters=ReplyParameters(99))


async def test_edit_message_text_changes_the_text_and_marks_it_edited(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sent = await bot.send_message(alice.id, "draft")
    edited = await bot.edit_message_text("final", chat_id=alice.id, message_id=sent.message_id)
    assert not isinstance(edited, bool) and edited.edit_date is not None
    [message] = sandbox.state.messages(alice.id)
    assert (message["text"], message["edited"]) == ("final", True)


async def test_editing_text_without_markup_removes_the_inline_keyboard(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sent = await bot.send_message(alice.id, "pick", reply_markup=KEYBOARD)
    await bot.edit_message_text("picked", chat_id=alice.id, message_id=sent.message_id)
    assert sandbox.state.messages(alice.id)[0]["reply_markup"] is None


async def test_edit_reply_markup_replaces_the_keyboard(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sent = await bot.send_message(alice.id, "pick", reply_markup=KEYBOARD)
    smaller = InlineKeyboardMarkup([[InlineKeyboardButton("Done", callback_data="done")]])
    await bot.edit_message_reply_markup(alice.id, sent.message_id, reply_markup=smaller)
    assert sandbox.state.messages(alice.id)[0]["reply_markup"] == smaller.to_dict()


async def test_an_edit_moves_the_message_past_earlier_poll_positions(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sent = await bot.send_message(alice.id, "draft")
    seen = sandbox.state.messages(alice.id)[-1]["seq"]
    await bot.edit_message_text("final", chat_id=alice.id, message_id=sent.message_id)
    assert [m["text"] for m in sandbox.state.messages(alice.id, after_seq=seen)] == ["final"]


async def test_identical_text_edit_is_not_modified(bot: Bot, alice: SandboxUser) -> None:
    sent = await bot.send_message(alice.id, "<b>same</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<strong>same</strong>", chat_id=alice.id, message_id=sent.message_id, parse_mode="HTML"
        )


async def test_identical_markup_edit_is_not_modified(bot: Bot, alice: SandboxUser) -> None:
    sent = await bot.send_message(alice.id, "pick", reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(alice.id, sent.message_id, reply_markup=KEYBOARD)


async def test_editing_a_missing_message_is_a_bad_request(bot: Bot, alice: SandboxUser) -> None:
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=alice.id, message_id=42)


async def test_the_bot_cannot_edit_a_users_message(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    sandbox.state.user_sends_text(alice.id, "mine")
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("yours", chat_id=alice.id, message_id=1)


async def test_a_reply_keyboard_becomes_the_chats_current_keyboard(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    await bot.send_message(alice.id, "mood?", reply_markup=ReplyKeyboardMarkup([["1", "2"]]))
    assert sandbox.state.reply_keyboard(alice.id) is not None
    await bot.send_message(alice.id, "thanks", reply_markup=ReplyKeyboardRemove())
    assert sandbox.state.reply_keyboard(alice.id) is None


async def test_chat_action_and_menu_button_are_accepted(bot: Bot, alice: SandboxUser) -> None:
    assert await bot.send_chat_action(alice.id, "typing")
    assert await bot.set_chat_menu_button()
