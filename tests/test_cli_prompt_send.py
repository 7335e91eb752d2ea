"""`frizon prompt send`, then what a coordinator and a researcher read: `frizon stats`
(table and JSON), `frizon export --what engagement` and `frizon research-export`, through
real processes and a real database file. A prompt sent now counts like any other."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.outbox.keys.prompts import parse_cycle_key
from bot.outbox.purposes import Purpose
from bot.services import checkins
from bot.services.consent import set_consent
from bot.services.programmes import find_programme
from db.models import Delivery, DeliveryStatus, Role
from tests.factories import a_member
from tests.services.data_rights_cast import KEY, cipher
from tests.test_cli import Cli
from tests.test_cli_data_rights import in_database

PROMPT = "transition-who-welcomed-you"  # theme transition, competence belonging
MOODS = (1, 2, 3, 4, 4)  # five of the six students answer; the sixth does not
WORDS = "the charge nurse showed me where everything is"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    cli = Cli(tmp_path)
    cli.env["FRIZON_REFLECTION_KEY"] = KEY
    return cli


@pytest.fixture
def sent_now(cli: Cli) -> date:
    """Programme P (UTC, prompts on Mondays at 00:00, begun three weeks before this one):
    six students, one consenting to research; a prompt sent now reached all six and five
    answered, Ana with words. Returns the cycle day the prompt's key names."""
    first_day = monday_of(datetime.now(UTC).date()) - timedelta(weeks=3)
    cli("programme", "create", "P", "--timezone", "UTC")
    cli("programme", "set", "P", "--cadence", "weekly mon 00:00", "--first-day", str(first_day))
    students = in_database(cli.workdir, enrol_six)

    queued = cli("prompt", "send", "P", "--prompt", PROMPT)

    assert "Queued a prompt for 6 student(s) in P" in queued.stdout
    return in_database(cli.workdir, lambda session: delivered_and_answered(session, students))


async def enrol_six(session: AsyncSession) -> list[int]:
    clock = ManualClock(datetime.now(UTC) - timedelta(days=1))
    programme = await find_programme(session, "P")
    names = ("Ana Berg", "Ben Ali", "Cai Lund", "Dana Ek", "Eva Holm", "Filip Sand")
    students = [
        (await a_member(session, clock.now(), programme, Role.STUDENT, name=name)).member_id
        for name in names
    ]
    await set_consent(
        session,
        now=clock.now(),
        member_id=students[0],
        programme_id=programme.id,
        consenting=True,
        actor="test",
    )
    return students


async def delivered_and_answered(session: AsyncSession, students: list[int]) -> date:
    """As the running bot leaves it: the prompts sent, and five students' answers."""
    clock = ManualClock(datetime.now(UTC))
    await session.execute(
        update(Delivery)
        .where(Delivery.purpose == Purpose.PROMPT)
        .values(status=DeliveryStatus.SENT, finished_at=clock.now())
    )
    rows = await session.execute(select(Delivery.member_id, Delivery.id, Delivery.cycle))
    prompts = {member_id: (delivery_id, key) for member_id, delivery_id, key in rows}
    for member_id, mood in zip(students, MOODS, strict=False):
        delivery_id, _ = prompts[member_id]
        started = await checkins.start_checkin(
            session, now=clock.now(), member_id=member_id, mood=mood, delivery_id=delivery_id
        )
        if member_id == students[0]:
            await checkins.add_text(
                session,
                member_id=member_id,
                message_id=1,
                text=WORDS,
                cipher=cipher,
                now=clock.now(),
            )
        await checkins.finish(
            session,
            now=clock.now(),
            member_id=member_id,
            checkin_id=started.checkin_id,
            share=False,
        )
    # One prompt each, all keyed as sent now in the current cycle.
    (key,) = {parse_cycle_key(key) for _, key in prompts.values()}
    assert len(prompts) == 6 and key.manual
    return key.day


def test_stats_count_a_prompt_sent_now_in_the_week_of_its_cycle(cli: Cli, sent_now: date) -> None:
    cycle_week, entry_week = monday_of(sent_now), monday_of(datetime.now(UTC).date())

    document = json.loads(cli("stats", "P", "--format", "json").stdout)
    table = cli("stats", "P").stdout

    weeks = {week["week"]: week for week in document["weeks"]}
    assert weeks[cycle_week.isoformat()]["prompted"] is True
    assert weeks[cycle_week.isoformat()]["response_rate_percent"] == 83  # 5 of 6
    assert weeks[entry_week.isoformat()]["moods"] == {"1": 1, "2": 1, "3": 1, "4": 2, "5": 0}
    assert document["figures"]["prompts_sent"] == 6
    assert document["figures"]["response_rate_percent"] == 83
    assert re.search(rf"{cycle_week.isoformat()}\s*│\s*83\s*│", table), table
    assert re.search(r"Prompts sent to students\s*│\s*6\s*│", table), table


def test_the_engagement_export_counts_a_prompt_sent_now(cli: Cli, sent_now: date) -> None:
    cycle_week, entry_week = monday_of(sent_now), monday_of(datetime.now(UTC).date())

    rows = {
        row["week"]: row
        for row in csv.DictReader(io.StringIO(cli("export", "P", "--what", "engagement").stdout))
    }

    assert rows[cycle_week.isoformat()]["response_rate_percent"] == "83"
    moods = [rows[entry_week.isoformat()][f"mood_{mood}"] for mood in range(1, 6)]
    assert moods == ["1", "1", "1", "2", "0"]


def test_the_research_export_has_the_answer_to_a_prompt_sent_now(cli: Cli, sent_now: date) -> None:
    result = cli("research-export", "P")

    [row] = list(csv.DictReader(io.StringIO(result.stdout)))  # Ana alone consented
    assert (row["prompt"], row["theme"], row["competence"]) == (PROMPT, "transition", "belonging")
    assert (row["mood"], row["reflection"]) == ("1", WORDS)
    assert row["week"] == "4"  # the programme began three weeks before this one
    assert "1 entries from 1 consenting student(s)." in result.stderr
