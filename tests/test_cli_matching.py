"""`frizon match` as a coordinator uses it: a roster in, suggestions with reasons, --apply."""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from bot.services.enrolment import enrol
from db.engine import create_engine, create_sessionmaker
from tests.factories import a_person
from tests.test_cli import FRIZON, Cli

ROSTER = """name,role,language,mentor,capacity,campus,interests
Dr Lars Ek,mentor,sv,,1,Lund,surgery;paediatrics
Eva Holm,mentor,en,,1,Malmö,psychiatry
Ana Berg,student,sv,Dr Lars Ek,,Lund,surgery
Bo Lind,student,en,,,Malmö,psychiatry;gp
Cy Nord,student,en,,,,
Di Sand,student,sv,,,,
"""


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def enrol_everyone(workdir: Path, invites: str) -> None:
    """Everyone on the invite CSV opens their link, as they would in Telegram."""

    async def go() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{workdir / 'frizon.db'}")
        clock = ManualClock(datetime(2026, 9, 7, tzinfo=UTC))
        async with create_sessionmaker(engine)() as session, session.begin():
            for row in csv.DictReader(io.StringIO(invites)):
                token = row["link"].split("start=")[1]
                await enrol(
                    session,
                    now=clock.now(),
                    token=token,
                    person=a_person(row["name"]),
                    mentor_capacity=3,
                )
        await engine.dispose()

    asyncio.run(go())


@pytest.fixture
def cohort(cli: Cli) -> Cli:
    """Programme P with the roster above imported and every invite used."""
    cli("programme", "create", "P", "--timezone", "Europe/Stockholm")
    (cli.workdir / "roster.csv").write_text(ROSTER, encoding="utf-8")
    enrol_everyone(cli.workdir, cli("roster", "import", "P", "roster.csv").stdout)
    return cli


def answering(cli: Cli, answer: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `frizon` and type an answer at its question."""
    return subprocess.run(
        [*FRIZON, *args],
        cwd=cli.workdir,
        env=cli.env,
        input=answer,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def active_pairs(cli: Cli) -> list[tuple[str, str]]:
    with sqlite3.connect(cli.workdir / "frizon.db") as db:
        rows = db.execute(
            "SELECT s.display_name, m.display_name FROM pair p"
            " JOIN member s ON s.id = p.student_id JOIN member m ON m.id = p.mentor_id"
            " WHERE p.status = 'active' ORDER BY s.display_name"
        ).fetchall()
    return [(student, mentor) for student, mentor in rows]


def table_rows(output: str) -> dict[str, str]:
    """Each table line by the student name at its start (the reasons may wrap)."""
    rows = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if cells and cells[0]:
            rows[cells[0].split(" (")[0]] = line
    return rows


def test_match_shows_suggestions_with_reasons_and_who_is_left_without(cohort: Cli) -> None:
    shown = cohort("match", "P").stdout

    rows = table_rows(shown)
    assert "Dr Lars Ek" in rows["Ana Berg"] and "asked for Dr Lars Ek" in rows["Ana Berg"]
    assert "both campus Lund" in rows["Ana Berg"]
    assert "Eva Holm" in rows["Bo Lind"] and "both campus Malmö" in rows["Bo Lind"]
    assert "Without a suggestion (2):" in shown
    assert "Cy Nord" in shown and "no places left" in shown
    assert "Di Sand" in shown
    assert active_pairs(cohort) == []


def test_apply_asks_first_and_no_changes_nothing(cohort: Cli) -> None:
    result = answering(cohort, "n\n", "match", "P", "--apply")

    assert result.returncode == 0, result.stderr
    assert "Pair these 2? [y/N]" in result.stdout
    assert "Nothing changed." in result.stdout
    assert active_pairs(cohort) == []


def test_apply_pairs_the_suggestions_after_yes(cohort: Cli) -> None:
    result = answering(cohort, "y\n", "match", "P", "--apply")

    assert result.returncode == 0, result.stderr
    assert "Paired Ana Berg with Dr Lars Ek" in result.stdout
    assert "Paired Bo Lind with Eva Holm" in result.stdout
    assert "2 of 2 paired" in result.stdout
    assert active_pairs(cohort) == [("Ana Berg", "Dr Lars Ek"), ("Bo Lind", "Eva Holm")]
    with sqlite3.connect(cohort.workdir / "frizon.db") as db:
        intros = db.execute("SELECT count(*) FROM delivery WHERE purpose = 'intro'").fetchone()
        audited = db.execute("SELECT actor FROM audit_event WHERE kind = 'paired'").fetchall()
    assert intros == (4,)
    assert audited == [("cli",), ("cli",)]


def test_yes_skips_the_question_and_a_second_run_has_nothing_left(cohort: Cli) -> None:
    applied = cohort("match", "P", "--apply", "--yes").stdout
    again = cohort("match", "P").stdout

    assert "Pair these" not in applied and "2 of 2 paired" in applied
    assert "No suggestions for P: suggestions are for students who have joined" in again
    assert "no mentor has room for another mentee" in again


def test_an_unknown_programme_is_refused_kindly(cli: Cli) -> None:
    result = cli("match", "Nowhere", ok=False)

    assert result.returncode == 2
    assert "There is no programme 'Nowhere'" in result.stderr
    assert "Traceback" not in result.stderr
