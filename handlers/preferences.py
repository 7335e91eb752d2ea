"""/timezone, /quiet, /pause and /resume: a member's own settings."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Update

from bot.services import preferences
from bot.services.errors import Refused
from handlers.context import FrizonContext
from handlers.people import enrolled_member
from handlers.replies import reply

SHOWN = "%Y-%m-%d %H:%M"


def _local(moment: datetime, zone: str, pattern: str = "%H:%M") -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime(pattern)


def _argument(context: FrizonContext) -> str:
    return " ".join(context.args or [])


async def timezone(update: Update, context: FrizonContext) -> None:
    """Show the member's time zone, or set it from `/timezone Europe/Stockholm`."""
    member = await enrolled_member(update, context)
    if member is None:
        return
    services, given = context.services, _argument(context)
    if not given:
        now = _local(services.clock.now(), member.timezone)
        await reply(
            update,
            context,
            "preferences/timezone_show",
            locale=member.locale,
            zone=member.timezone,
            now=now,
            own=member.own_timezone is not None,
        )
        return
    try:
        async with services.sessionmaker() as session, session.begin():
            zone = await preferences.set_timezone(session, member_id=member.id, text=given)
    except Refused as refusal:
        await reply(
            update, context, "preferences/timezone_bad", locale=member.locale, **refusal.details
        )
        return
    await reply(
        update,
        context,
        "preferences/timezone_set",
        locale=member.locale,
        zone=zone,
        now=_local(services.clock.now(), zone),
    )


async def quiet(update: Update, context: FrizonContext) -> None:
    """Show or set quiet hours: `/quiet 22-07`, `/quiet off`."""
    member = await enrolled_member(update, context)
    if member is None:
        return
    services, given = context.services, _argument(context)
    if not given:
        async with services.sessionmaker() as session:
            current = await preferences.current(session, member_id=member.id)
        await reply(
            update,
            context,
            "preferences/quiet_show",
            locale=member.locale,
            hours=current.quiet_hours,
        )
        return
    try:
        async with services.sessionmaker() as session, session.begin():
            hours = await preferences.set_quiet_hours(session, member_id=member.id, text=given)
    except Refused as refusal:
        await reply(
            update, context, "preferences/quiet_bad", locale=member.locale, **refusal.details
        )
        return
    await reply(
        update,
        context,
        "preferences/quiet_set",
        locale=member.locale,
        hours=hours,
        zone=member.timezone,
    )


async def pause(update: Update, context: FrizonContext) -> None:
    """Pause prompts for a while: `/pause 2w`."""
    member = await enrolled_member(update, context)
    if member is None:
        return
    services, given = context.services, _argument(context)
    if not given:
        await reply(
            update,
            context,
            "preferences/pause_help",
            locale=member.locale,
            weeks=preferences.LONGEST_PAUSE.days // 7,
        )
        return
    try:
        async with services.sessionmaker() as session, session.begin():
            until = await preferences.pause(
                session, now=services.clock.now(), member_id=member.id, text=given
            )
    except Refused as refusal:
        await reply(
            update,
            context,
            f"preferences/{refusal.reason}",
            locale=member.locale,
            **refusal.details,
        )
        return
    await reply(
        update,
        context,
        "preferences/paused",
        locale=member.locale,
        until=_local(until, member.timezone, SHOWN),
    )


async def resume(update: Update, context: FrizonContext) -> None:
    """End a pause now."""
    member = await enrolled_member(update, context)
    if member is None:
        return
    services = context.services
    async with services.sessionmaker() as session, session.begin():
        was_paused = await preferences.resume(
            session, now=services.clock.now(), member_id=member.id
        )
    name = "preferences/resumed" if was_paused else "preferences/not_paused"
    await reply(update, context, name, locale=member.locale)
