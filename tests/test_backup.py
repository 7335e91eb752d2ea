"""`frizon backup` and `frizon restore`: a backup taken while check-ins are being committed
holds every one committed before it began, readable with the key, once restored into a
new database; a restore over data, or of a newer schema, is refused and changes nothing."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import sys
import time
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from bot.app.single_instance import only_instance
from bot.cli.backup import restored_key_line
from bot.core.config import Config, redact_url
from bot.core.crypto import ReflectionCipher, new_key
from bot.services.checkins import add_text, read_reflection, start_checkin
from db.backup import BackupProblem, make_backup, pg_client, restore_backup
from db.engine import create_engine, create_sessionmaker
from db.migrate import alembic_config, current_revision, downgrade, head_revision
from db.models import CheckIn, Programme, Role
from tests.conftest import START, PostgresServer
from tests.factories import a_member, a_programme

ROOT = Path(__file__).parent.parent
FRIZON = [sys.executable, "-m", "bot.cli"]
WRITERS = 6  # students committing check-ins as fast as the database takes them


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


async def frizon(workdir: Path, database_url: str, *args: str, key: str | None = None) -> Ran:
    """The real command, run without blocking the writers in this process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRIZON_")}
    env.update(PYTHONPATH=str(ROOT), FRIZON_DATABASE_URL=database_url, COLUMNS="200")
    if key is not None:
        env["FRIZON_REFLECTION_KEY"] = key
    process = await asyncio.create_subprocess_exec(
        *FRIZON,
        *args,
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())


@pytest.fixture
async def empty_url(
    database_url: str, tmp_path: Path, postgres_server: PostgresServer | None
) -> AsyncIterator[str]:
    """A new database on the same backend as `database_url`, with no tables at all."""
    if database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'restored.db'}"
        return
    assert postgres_server is not None
    name = await postgres_server.create_empty()
    yield postgres_server.url_for(name)
    await postgres_server.drop(name)


