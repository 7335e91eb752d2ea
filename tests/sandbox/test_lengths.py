"""Lengths counted as Telegram counts them, in UTF-16 code units of the text after entity
parsing, on the user's side and the bot's; and the formatting a user's app attaches,
which a copy keeps exactly."""

from __future__ import annotations

import pytest
from telegram import Bot, MessageEntity
from telegram.error import BadRequest

from bot.sandbox import SandboxServer, SandboxState, SandboxUser

from .conftest import started

FULL = "😀" * 2048  # 2,048 characters, 4,096 UTF-16 units: Telegram's most
FORMATTING = [
    {"type": "bold", "offset": 0, "length": 2},
    {"type": "text_link", "offset": 2, "length": 4, "url": "https://example.org/"},
]


@pytest.fixture
def bob(sandbox: SandboxServer) -> SandboxUser:
    return started(sandbox.state, "Bob")


def test_a_user_may_send_4096_utf16_units_and_no_more() -> None:
    state = SandboxState()
    user = started(state, "Ana")
    state.user_sends_text(user.id, FULL)
    with pytest.raises(ValueError, match="1-4096"):
        state.user_sends_text(user.id, FULL + "!")


async def test_escaped_characters_count_once_after_parsing(bot: Bot, alice: SandboxUser) -> None:
    sent = await bot.send_message(alice.id, "&lt;" * 4096, parse_mode="HTML")
    assert sent.text == "<" * 4096
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(alice.id, "&lt;" * 4097, parse_mode="HTML")


async def test_a_full_text_cannot_take_a_header_but_its_copy_goes_whole(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, bob: SandboxUser
) -> None:
    sandbox.state.user_sends_text(alice.id, FULL)
    [update] = await bot.get_updates()
    assert update.message is not None
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(
            bob.id, f"<b>Alice</b>\n{update.message.text_html}", parse_mode="HTML"
        )
    await bot.copy_message(bob.id, alice.id, update.message.message_id)
    assert [m["text"] for m in sandbox.state.messages(bob.id)] == [FULL]


async def test_a_users_formatting_arrives_with_the_update_and_a_copy_keeps_it(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, bob: SandboxUser
) -> None:
    sandbox.state.user_sends_text(alice.id, "😀 look here", entities=FORMATTING)
    [update] = await bot.get_updates()
    assert update.message is not None
    assert update.message.entities == (
        MessageEntity("bold", 0, 2),
        MessageEntity("text_link", 2, 4, url="https://example.org/"),
    )
    await bot.copy_message(bob.id, alice.id, update.message.message_id)
    [copy] = sandbox.state.messages(bob.id)
    assert (copy["text"], copy["entities"]) == ("😀 look here", FORMATTING)


async def test_a_captions_formatting_survives_a_copy_that_keeps_the_caption(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser, bob: SandboxUser
) -> None:
    sandbox.state.user_sends_photo(alice.id, caption="😀 look here", caption_entities=FORMATTING)
    await bot.copy_message(bob.id, alice.id, 1)
    [copy] = sandbox.state.messages(bob.id)
    assert (copy["caption"], copy["entities"]) == ("😀 look here", FORMATTING)


def test_formatting_outside_the_text_is_refused() -> None:
    state = SandboxState()
    user = started(state, "Ana")
    with pytest.raises(ValueError, match="outside the text"):
        state.user_sends_text(user.id, "😀", entities=[{"type": "bold", "offset": 0, "length": 3}])
