"""/match buttons are a coordinator's, for their own programme: forged presses by anyone
else change nothing and name nobody, while the same press by the coordinator pairs."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from bot.sandbox import SandboxUser
from db.models import Member, Pair, Role
from tests.e2e.harness import RunningBot

FORGED = (
    "mx:p:{programme}:0",
    "mx:a:{programme}:{student}:{mentor}",
    "mx:all:{programme}",
)


@pytest.fixture
async def world(bot: RunningBot) -> dict[str, Any]:
    p, q = await bot.programme("P"), await bot.programme("Q")
    maja = await bot.enrolled(p, Role.COORDINATOR, "Maja")
    lars = await bot.enrolled(p, Role.MENTOR, "Lars")
    ana = await bot.enrolled(p, Role.STUDENT, "Ana")  # unpaired: a real accept would pair her
    max_ = await bot.enrolled(q, Role.MENTOR, "Max")
    eve = await bot.enrolled(q, Role.STUDENT, "Eve")
    olle = await bot.enrolled(q, Role.COORDINATOR, "Olle")
    async with bot.sessionmaker() as session:
        ids = {m.telegram_user_id: m.id for m in (await session.scalars(select(Member))).all()}
    return {
        "coordinator": maja,
        "outsiders": {"student": eve, "mentor": max_, "coordinator": olle},
        "ids": {"programme": p.id, "student": ids[ana.id], "mentor": ids[lars.id]},
    }


async def pair_count(bot: RunningBot) -> int:
    async with bot.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Pair)) or 0)


async def press(bot: RunningBot, user: SandboxUser, data: str) -> dict[str, Any]:
    bot.says(user, "/help")
    anchor = await bot.hears(user, "/privacy")
    bot.sandbox.state.user_sends_callback_data(user.id, anchor["message_id"], data)
    return await bot.hears(user)


@pytest.mark.parametrize("role", ["student", "mentor", "coordinator"])
async def test_forged_match_buttons_from_outsiders_change_nothing(
    bot: RunningBot, world: dict[str, Any], role: str
) -> None:
    outsider: SandboxUser = world["outsiders"][role]

    for template in FORGED:
        answer = await press(bot, outsider, template.format(**world["ids"]))
        assert "only a programme coordinator" in answer["text"], (role, template)
        assert "Ana" not in answer["text"] and "Lars" not in answer["text"]

    assert await pair_count(bot) == 0


async def test_the_same_press_by_the_programmes_coordinator_pairs(
    bot: RunningBot, world: dict[str, Any]
) -> None:
    answer = await press(bot, world["coordinator"], FORGED[1].format(**world["ids"]))

    assert "Done: Ana is paired with Lars" in answer["text"]
    assert await pair_count(bot) == 1
