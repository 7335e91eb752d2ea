"""The `frizon` command as an operator uses it: a real process, a real database file."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from bot.core.crypto import ReflectionCipher
from bot.services.programmes import find_programme
from db.engine import create_engine, create_sessionmaker
from db.migrate import upgrade
from db.models import Role
from tests.factories import a_member

FRIZON = [sys.executable, "-m", "bot.cli"]


class Cli:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("FRIZON_")}
        self.env["PYTHONPATH"] = str(Path(__file__).parent.parent)
        self.env["COLUMNS"] = "200"

    def __call__(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*FRIZON, *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if ok:
            assert result.returncode == 0, result.stderr
        return result


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def test_a_coordinator_sets_up_a_programme_and_invites_people(cli: Cli) -> None:
    created = cli(
        "programme", "create", "Clinical mentoring 2026", "--timezone", "Europe/Stockholm"
    )
    assert "Created programme 1" in created.stdout
    links = cli(
        "invite", "Clinical mentoring 2026", "--role", "student", "--count", "3"
    ).stdout.split()
    assert len(links) == 3
    for link in links:
        assert re.fullmatch(r"https://t\.me/frizon_sandbox_bot\?start=[A-Za-z0-9_-]{32,64}", link)
    listing = cli("programme", "list").stdout
    assert "Clinical mentoring 2026" in listing
    assert (Path(cli.workdir) / "frizon.db").exists()


def test_invite_links_name_the_configured_bot(cli: Cli) -> None:
    (cli.workdir / "config.toml").write_text('[telegram]\nbot_username = "kth_mentor_bot"\n')
    cli("programme", "create", "P")
    assert cli("invite", "P", "--role", "mentor").stdout.startswith(
        "https://t.me/kth_mentor_bot?start="
    )


def test_with_a_token_but_no_bot_username_invites_explain_what_to_set(cli: Cli) -> None:
    # Without a username the Bot API is asked (tests/test_cli_bot_username.py); here it
    # cannot be reached (the discard port refuses), so the line says what to set.
    cli.env["FRIZON_TELEGRAM_TOKEN"] = "123:abc"
    cli.env["FRIZON_TELEGRAM_BASE_URL"] = "http://127.0.0.1:9/bot"
    cli("programme", "create", "P")
    result = cli("invite", "P", "--role", "mentor", ok=False)
    assert result.returncode == 2
    assert "telegram.bot_username" in result.stderr


def test_a_bad_config_value_stops_with_one_line_and_no_traceback(cli: Cli) -> None:
    (cli.workdir / "config.toml").write_text('[programme]\ntimezone = "Mars/Olympus"\n')
    result = cli("programme", "list", ok=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "frizon: config key programme.timezone = 'Mars/Olympus': "
        "not an IANA time zone such as Europe/Stockholm"
    ]


def test_run_with_a_bad_config_stops_before_starting(cli: Cli) -> None:
    cli.env["FRIZON_DATABASE_URL"] = "mysql://nope"
    result = cli("run", ok=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "database.url" in result.stderr


def enrol_people(workdir: Path) -> dict[str, int]:
    """Enrol people straight through the services, as the running bot would."""

    async def go() -> dict[str, int]:
        engine = create_engine(f"sqlite+aiosqlite:///{workdir / 'frizon.db'}")
        await upgrade(engine)
        clock = ManualClock(datetime(2026, 9, 7, tzinfo=UTC))
        ids = {}
        async with create_sessionmaker(engine)() as session, session.begin():
            programme = await find_programme(session, "P")
            for name, role in (("Lars Ek", Role.MENTOR), ("Ana Berg", Role.STUDENT)):
                ids[name] = (
                    await a_member(session, clock.now(), programme, role, name=name)
                ).member_id
        await engine.dispose()
        return ids

    return asyncio.run(go())


def test_members_are_listed_with_ids_roles_and_partners(cli: Cli) -> None:
    cli("programme", "create", "P")
    ids = enrol_people(cli.workdir)

    paired = cli("pair", "P", str(ids["Ana Berg"]), str(ids["Lars Ek"]))
    listing = cli("members", "P").stdout

    assert "Paired Ana Berg with Lars Ek" in paired.stdout
    rows = {line.split("│")[2].strip(): line for line in listing.splitlines() if "│" in line}
    assert str(ids["Ana Berg"]) in rows["Ana Berg"] and "Lars Ek" in rows["Ana Berg"]
    assert "mentor" in rows["Lars Ek"] and "Ana Berg" in rows["Lars Ek"]
    ended = cli("unpair", "P", str(ids["Ana Berg"]))
    assert "Ended the pair of Ana Berg and Lars Ek" in ended.stdout


def test_pairing_unknown_members_is_refused_with_a_reason(cli: Cli) -> None:
    cli("programme", "create", "P")
    result = cli("pair", "P", "1", "2", ok=False)
    assert result.returncode == 2
    assert "Member 1 is not a student in this programme. Nothing changed." in result.stderr


def test_bad_arguments_are_refused_kindly(cli: Cli) -> None:
    cli("programme", "create", "P")
    assert (
        "not a duration"
        in cli("invite", "P", "--role", "student", "--expires", "soon", ok=False).stderr
    )
    assert "no programme 'Q'" in cli("invite", "Q", "--role", "student", ok=False).stderr
    assert "already exists" in cli("programme", "create", "P", ok=False).stderr
    assert "IANA" in cli("programme", "create", "R", "--timezone", "Nowhere", ok=False).stderr


def test_check_renders_every_template(cli: Cli) -> None:
    assert "templates and prompts are fine" in cli("check").stdout


def test_db_upgrade_creates_the_schema(cli: Cli) -> None:
    assert "up to date" in cli("db", "upgrade").stdout
    with sqlite3.connect(cli.workdir / "frizon.db") as database:
        tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master")}
    assert {"programme", "member", "membership", "pair", "invite", "delivery"} <= tables


def test_a_coordinator_sets_the_cadence_and_exam_weeks(cli: Cli) -> None:
    cli("programme", "create", "P", "--timezone", "Europe/Stockholm")
    result = cli(
        "programme",
        "set",
        "P",
        "--cadence",
        "every 2 weeks thu 09:30",
        "--first-day",
        "2026-09-07",
        "--quiet-period",
        "2026-10-26:2026-11-01",
        "--last-day",
        "2027-06-11",
        "--rotation-start",
        "2026-10-05",
        "--rotation-start",
        "2026-09-21",
    )
    assert "prompts every 2 weeks thu 09:30 (Europe/Stockholm)" in result.stdout
    assert "counted from 2026-09-07 until 2027-06-11" in result.stdout
    assert "quiet periods: 2026-10-26..2026-11-01" in result.stdout
    assert "rotations start: 2026-09-21, 2026-10-05" in result.stdout
    bad_day = cli("programme", "set", "P", "--rotation-start", "next monday", ok=False)
    assert "--rotation-start: 'next monday' is not a date" in bad_day.stderr
    refused = cli("programme", "set", "P", "--cadence", "now and then", ok=False)
    assert "is not a cadence such as" in refused.stderr


def test_a_coordinator_sets_how_long_personal_data_is_kept(cli: Cli) -> None:
    cli("programme", "create", "P", "--timezone", "Europe/Stockholm")
    result = cli("programme", "set", "P", "--last-day", "2027-06-11", "--retention", "2y")
    assert (
        "Personal data kept 2y after the last day: erased on 2029-06-12 "
        "(the coordinators are told a week before)." in result.stdout
    )
    refused = cli(
        "programme", "set", "P", "--retention", "12 months", "--last-day", "2027-07-01", ok=False
    )
    assert refused.returncode == 2
    assert "--retention: '12 months' is not a period such as 12m (months)" in refused.stderr
    assert "Nothing changed." in refused.stderr
    assert "erased on 2029-06-12" in cli("programme", "set", "P").stdout


def test_an_unreachable_database_stops_with_one_line_without_the_password(cli: Cli) -> None:
    cli.env["FRIZON_DATABASE_URL"] = "postgresql+asyncpg://frizon:pa55word@127.0.0.1:9/frizon"
    for command in (["programme", "list"], ["run"]):
        result = cli(*command, ok=False)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(
            "frizon: cannot open the database postgresql+asyncpg://frizon:***@"
        )
        assert "pa55word" not in result.stderr


def test_a_coordinator_queues_a_prompt_now(cli: Cli) -> None:
    cli("programme", "create", "P")
    enrol_people(cli.workdir)
    assert "Queued a prompt for 1 student(s) in P" in cli("prompt", "send", "P").stdout
    refused = cli("prompt", "send", "P", "--prompt", "no-such-prompt", ok=False)
    assert "There is no student prompt 'no-such-prompt'" in refused.stderr


def test_a_new_reflection_key_is_usable(cli: Cli) -> None:
    key = cli("key").stdout.strip()
    cipher = ReflectionCipher(key)
    assert cipher.decrypt(cipher.encrypt("private", bound_to="x"), bound_to="x") == "private"
    assert cli("key").stdout.strip() != key


def roster_csv(students: int, mentors: int, *, mistakes: bool) -> str:
    lines = ["name;role;language;mentor;capacity;campus"]
    lines += [f"Mentor {n};mentor;sv;;5;Solna" for n in range(mentors)]
    lines += [f"Student {n};student;en;Mentor {n % mentors};;Huddinge" for n in range(students)]
    if mistakes:
        lines[45] = "Student X;pupil;en;;;"  # row 46: a role that does not exist
        lines[100] = ";student;;;;"  # row 101: no name
    return "\ufeff" + "\n".join(lines) + "\n"  # Excel's BOM and semicolons


def test_a_roster_with_mistakes_imports_nothing_and_a_fixed_one_gives_invites(
    cli: Cli,
) -> None:
    cli("programme", "create", "P", "--timezone", "Europe/Stockholm")
    bad = Path(cli.workdir) / "roster.csv"
    bad.write_text(roster_csv(160, 40, mistakes=True), encoding="utf-8")

    refused = cli("roster", "import", "P", str(bad), ok=False)
    assert refused.returncode == 2
    assert (
        "roster.csv: row 46: role 'pupil' is not student, mentor or coordinator" in refused.stderr
    )
    assert "roster.csv: row 101: the name is empty" in refused.stderr
    assert "2 problem(s); nothing was imported" in refused.stderr
    assert refused.stdout == ""

    bad.write_text(roster_csv(160, 40, mistakes=False), encoding="utf-8")
    imported = cli("roster", "import", "P", str(bad), "--output", "invites.csv")
    written = (Path(cli.workdir) / "invites.csv").read_bytes().decode("utf-8")
    assert written.startswith("\ufeffname;role;link\n")  # as the roster was: BOM, semicolons
    rows = list(csv.DictReader(io.StringIO(written.removeprefix("\ufeff")), delimiter=";"))
    assert len(rows) == 200 and "200 invite(s) for P" in imported.stderr
    assert rows[0]["name"] == "Mentor 0" and rows[0]["role"] == "mentor"
    assert len({row["link"] for row in rows}) == 200
    assert all(row["link"].startswith("https://t.me/frizon_sandbox_bot?start=") for row in rows)


def test_skip_bad_imports_the_good_rows_and_still_lists_the_bad(cli: Cli) -> None:
    cli("programme", "create", "P", "--timezone", "Europe/Stockholm")
    roster = Path(cli.workdir) / "roster.csv"
    roster.write_text(roster_csv(160, 40, mistakes=True), encoding="utf-8")

    result = cli("roster", "import", "P", str(roster), "--skip-bad")
    assert "row 46: role 'pupil'" in result.stderr
    assert len(list(csv.DictReader(io.StringIO(result.stdout), delimiter=";"))) == 198


def test_stats_show_counts_and_suppress_small_groups(cli: Cli) -> None:
    cli("programme", "create", "P", "--timezone", "Europe/Stockholm")
    roster = Path(cli.workdir) / "roster.csv"
    roster.write_text(roster_csv(6, 2, mistakes=False), encoding="utf-8")
    cli("roster", "import", "P", str(roster))

    figures = json.loads(cli("stats", "P", "--format", "json").stdout)["figures"]
    assert figures["invited_students"] == 6
    assert figures["invited_mentors"] is None  # two mentors: fewer than five
    assert figures["enrolled_students"] is None  # nobody has joined yet
    table = cli("stats", "P").stdout
    assert "Students invited" in table and "suppressed (< 5)" in table
    rows = list(csv.reader(io.StringIO(cli("stats", "P", "--format", "csv").stdout)))
    assert ["figure", "", "invited_students", "6"] in rows
    assert ["figure", "", "invited_mentors", "suppressed"] in rows
