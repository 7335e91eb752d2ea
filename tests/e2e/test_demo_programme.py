"""`make run`'s demo programme through the real runner and its page: the coordinator's
/stats shows the demo cohort's numbers and chart in the first minute, and the cohort,
who have Telegram accounts but no chats on the page, receive what is sent to them, never
fill the outbox with retries or count as having blocked the bot."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image
from sqlalchemy import select

from bot.demo.cast import FIRST_COHORT_ID
from db.engine import create_engine, create_sessionmaker
from db.models import Delivery, DeliveryStatus, Member, MemberStatus
from tests.e2e.sandbox_run import chat, database_url, frizon_run, panels, press, says


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # the sandbox keeps its reflection key in the working directory
    return tmp_path


async def the_chart(page: aiohttp.ClientSession, user_id: int) -> Image.Image:
    for _ in range(200):
        photos = [m for m in await chat(page, user_id) if m.get("media") == "photo"]
        if photos:
            async with page.get(f"/sandbox/api/files/{photos[-1]['file_id']}") as reply:
                assert reply.status == 200
                return Image.open(io.BytesIO(await reply.read()))
        await asyncio.sleep(0.05)
    raise AssertionError("no chart came")


async def cohort_deliveries(directory: Path) -> list[Any]:
    """(id, status, reason, attempts, member status) of every delivery to a demo person."""
    engine = create_engine(database_url(directory))
    try:
        async with create_sessionmaker(engine)() as session:
            rows = await session.execute(
                select(
                    Delivery.id, Delivery.status, Delivery.reason, Delivery.attempts, Member.status
                )
                .join(Member, Member.id == Delivery.member_id)
                .where(Member.telegram_user_id.between(FIRST_COHORT_ID, FIRST_COHORT_ID + 99))
            )
            return list(rows.all())
    finally:
        await engine.dispose()


async def test_the_coordinators_stats_show_the_demo_cohort_in_the_first_minute(
    workdir: Path,
) -> None:
    async with frizon_run(workdir) as page:
        coordinator = (await panels(page))["coordinator"]
        await says(page, coordinator["user_id"], coordinator["suggestion"])

        summary = (await says(page, coordinator["user_id"], "/stats"))["text"]
        chart = await the_chart(page, coordinator["user_id"])

    assert "• Students: 22 joined" in summary
    assert "• Mentors: 6 joined" in summary
    assert "• Active: 22; met within their rhythm: 21" in summary
    assert "Amira Nasser (demo) and Dr Fatima Ali (demo): not met since" in summary
    answered = next(line for line in summary.splitlines() if line.startswith("• Answered:"))
    assert "hidden" not in answered
    weeks = summary.split("Latest weeks")[1].split("Latest months")[0].strip().splitlines()
    assert len(weeks) >= 3 and all("answered" in week and "%" in week for week in weeks)
    assert chart.format == "PNG" and chart.size == (900, 1000)


async def test_as_weeks_pass_the_cohort_lives_on_and_the_sender_never_retries_them(
    workdir: Path,
) -> None:
    async with frizon_run(workdir) as page:
        coordinator = (await panels(page))["coordinator"]
        await says(page, coordinator["user_id"], coordinator["suggestion"])
        before = await cohort_deliveries(workdir)
        for _ in range(2):
            assert "a week has passed" in await press(page, "next-week")
        after = await cohort_deliveries(workdir)
        summary = (await says(page, coordinator["user_id"], "/stats"))["text"]

    assert {row[1] for row in before} <= {DeliveryStatus.SENT, DeliveryStatus.SKIPPED}
    known = {row[0] for row in before}
    new = [row for row in after if row[0] not in known]
    sent = [row for row in new if row[1] == DeliveryStatus.SENT]
    assert len(sent) >= 2 * 22  # two weeks of prompts, and digests, for the cohort
    # What the bot's own background jobs queued between two presses reaches them too:
    # they have Telegram accounts, only no chats on the page.
    assert [row for row in new if row[1] == DeliveryStatus.FAILED] == []
    assert {member_status for *_, member_status in after} == {MemberStatus.ACTIVE}
    latest = summary.split("Latest weeks")[1].split("Latest months")[0].strip().splitlines()
    assert "answered" in latest[-1] and "%" in latest[-1]  # the week just lived, shown


async def test_what_the_first_pair_check_sends_the_cohort_arrives_and_fails_nothing(
    workdir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with frizon_run(workdir) as page:
        history = {row[0] for row in await cohort_deliveries(workdir)}
        for _ in range(300):  # the pair check runs five seconds after the start
            new = [row for row in await cohort_deliveries(workdir) if row[0] not in history]
            if new and all(row[1] != DeliveryStatus.PENDING for row in new):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the first pair check queued nothing for the cohort")
        amira = await chat(page, FIRST_COHORT_ID + 4)  # her pair has not met for weeks

    assert {row[1] for row in new} == {DeliveryStatus.SENT}
    assert "failed" not in caplog.text
    assert any(message["sender"] == "bot" for message in amira)