async def tables_in(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_a_backup_in_a_checkin_storm_restores_every_checkin_committed_before_it(
    database_url: str, empty_url: str, tmp_path: Path
) -> None:
    key = new_key()
    cipher = ReflectionCipher(key)
    engine = create_engine(database_url)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        programme = await a_programme(session, START)
        students = [
            (await a_member(session, START, programme, Role.STUDENT, name=f"Student {n}")).member_id
            for n in range(WRITERS)
        ]
    committed: dict[int, tuple[float, str]] = {}  # check-in id → (when committed, its words)
    stop, progress = asyncio.Event(), asyncio.Event()

    async def write_checkins(member_id: int) -> None:
        for n in itertools.count():
            if stop.is_set():
                return
            now = START + timedelta(seconds=n)
            words = f"Entry {n} of member {member_id}: the ward round went better today."
            async with sessionmaker() as session, session.begin():
                started = await start_checkin(
                    session, now=now, member_id=member_id, mood=n % 5 + 1, delivery_id=None
                )
                await add_text(
                    session, member_id=member_id, message_id=n, text=words, cipher=cipher, now=now
                )
            committed[started.checkin_id] = (time.monotonic(), words)
            progress.set()

    async def committed_count(at_least: int) -> None:
        while len(committed) < at_least:
            progress.clear()
            await progress.wait()

    storm = [asyncio.create_task(write_checkins(student)) for student in students]
    try:
        await asyncio.wait_for(committed_count(30), timeout=60)
        began = time.monotonic()
        backup = await frizon(tmp_path, database_url, "backup", "storm.backup")
        ended = time.monotonic()
        after = len(committed)
        await asyncio.wait_for(committed_count(after + 10), timeout=60)  # the storm goes on
    finally:
        stop.set()
        await asyncio.gather(*storm)
        await engine.dispose()

    assert backup.returncode == 0, backup.stderr
    assert (await asyncio.to_thread((tmp_path / "storm.backup").stat)).st_mode & 0o777 == 0o600
    assert backup.stdout.splitlines()[1] == (
        "Reflections in it stay encrypted and the key is not in it: keep the key somewhere "
        "else, so that whoever has the backup does not also have the key."
    )
    # The backup was taken in the middle of the storm, not beside it.
    assert any(began < at < ended for at, _ in committed.values())
    before = {checkin: words for checkin, (at, words) in committed.items() if at < began}
    assert len(before) >= 30

    restore = await frizon(tmp_path, empty_url, "restore", "storm.backup", key=key)

    assert restore.returncode == 0, restore.stderr
    assert restore.stdout.splitlines() == [
        f"Restored storm.backup (schema version {head_revision()}) into {redact_url(empty_url)}.",
        "The configured reflection key opens this backup's reflections.",
    ]
    restored_engine = create_engine(empty_url)
    try:
        async with create_sessionmaker(restored_engine)() as session:
            checkins = (await session.scalars(select(CheckIn))).all()
            restored = {checkin.id: read_reflection(cipher, checkin) for checkin in checkins}
    finally:
        await restored_engine.dispose()
    assert {checkin: restored.get(checkin) for checkin in before} == before
    # A snapshot, not a tear: whatever else it holds was committed whole.
    assert all(committed[checkin][1] == words for checkin, words in restored.items())


async def test_a_restore_over_data_is_refused_and_changes_nothing(
    database_url: str, empty_url: str, tmp_path: Path
) -> None:
    backup = await make_backup(database_url, tmp_path / "frizon.backup")
    engine = create_engine(empty_url)
    try:
        sessionmaker = create_sessionmaker(engine)
        await restore_backup(empty_url, backup.path)
        async with sessionmaker() as session, session.begin():
            await a_programme(session, START, name="Already here")

        with pytest.raises(BackupProblem) as refused:
            await restore_backup(empty_url, backup.path)

        tables = len(await tables_in(empty_url))
        assert str(refused.value) == (
            f"the configured database already holds data ({tables} tables): restore into a "
            "new, empty database, so that nobody's data is overwritten"
        )
        async with sessionmaker() as session:
            names = (await session.scalars(select(Programme.name))).all()
        assert names == ["Already here"]
    finally:
        await engine.dispose()


async def test_a_backup_from_a_newer_frizon_is_refused_and_changes_nothing(
    database_url: str, empty_url: str, tmp_path: Path
) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    finally:
        await engine.dispose()
    backup = await make_backup(database_url, tmp_path / "newer.backup")
    assert backup.revision == "0999"

    with pytest.raises(BackupProblem) as refused:
        await restore_backup(empty_url, backup.path)

    assert str(refused.value) == (
        f"the backup's schema is version 0999, newer than this frizon knows (up to "
        f"{head_revision()}): restore it with the frizon version that made it, or a newer one"
    )
    if empty_url.startswith("sqlite"):
        assert not await asyncio.to_thread(Path(make_url(empty_url).database or "").exists)
    else:
        assert await tables_in(empty_url) == set()


async def test_a_backup_from_an_older_frizon_is_restored_then_upgraded(
    database_url: str, empty_url: str, tmp_path: Path
) -> None:
    engine = create_engine(database_url)
    try:
        await downgrade(engine, "0021")
    finally:
        await engine.dispose()
    backup = await make_backup(database_url, tmp_path / "older.backup")

    restored = await restore_backup(empty_url, backup.path)

    newer = [
        r
        for r in ScriptDirectory.from_config(alembic_config("")).walk_revisions()
        if r.revision > "0021"
    ]  # revisions are numbered in order
    assert (restored.revision, restored.upgraded) == ("0021", len(newer))
    engine = create_engine(empty_url)
    try:
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


async def test_the_command_line_refuses_in_one_line_and_changes_nothing(
    tmp_path: Path, sqlite_template: Path
) -> None:
    await asyncio.to_thread(shutil.copyfile, sqlite_template, tmp_path / "frizon.db")
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'frizon.db'}"
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            await a_programme(session, START, name="Kept")
        await make_backup(database_url, tmp_path / "frizon.backup")

        over = await frizon(tmp_path, database_url, "restore", "frizon.backup")

        tables = len(await tables_in(database_url))
        assert (over.returncode, over.stderr) == (
            2,
            f"frizon: the configured database already holds data ({tables} tables): restore "
            "into a new, empty database, so that nobody's data is overwritten. Nothing changed.\n",
        )
        async with create_sessionmaker(engine)() as session:
            assert (await session.scalars(select(Programme.name))).all() == ["Kept"]
    finally:
        await engine.dispose()

    empty_url = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
    with only_instance(empty_url):  # a bot started on it meanwhile
        beside_a_bot = await frizon(tmp_path, empty_url, "restore", "frizon.backup")

    assert (beside_a_bot.returncode, beside_a_bot.stderr) == (
        2,
        f"frizon: another frizon is already running on {tmp_path / 'new.db'}; SQLite allows "
        "one (use PostgreSQL to run several). Nothing changed.\n",
    )
    assert not await asyncio.to_thread((tmp_path / "new.db").exists)


