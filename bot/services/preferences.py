"""A member's own settings: time zone, quiet hours, and pausing prompts for a while."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import available_timezones

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.durations import parse_duration
from bot.scheduling.windows import QuietHours
from bot.services.errors import Refused
from db.models import Member

LONGEST_PAUSE = timedelta(weeks=26)


@dataclass(frozen=True)
class Preferences:
    timezone: str | None
    quiet_hours: str | None
    paused_until: datetime | None


async def current(session: AsyncSession, *, member_id: int) -> Preferences:
    member = await session.get_one(Member, member_id)
    return Preferences(member.timezone, member.quiet_hours, member.paused_until)


def _normalise(text: str) -> str:
    return "_".join(text.strip().lower().split())


@cache
def _zones_by_name() -> dict[str, str]:
    """Normalised full names and unique city names ("new_york") to IANA names."""
    zones = {_normalise(zone): zone for zone in available_timezones() if "/" in zone}
    cities: dict[str, list[str]] = {}
    for zone in zones.values():
        cities.setdefault(_normalise(zone.rsplit("/", 1)[1]), []).append(zone)
    for city, matches in cities.items():
        if len(matches) == 1 and city not in zones:
            zones[city] = matches[0]
    zones["utc"] = "UTC"
    return zones


def find_timezone(text: str) -> str | None:
    """An IANA zone for what someone typed: "Europe/Stockholm", "europe/stockholm", "New York"."""
    return _zones_by_name().get(_normalise(text))


async def set_timezone(session: AsyncSession, *, member_id: int, text: str) -> str:
    zone = find_timezone(text)
    if zone is None:
        raise Refused("bad_timezone", timezone=text.strip()[:64])
    member = await session.get_one(Member, member_id)
    member.timezone = zone
    return zone


async def set_quiet_hours(session: AsyncSession, *, member_id: int, text: str) -> str | None:
    """Set quiet hours from "22-07"; "off" removes them. Returns the stored form."""
    member = await session.get_one(Member, member_id)
    if text.strip().lower() in {"off", "none", "av"}:
        member.quiet_hours = None
        return None
    try:
        hours = QuietHours.parse(text)
    except ValueError:
        raise Refused("bad_quiet_hours", given=text.strip()[:32]) from None
    member.quiet_hours = str(hours)
    return member.quiet_hours


async def pause(session: AsyncSession, *, now: datetime, member_id: int, text: str) -> datetime:
    """Hold prompts back for a while ("2w", "10d"); returns when they resume."""
    try:
        length = parse_duration(text)
    except ValueError:
        raise Refused("bad_pause", given=text.strip()[:32]) from None
    if length > LONGEST_PAUSE:
        raise Refused("pause_too_long", weeks=LONGEST_PAUSE.days // 7)
    member = await session.get_one(Member, member_id)
    member.paused_until = now + length
    return member.paused_until


async def resume(session: AsyncSession, *, now: datetime, member_id: int) -> bool:
    """End a pause now; False if there was none."""
    member = await session.get_one(Member, member_id)
    was_paused = member.paused_until is not None and member.paused_until > now
    member.paused_until = None
    return was_paused
