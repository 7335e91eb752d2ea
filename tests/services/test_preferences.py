"""A member's own settings: forgiving input, refused without change when unreadable."""

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.services import preferences
from bot.services.errors import Refused
from db.models import Member, Role
from tests.factories import a_member, a_programme


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Europe/Stockholm", "Europe/Stockholm"),
        ("europe/stockholm", "Europe/Stockholm"),
        ("Stockholm", "Europe/Stockholm"),
        ("new york", "America/New_York"),
        ("Sydney", "Australia/Sydney"),
        ("utc", "UTC"),
    ],
)
def test_time_zones_are_found_as_people_type_them(typed: str, zone: str) -> None:
    assert preferences.find_timezone(typed) == zone


async def member_id(session: AsyncSession, clock: ManualClock) -> int:
    programme = await a_programme(session, clock.now())
    return (await a_member(session, clock.now(), programme, Role.STUDENT)).member_id


async def test_an_unknown_time_zone_is_refused_and_changes_nothing(
    session: AsyncSession, clock: ManualClock
) -> None:
    who = await member_id(session, clock)
    with pytest.raises(Refused) as refusal:
        await preferences.set_timezone(session, member_id=who, text="Mars/Olympus")
    assert refusal.value.details == {"timezone": "Mars/Olympus"}
    assert (await session.get_one(Member, who)).timezone is None


async def test_quiet_hours_are_stored_normalised_and_can_be_removed(
    session: AsyncSession, clock: ManualClock
) -> None:
    who = await member_id(session, clock)
    assert await preferences.set_quiet_hours(session, member_id=who, text="22-7") == "22:00-07:00"
    assert await preferences.set_quiet_hours(session, member_id=who, text="off") is None
    with pytest.raises(Refused):
        await preferences.set_quiet_hours(session, member_id=who, text="late")


async def test_a_pause_lasts_as_asked_and_resume_ends_it(
    session: AsyncSession, clock: ManualClock
) -> None:
    who = await member_id(session, clock)
    until = await preferences.pause(session, now=clock.now(), member_id=who, text="2w")
    assert until == clock.now() + timedelta(weeks=2)
    assert await preferences.resume(session, now=clock.now(), member_id=who) is True
    assert await preferences.resume(session, now=clock.now(), member_id=who) is False


@pytest.mark.parametrize(("typed", "reason"), [("forever", "bad_pause"), ("30w", "pause_too_long")])
async def test_an_unreadable_or_overlong_pause_is_refused(
    session: AsyncSession, clock: ManualClock, typed: str, reason: str
) -> None:
    who = await member_id(session, clock)
    with pytest.raises(Refused) as refusal:
        await preferences.pause(session, now=clock.now(), member_id=who, text=typed)
    assert refusal.value.reason == reason
    assert (await session.get_one(Member, who)).paused_until is None
