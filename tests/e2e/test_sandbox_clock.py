"""The sandbox's clock controls: whatever falls due while the clock moves happens."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.clock import SystemClock
from bot.demo.programme import DEMO_PROGRAMME
from bot.outbox.purposes import Purpose
from bot.services.members import find_member
from bot.services.pairing import pair
from db.engine import create_engine, create_sessionmaker
from db.models import Delivery, DeliveryStatus, Member, Programme
from tests.e2e.sandbox_run import chat, database_url, frizon_run, panels, press, says


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # the sandbox keeps its reflection key in the working directory
    return tmp_path


async def pair_the_demo_people(directory: Path, student_id: int, mentor_id: int) -> None:
    """As `frizon pair` does, on the sandbox's database."""
    engine = create_engine(database_url(directory))
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            programme = await session.scalar(
                select(Programme).where(Programme.name == DEMO_PROGRAMME)
            )
            student = await find_member(session, student_id)
            mentor = await find_member(session, mentor_id)
            assert programme is not None and student is not None and mentor is not None
            await pair(
                session,
                now=SystemClock().now(),
                programme=programme,
                student_id=student.id,
                mentor_id=mentor.id,
                actor="test",
            )
    finally:
        await engine.dispose()


async def prompts_by_status(directory: Path, telegram_user_id: int) -> dict[str, int]:
    engine = create_engine(database_url(directory))
    try:
        async with create_sessionmaker(engine)() as session:
            rows = await session.scalars(
                select(Delivery.status)
                .join(Member, Member.id == Delivery.member_id)
                .where(
                    Member.telegram_user_id == telegram_user_id, Delivery.purpose == Purpose.PROMPT
                )
            )
            found: dict[str, int] = {}
            for status in rows.all():
                found[DeliveryStatus(status).value] = found.get(status, 0) + 1
            return found
    finally:
        await engine.dispose()


async def test_advance_one_week_pressed_eight_times_in_a_row_gives_eight_weeks_of_prompts(
    workdir: Path,
) -> None:
    async with frizon_run(workdir) as page:
        seats = await panels(page)
        for title in ("coordinator", "mentor", "student"):
            await says(page, seats[title]["user_id"], seats[title]["suggestion"])
        student, mentor = seats["student"]["user_id"], seats["mentor"]["user_id"]
        await pair_the_demo_people(workdir, student, mentor)

        for _ in range(8):  # each press answers only once its week has happened
            assert "a week has passed" in await press(page, "next-week")

        student_prompts = await prompts_by_status(workdir, student)
        mentor_prompts = await prompts_by_status(workdir, mentor)
        student_chat = await chat(page, student)
    assert student_prompts == {"sent": 8}
    assert mentor_prompts == {"sent": 2}  # a mentor's own prompt every four weeks
    moods = [
        m
        for m in student_chat
        if any("Rough" in b["text"] for r in m["inline_keyboard"] for b in r)
    ]
    assert len(moods) == 8


async def test_advance_to_the_next_prompt_pressed_four_times_sends_the_mentors_prompt_too(
    workdir: Path,
) -> None:
    async with frizon_run(workdir) as page:
        seats = await panels(page)
        for title in ("mentor", "student"):
            await says(page, seats[title]["user_id"], seats[title]["suggestion"])
        student, mentor = seats["student"]["user_id"], seats["mentor"]["user_id"]
        await pair_the_demo_people(workdir, student, mentor)

        for _ in range(4):
            assert "the prompt is on its way" in await press(page, "next-prompt")

        student_prompts = await prompts_by_status(workdir, student)
        mentor_prompts = await prompts_by_status(workdir, mentor)
        mentor_chat = await chat(page, mentor)
    assert student_prompts == {"sent": 4}
    assert mentor_prompts == {"sent": 1}  # on its day, not found late and missed
    digests = [m for m in mentor_chat if m["text"].startswith("Your week with your mentees")]
    assert len(digests) >= 3  # the weeks on the way had their Monday digests
