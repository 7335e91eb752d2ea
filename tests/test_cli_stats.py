"""`frizon stats` on a seeded programme: the weekly and monthly figures, --since, and the
chart, through a real process and a real database file."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.services.pairing import pair
from db.engine import create_engine, create_sessionmaker
from db.migrate import upgrade
from db.models import Programme, Role
from tests.services.test_stats import SEEDED_AT, members_in_role, seeded, with_weeks
from tests.test_cli import Cli


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def seed(workdir: Path) -> None:
    async def go() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{workdir / 'frizon.db'}")
        await upgrade(engine)
        async with create_sessionmaker(engine)() as session, session.begin():
            clock = ManualClock(datetime(2026, 7, 20, 9, tzinfo=UTC))
            programme = await seeded(session, clock, students=6)
            programme.name = "P"
            await with_weeks(session, clock, programme)
        await engine.dispose()

    asyncio.run(go())


def test_weekly_and_monthly_figures_with_suppression(cli: Cli) -> None:
    seed(cli.workdir)

    document = json.loads(cli("stats", "P", "--format", "json", "--since", "2026-08-03").stdout)

    assert document["since"] == "2026-08-03"
    weeks = {week["week"]: week for week in document["weeks"]}
    assert weeks["2026-08-03"]["response_rate_percent"] == 100
    assert weeks["2026-08-03"]["moods"] == {"1": 2, "2": 1, "3": 2, "4": 1, "5": 1}
    assert weeks["2026-08-10"] == {
        "week": "2026-08-10",
        "prompted": True,
        "response_rate_percent": 50,
        "moods": None,
    }
    assert weeks["2026-08-24"]["prompted"] is False  # no prompts: nothing hidden
    assert weeks["2026-08-17"]["response_rate_percent"] is None  # four students prompted
    months = {month["month"]: month for month in document["months"]}
    assert months["2026-08"]["pairs_by_meetings"] == {"0": 1, "1": 2, "2": 0, "3+": 0}
    assert {item["concern"] for item in document["attention"]} >= {"no_meeting", "invite_unused"}

    rows = list(csv.reader(io.StringIO(cli("stats", "P", "--format", "csv").stdout)))
    assert ["week", "2026-08-10", "mood_1", "suppressed"] in rows
    assert ["week", "2026-08-10", "response_rate_percent", "50"] in rows

    table = cli("stats", "P", "--since", "2026-08-03").stdout
    assert "Meetings per pair per month" in table and "Needs attention" in table
    assert "Student 2 and Mentor 2" in table  # pairs are named, their moods are not


def test_the_chart_is_a_png(cli: Cli) -> None:
    seed(cli.workdir)
    chart = cli.workdir / "stats.png"

    result = cli("stats", "P", "--format", "json", "--chart", str(chart))

    json.loads(result.stdout)  # the chart's note goes to stderr, the JSON stays clean
    data = chart.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (900, 1000)


def test_a_bad_since_is_explained_and_changes_nothing(cli: Cli) -> None:
    seed(cli.workdir)

    wrong = cli("stats", "P", "--since", "last week", ok=False)
    future = cli("stats", "P", "--since", "2999-01-01", ok=False)

    assert wrong.returncode == 2 and "is not a day such as 2026-09-01" in wrong.stderr
    assert future.returncode == 2 and "in the future" in future.stderr


async def with_a_fourth_pair(session: AsyncSession, clock: ManualClock) -> Programme:
    """The seeded programme and a fourth pair from the start that never meets: July's
    median is 0 (whole), August's 0.5 (two of the four pairs met once)."""
    programme = await seeded(session, clock, students=6)
    (mentor, *_) = await members_in_role(session, programme.id, Role.MENTOR)
    students = await members_in_role(session, programme.id, Role.STUDENT)
    await pair(
        session,
        now=clock.now(),
        programme=programme,
        student_id=students[3].id,
        mentor_id=mentor.id,
        actor="test",
    )
    await with_weeks(session, clock, programme)
    return programme


def seed_four_pairs(workdir: Path) -> None:
    async def go() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{workdir / 'frizon.db'}")
        await upgrade(engine)
        async with create_sessionmaker(engine)() as session, session.begin():
            programme = await with_a_fourth_pair(session, ManualClock(SEEDED_AT))
            programme.name = "P"
        await engine.dispose()

    asyncio.run(go())


def test_a_median_is_printed_the_same_way_in_every_format(cli: Cli) -> None:
    seed_four_pairs(cli.workdir)

    text = cli("stats", "P", "--format", "json").stdout
    months = {month["month"]: month for month in json.loads(text)["months"]}
    assert months["2026-08"]["median_meetings"] == 0.5
    assert '"median_meetings": 0,' in text  # a whole median is 0, not 0.0
    assert '"median_meetings": 0.0' not in text

    rows = list(csv.reader(io.StringIO(cli("stats", "P", "--format", "csv").stdout)))
    assert ["month", "2026-07", "median_meetings", "0"] in rows
    assert ["month", "2026-08", "median_meetings", "0.5"] in rows

    table = cli("stats", "P").stdout.splitlines()
    rows_of_months = [line.split("│") for line in table if line.count("│") == 5]  # 4 columns
    cells = {row[1].strip(): row[3].strip() for row in rows_of_months}
    assert (cells["2026-07"], cells["2026-08"]) == ("0", "0.5")
    (figure,) = [line for line in table if "(median)" in line]
    assert figure.split("│")[-2].strip() == "0"
