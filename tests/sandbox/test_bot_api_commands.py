"""setMyCommands per scope and language, resolved like a Telegram client does."""

from __future__ import annotations

import pytest
from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import BadRequest

from bot.sandbox import SandboxServer, SandboxUser

from .conftest import started

HELP = [BotCommand("help", "How this works")]
STATS = [BotCommand("stats", "Programme statistics")]
HJALP = [BotCommand("hjalp", "Hur det fungerar")]


async def test_get_my_commands_returns_what_was_set_for_that_scope(bot: Bot) -> None:
    await bot.set_my_commands(HELP, scope=BotCommandScopeAllPrivateChats())
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == tuple(HELP)
    assert await bot.get_my_commands() == ()


async def test_a_chat_scope_wins_over_the_default(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    await bot.set_my_commands(HELP)
    await bot.set_my_commands(STATS, scope=BotCommandScopeChat(alice.id))
    assert sandbox.state.commands_for(alice.id) == [STATS[0].to_dict()]


async def test_all_private_chats_wins_over_the_default(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    await bot.set_my_commands(STATS)
    await bot.set_my_commands(HELP, scope=BotCommandScopeAllPrivateChats())
    assert sandbox.state.commands_for(alice.id) == [HELP[0].to_dict()]


async def test_the_users_language_wins_within_a_scope(bot: Bot, sandbox: SandboxServer) -> None:
    sven = started(sandbox.state, "Sven", language_code="sv")
    await bot.set_my_commands(HELP)
    await bot.set_my_commands(HJALP, language_code="sv")
    assert sandbox.state.commands_for(sven.id) == [HJALP[0].to_dict()]


async def test_deleting_a_chat_scope_falls_back_to_the_default(
    bot: Bot, sandbox: SandboxServer, alice: SandboxUser
) -> None:
    await bot.set_my_commands(HELP)
    await bot.set_my_commands(STATS, scope=BotCommandScopeChat(alice.id))
    await bot.delete_my_commands(scope=BotCommandScopeChat(alice.id))
    assert sandbox.state.commands_for(alice.id) == [HELP[0].to_dict()]


async def test_a_chat_scope_for_an_unknown_chat_is_not_found(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.set_my_commands(HELP, scope=BotCommandScopeChat(4242))


async def test_an_invalid_command_name_is_a_bad_request(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("no spaces", "x")])
