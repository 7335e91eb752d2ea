"""`frizon forget` and `frizon research-export` as an operator uses them: a real process
and a real database file."""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import ManualClock
from bot.services.consent import set_consent
from db.engine import create_engine, create_sessionmaker
from db.migrate import upgrade
from db.models import Role
from tests.conftest import START
from tests.factories import a_member
from tests.services.data_rights_cast import (
    ANA_NAME,
    ANA_TELEGRAM_ID,
    KEY,
    SECRET_TEXT,
    Cast,
    a_cast,
    an_entry,
)
from tests.test_cli import FRIZON, Cli

T = TypeVar("T")


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    cli = Cli(tmp_path)
    cli.env["FRIZON_REFLECTION_KEY"] = KEY  # the key the entries were written under
    return cli


def in_database(workdir: Path, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Do something straight through the services, as the running bot would."""

    async def go() -> T:
        engine = create_engine(f"sqlite+aiosqlite:///{workdir / 'frizon.db'}")
        await upgrade(engine)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def seeded(cli: Cli) -> Cast:
    clock = ManualClock(START)
    return in_database(cli.workdir, lambda session: a_cast(session, clock))


def consent(cli: Cli, cast: Cast, member_id: int, yes: bool) -> None:
    async def work(session: AsyncSession) -> None:
        await set_consent(
            session,
            now=START,
            member_id=member_id,
            programme_id=cast.programme.id,
            consenting=yes,
            actor="test",
        )

    in_database(cli.workdir, work)


def every_value(workdir: Path) -> str:
    with sqlite3.connect(workdir / "frizon.db") as connection:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return repr([connection.execute(f"SELECT * FROM {name}").fetchall() for name in tables])


def answering(cli: Cli, answer: str, *args: str) -> subprocess.CompletedProcess[str]:
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


def test_forget_with_yes_erases_the_member_and_says_what_it_did(cli: Cli) -> None:
    cast = seeded(cli)
    assert ANA_NAME in every_value(cli.workdir)

    result = cli("forget", str(cast.ana), "--yes")

    assert f"Erased member {cast.ana}: 2 reflection(s) erased" in result.stdout
    assert "3 entries kept as anonymous counts, 1 pair(s) ended" in result.stdout
    stored = every_value(cli.workdir)
    assert ANA_NAME not in stored and str(ANA_TELEGRAM_ID) not in stored
    with sqlite3.connect(cli.workdir / "frizon.db") as connection:
        [(actor, details)] = connection.execute(
            "SELECT actor, details FROM audit_event WHERE kind = 'erasure'"
        ).fetchall()
    assert actor == "cli" and f'"member_id": {cast.ana}' in details


def test_forget_asks_first_and_a_no_changes_nothing(cli: Cli) -> None:
    cast = seeded(cli)

    refused = answering(cli, "n\n", "forget", str(cast.ana))

    assert refused.returncode == 2
    assert f"Member {cast.ana}: {ANA_NAME} (student in {cast.programme.name})" in refused.stdout
    assert "cannot be undone" in refused.stdout
    assert "Nothing was erased." in refused.stderr
    assert ANA_NAME in every_value(cli.workdir)

    agreed = answering(cli, "y\n", "forget", str(cast.ana))
    assert agreed.returncode == 0 and "Erased member" in agreed.stdout
    assert ANA_NAME not in every_value(cli.workdir)


def test_forget_refuses_unknown_and_already_erased_members(cli: Cli) -> None:
    cast = seeded(cli)
    assert "There is no member 999" in cli("forget", "999", "--yes", ok=False).stderr
    cli("forget", str(cast.ana), "--yes")
    again = cli("forget", str(cast.ana), "--yes", ok=False)
    assert again.returncode == 2
    assert f"Member {cast.ana} has already been erased. Nothing changed." in again.stderr


def test_research_export_writes_only_consenting_students_under_pseudonyms(cli: Cli) -> None:
    cast = seeded(cli)
    clock = ManualClock(START)

    async def ben(session: AsyncSession) -> int:
        ben = await a_member(session, clock.now(), cast.programme, Role.STUDENT, name="Ben Ali")
        await an_entry(session, clock, cast.programme, ben.member_id, mood=5, text="Ben's words")
        return ben.member_id

    ben_id = in_database(cli.workdir, ben)
    consent(cli, cast, cast.ana, True)
    out = cli.workdir / "research.csv"

    result = cli("research-export", cast.programme.name, "--output", str(out))

    assert "3 entries from 1 consenting student(s)." in result.stderr
    written = out.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(written)))
    assert [row["reflection"] for row in rows] == [SECRET_TEXT, "a good week", ""]
    assert {row["competence"] for row in rows} == {"reflective"}
    assert "Ben" not in written and ANA_NAME not in written
    assert str(ANA_TELEGRAM_ID) not in written and str(ben_id) not in {r["pseudonym"] for r in rows}
    assert out.stat().st_mode & 0o077 == 0  # the operator's eyes only

    again = list(csv.DictReader(io.StringIO(cli("research-export", cast.programme.name).stdout)))
    assert [row["pseudonym"] for row in again] == [row["pseudonym"] for row in rows]

    consent(cli, cast, cast.ana, False)  # withdrawn: gone from every later export
    after = cli("research-export", cast.programme.name)
    assert after.stdout.splitlines() == ["pseudonym,week,theme,competence,prompt,mood,reflection"]
    assert "0 entries from 0 consenting student(s)." in after.stderr


def test_research_export_without_the_reflection_key_explains_what_to_set(cli: Cli) -> None:
    cast = seeded(cli)
    del cli.env["FRIZON_REFLECTION_KEY"]
    cli.env["FRIZON_TELEGRAM_TOKEN"] = "123:not-a-real-token"

    result = cli("research-export", cast.programme.name, ok=False)

    assert result.returncode == 2
    assert "FRIZON_REFLECTION_KEY" in result.stderr and "Traceback" not in result.stderr


def test_research_export_of_an_unknown_programme_is_refused(cli: Cli) -> None:
    seeded(cli)
    result = cli("research-export", "Nowhere", ok=False)
    assert "There is no programme 'Nowhere'" in result.stderr


def test_an_erased_member_reads_as_the_templates_words_in_listings_and_exports(
    cli: Cli,
) -> None:
    cast = seeded(cli)
    cli("forget", str(cast.ana), "--yes")

    listing = cli("members", cast.programme.name).stdout
    exported = cli("export", cast.programme.name, "--what", "pairs").stdout

    # The row keeps no name; the command line (in English) shows members/erased_name.
    assert every_value(cli.workdir).count("Former member") == 0
    rows = {line.split("│")[1].strip(): line for line in listing.splitlines() if "│" in line}
    assert "Former member" in rows[str(cast.ana)] and "student" in rows[str(cast.ana)]
    [pair] = list(csv.DictReader(io.StringIO(exported)))
    assert (pair["student"], pair["status"]) == ("Former member", "ended")