async def test_what_is_no_backup_is_refused(database_url: str, tmp_path: Path) -> None:
    made = await make_backup(database_url, tmp_path / "frizon.backup")
    backed_up = await asyncio.to_thread(made.path.read_bytes)
    (tmp_path / "notes.txt").write_text("not a backup")

    with pytest.raises(BackupProblem) as exists:
        await make_backup(database_url, made.path)
    with pytest.raises(BackupProblem) as notes:
        await restore_backup(database_url, tmp_path / "notes.txt")
    with pytest.raises(BackupProblem) as nothing:
        await restore_backup(database_url, tmp_path / "missing.backup")

    assert [str(problem.value) for problem in (exists, notes, nothing)] == [
        f"{made.path} already exists: give a new file name (nothing was written)",
        f"{tmp_path / 'notes.txt'} is not a frizon backup (neither a SQLite file nor a pg_dump)",
        f"there is no file {tmp_path / 'missing.backup'}",
    ]
    assert await asyncio.to_thread(made.path.read_bytes) == backed_up


ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@ON_POSTGRESQL
async def test_pg_dump_is_given_the_password_in_its_environment_not_its_arguments(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = shutil.which("pg_dump")
    assert real is not None
    recorder = tmp_path / "bin" / "pg_dump"  # notes what it was given, then is pg_dump
    recorder.parent.mkdir()
    recorder.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > {tmp_path}/arguments\n'
        f'printf "%s" "$PGPASSWORD" > {tmp_path}/password\n'
        f'exec {real} "$@"\n'
    )
    recorder.chmod(0o755)
    monkeypatch.setenv("PATH", f"{recorder.parent}{os.pathsep}{os.environ['PATH']}")
    url = make_url(database_url)
    assert url.password

    await make_backup(database_url, tmp_path / "frizon.backup")

    assert (tmp_path / "arguments").read_text().splitlines() == [
        "--format=custom",
        "--no-password",  # never a prompt: a timer has nobody to answer it
        f"--file={tmp_path / 'frizon.backup.partial'}",
        "--dbname",
        url.database,
    ]
    assert (tmp_path / "password").read_text() == url.password


def test_without_pg_dump_the_operator_is_told_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing here"))
    monkeypatch.setattr("db.backup.PG_CLIENT_FOLDERS", f"{tmp_path}/postgresql/*/bin")

    with pytest.raises(BackupProblem) as missing:
        pg_client("pg_dump")

    assert str(missing.value) == (
        "pg_dump is not installed: install PostgreSQL's client tools (Debian, Ubuntu: "
        "`apt install postgresql-client`; Fedora, RHEL: `dnf install postgresql`), as new as "
        "the server, or put the folder holding pg_dump on PATH"
    )
    for version in ("9.6", "13", "15"):  # Debian's folders, one per major version
        (tmp_path / "postgresql" / version / "bin").mkdir(parents=True)
        (tmp_path / "postgresql" / version / "bin" / "pg_dump").touch()
    assert pg_client("pg_dump") == str(tmp_path / "postgresql" / "15" / "bin" / "pg_dump")


async def test_after_a_restore_the_operator_learns_whether_the_key_fits(
    database_url: str, tmp_path: Path
) -> None:
    key, other = new_key(), new_key()
    no_key_file = tmp_path / "frizon-sandbox.key"

    def told(**sections: dict[str, str]) -> Awaitable[str]:
        config = Config.model_validate({"database": {"url": database_url}, **sections})
        return restored_key_line(config, sandbox_key_file=no_key_file)

    assert await told(security={"reflection_key": key}) == (
        "The backup holds no encrypted text yet: any reflection key will do."
    )
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            programme = await a_programme(session, START)
            student = await a_member(session, START, programme, Role.STUDENT)
            await start_checkin(
                session, now=START, member_id=student.member_id, mood=4, delivery_id=None
            )
            await add_text(
                session,
                member_id=student.member_id,
                message_id=1,
                text="Words",
                cipher=ReflectionCipher(key),
                now=START,
            )
    finally:
        await engine.dispose()

    assert [
        await told(security={"reflection_key": key}),
        await told(security={"reflection_key": other}),
        await told(telegram={"token": "123456:real-bot"}),
    ] == [
        "The configured reflection key opens this backup's reflections.",
        "The configured reflection key does not open this backup's reflections: configure the "
        "key the backup was made with before `frizon run`.",
        "The backup does not hold the reflection key: configure the key it was made with "
        "(FRIZON_REFLECTION_KEY) before `frizon run`, or its reflections cannot be read.",
    ]
    assert not await asyncio.to_thread(no_key_file.exists)
