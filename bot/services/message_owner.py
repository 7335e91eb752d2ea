"""Who owns a message that is not a command: one read of the member decides.

In this order: someone the bot does not know; a menu button under the text box; the
partner, when a conversation is open or the message replies to a relayed copy; a roster
file from a coordinator; words or a voice note for an open check-in; otherwise nothing
waits for it.

`classify` runs in the caller's transaction and commits with it: replying to a relayed
copy (re)opens that conversation, and a conversation found quiet for too long (or whose
pair ended) is closed, so the next message is no longer refused for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.checkins import open_entry
from bot.services.errors import Refused
from bot.services.members import MemberView, find_member
from bot.services.relay import Route, already_relayed, route_message
from db.models import Role


class Content(StrEnum):
    """What kind of thing the message carries, as far as ownership depends on it."""

    TEXT = "text"
    VOICE = "voice"
    ROSTER_FILE = "roster_file"  # a document that looks like a roster (.csv or a spreadsheet)
    OTHER = "other"  # a sticker, a photo, any other document


class Menu(StrEnum):
    """The buttons a student has under the text box (their labels are matched above)."""

    SUPPORT = "support"
    WRITE_TO_PARTNER = "write_to_partner"


# What an open check-in keeps; anything else sent while one is open is explained.
KEPT_IN_ENTRY = frozenset({Content.TEXT, Content.VOICE})


@dataclass(frozen=True)
class Incoming:
    telegram_user_id: int
    chat_id: int
    message_id: int
    reply_to_message_id: int | None
    content: Content
    menu: Menu | None = None  # the text is one of the menu buttons' labels


@dataclass(frozen=True)
class Stranger:
    """Nobody the bot knows: they are told how to join."""


@dataclass(frozen=True)
class MenuChoice:
    member: MemberView
    menu: Menu


@dataclass(frozen=True)
class ForPartner:
    member: MemberView
    route: Route
    relayed_before: bool  # Telegram delivered it again and its copy already went out


@dataclass(frozen=True)
class PartnerRefused:
    """It would have gone to the partner, but cannot (conversation ended, pair ended…)."""

    member: MemberView
    refusal: Refused


@dataclass(frozen=True)
class RosterUpload:
    member: MemberView


@dataclass(frozen=True)
class CheckinWords:
    """Words or a voice note (`content` says which) for the open entry."""

    member: MemberView
    content: Content


@dataclass(frozen=True)
class Stray:
    """Nothing waits for it; `entry_open` when a check-in is open but does not keep this."""

    member: MemberView
    entry_open: bool


Owner = Stranger | MenuChoice | ForPartner | PartnerRefused | RosterUpload | CheckinWords | Stray


async def classify(
    session: AsyncSession, incoming: Incoming, *, now: datetime, idle: timedelta
) -> Owner:
    member = await find_member(session, incoming.telegram_user_id)
    if member is None:
        return Stranger()
    if incoming.menu is not None:
        return MenuChoice(member, incoming.menu)
    route: Route | None = None
    refused: Refused | None = None
    try:
        route = await route_message(
            session,
            member_id=member.id,
            chat_id=incoming.chat_id,
            reply_to_message_id=incoming.reply_to_message_id,
            now=now,
            idle=idle,
        )
    except Refused as refusal:
        refused = refusal
    if route is not None:
        relayed = await already_relayed(
            session, chat_id=incoming.chat_id, message_id=incoming.message_id
        )
        return ForPartner(member, route, relayed_before=relayed)
    if incoming.content is Content.ROSTER_FILE and member.programmes_as(Role.COORDINATOR):
        return RosterUpload(member)  # a conversation that ended does not claim a roster
    if refused is not None:
        return PartnerRefused(member, refused)
    entry = await open_entry(session, member_id=member.id, now=now)
    if entry is not None and incoming.content in KEPT_IN_ENTRY:
        return CheckinWords(member, incoming.content)
    return Stray(member, entry_open=entry is not None)
