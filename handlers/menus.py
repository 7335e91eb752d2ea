"""The command menu Telegram shows, per role: students and mentors never see /pair."""

from __future__ import annotations

from typing import Any

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.ext import ExtBot

from bot.services.members import MemberView
from bot.texts.templates import LOCALES, Texts
from db.models import Role

EVERYONE = ("start", "help", "privacy")
MEMBERS = ("timezone", "quiet", "pause", "resume")
STUDENTS = (
    "checkin",
    "history",
    "mentor",
    "done",
    "met",
    "meetings",
    "support",
    "endpair",
    "consent",
    "mydata",
    "forget",
)
MENTORS = ("mentee", "done", "met", "meetings", "support", "endpair", "mydata", "forget")
COORDINATORS = ("pair", "unpair", "match", "stats", "export")


def commands_for(member: MemberView | None) -> tuple[str, ...]:
    if member is None:
        return EVERYONE
    commands = [*EVERYONE]
    if member.has_role(Role.STUDENT):
        commands += STUDENTS
    if member.has_role(Role.MENTOR):
        commands += tuple(name for name in MENTORS if name not in commands)
    commands += MEMBERS
    if member.has_role(Role.COORDINATOR):
        commands += COORDINATORS
    return tuple(commands)


def _bot_commands(texts: Texts, locale: str, names: tuple[str, ...]) -> list[BotCommand]:
    return [BotCommand(name, texts.render(f"commands/{name}", locale)) for name in names]


async def set_default_menu(bot: ExtBot[Any], texts: Texts) -> None:
    """The menu for people the bot does not know yet, in every locale."""
    await bot.set_my_commands(_bot_commands(texts, "en", EVERYONE), scope=BotCommandScopeDefault())
    for locale in LOCALES:
        await bot.set_my_commands(
            _bot_commands(texts, locale, EVERYONE),
            scope=BotCommandScopeDefault(),
            language_code=locale,
        )


async def set_member_menu(bot: ExtBot[Any], texts: Texts, member: MemberView) -> None:
    """A member's own menu, in their language, with the commands their roles allow."""
    await bot.set_my_commands(
        _bot_commands(texts, member.locale, commands_for(member)),
        scope=BotCommandScopeChat(member.telegram_user_id),
    )
