"""`frizon export` as a coordinator uses it: a real process, a real database file, CSV on
standard output or in a file, and an audit event for every export (and none for a
refused one)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from bot.services.checkins import start_checkin
from bot.services.meetings import answer_meeting, log_meeting
from bot.services.pairing import pair
from bot.services.programmes import find_programme
from db.engine import create_engine, create_sessionmaker
from db.models import Role
from tests.factories import a_member, a_person
from tests.test_cli import Cli

SEEDED = datetime(2026, 8, 3, 9, tzinfo=UTC)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


@pytest.fixture
def paired(cli: Cli) -> Cli:
    """Programme P: Ana paired with Lars on 3 August; they met on 10 August (Lars
    confirmed) and on 1 September (not confirmed yet)."""
    cli("programme", "create", "P", "--timezone", "Europe/Stockholm")

    async def go() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{cli.workdir / 'frizon.db'}")
        clock = ManualClock(SEEDED)
        async with create_sessionmaker(engine)() as session, session.begin():
            programme = await find_programme(session, "P")
            lars = await a_member(
                session,
                clock.now(),
                programme,
                Role.MENTOR,
                name="Lars Ek",
                person=a_person("Lars Ek"),
            )
            ana = await a_member(
                session,
                clock.now(),
                programme,
                Role.STUDENT,
                name="Ana Berg",
                person=a_person("Ana Berg"),
            )
            made = await pair(
                session,
                now=clock.now(),
                programme=programme,
                student_id=ana.member_id,
                mentor_id=lars.member_id,
                actor="test",
            )
            for day in (date(2026, 8, 10), date(2026, 9, 1)):
                meeting = await log_meeting(
                    session,
                    member_id=ana.member_id,
                    pair_id=made.pair_id,
                    day=day,
                    today=date(2026, 9, 7),
                    now=clock.now() + timedelta(days=40),
                )
                if day.month == 8:
                    await answer_meeting(
                        session, member_id=lars.member_id, meeting_id=meeting.id, confirmed=True
                    )
            # An entry of Ana's own accord in the week of 31 August: one author.
            clock.set(datetime(2026, 9, 1, 18, tzinfo=UTC))
            await start_checkin(
                session, now=clock.now(), member_id=ana.member_id, mood=4, delivery_id=None
            )
        await engine.dispose()

    asyncio.run(go())
    return cli


def export_events(cli: Cli) -> list[tuple[str, dict[str, object]]]:
    with sqlite3.connect(cli.workdir / "frizon.db") as db:
        rows = db.execute(
            "SELECT actor, details FROM audit_event WHERE kind = 'export' ORDER BY id"
        ).fetchall()
    return [(actor, json.loads(details)) for actor, details in rows]


def test_pairs_go_to_standard_output_and_the_export_is_recorded(paired: Cli) -> None:
    result = paired("export", "P", "--what", "pairs")

    assert result.stdout.splitlines() == [
        "student,mentor,status,started,ended,rhythm_weeks,rhythm_from,meetings,last_met",
        "Ana Berg,Lars Ek,active,2026-08-03,,4,programme default,2,2026-09-01",
    ]
    assert result.stderr.strip() == "1 row(s) of pairs from P."
    assert export_events(paired) == [("cli", {"what": "pairs", "rows": 1, "since": None})]


def test_meetings_since_a_day_go_into_a_file_for_a_spreadsheet(paired: Cli) -> None:
    result = paired(
        "export", "P", "--what", "meetings", "--since", "2026-08-15", "--output", "meetings.csv"
    )

    written = (paired.workdir / "meetings.csv").read_bytes()
    assert result.stdout == ""
    assert written.startswith(b"\xef\xbb\xbf")  # a byte-order mark: Excel reads UTF-8 right
    assert written.decode("utf-8-sig").splitlines() == [
        "student,mentor,met_on,logged_by,confirmed",
        "Ana Berg,Lars Ek,2026-09-01,student,not yet",
    ]
    assert export_events(paired) == [
        ("cli", {"what": "meetings", "rows": 1, "since": "2026-08-15"})
    ]


def test_engagement_of_a_group_too_small_to_show_reads_suppressed(paired: Cli) -> None:
    result = paired("export", "P", "--what", "engagement", "--since", "2026-08-31")

    header, first, *rest = result.stdout.splitlines()
    assert header == "week,response_rate_percent,mood_1,mood_2,mood_3,mood_4,mood_5"
    # No prompts that week (empty), one entry (hidden: one author is far too few).
    assert first == "2026-08-31," + ",suppressed" * 5
    assert all(line.endswith(",,,,,,") for line in rest)  # nothing happened: empty
    assert export_events(paired)[0][1]["rows"] == 1 + len(rest)


def test_a_bad_date_is_explained_and_nothing_is_exported(paired: Cli) -> None:
    result = paired("export", "P", "--what", "pairs", "--since", "31/08/2026", ok=False)

    assert result.returncode == 2
    assert result.stderr.strip() == "--since takes a date such as 2026-08-31, not '31/08/2026'."
    assert result.stdout == ""
    assert export_events(paired) == []


def test_an_unknown_programme_is_refused_and_nothing_is_recorded(paired: Cli) -> None:
    result = paired("export", "Nope", "--what", "pairs", ok=False)

    assert result.returncode == 2
    assert "There is no programme 'Nope'" in result.stderr
    assert export_events(paired) == []


def test_a_file_that_cannot_be_written_records_no_export(paired: Cli) -> None:
    result = paired(
        "export", "P", "--what", "pairs", "--output", "missing/folder/pairs.csv", ok=False
    )

    assert result.returncode == 2
    assert "cannot write missing/folder/pairs.csv" in result.stderr
    assert "Nothing was exported" in result.stderr
    assert "Traceback" not in result.stderr
    assert export_events(paired) == []


def test_what_to_export_must_be_named(paired: Cli) -> None:
    missing = paired("export", "P", ok=False)
    unknown = paired("export", "P", "--what", "reflections", ok=False)

    assert missing.returncode == unknown.returncode == 2
    assert "--what" in missing.stderr
    assert "reflections" in unknown.stderr and "pairs" in unknown.stderr
    assert export_events(paired) == []
