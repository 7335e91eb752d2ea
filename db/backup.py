"""Backups: a consistent copy of the database while the bot runs, and putting one back.

SQLite is copied with its online backup API: one step, under one read transaction, so
the copy is the database as of one moment while writers go on (WAL mode lets them). On
PostgreSQL, `pg_dump --format=custom` reads one snapshot; `pg_restore` puts it back in
one transaction. The password reaches both in their environment (PGPASSWORD), never on
their command line. A backup holds the rows as stored: reflections stay encrypted, and
the key is not in it.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

from db.base import Base
from db.engine import create_engine
from db.migrate import SchemaAhead, head_revision, refuse_unknown, upgrade

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
FRIZON_TABLES = frozenset(Base.metadata.tables) | {"alembic_version"}
PG_CLIENT_FOLDERS = "/usr/lib/postgresql/*/bin"  # Debian and Ubuntu keep one per version
INSTALL_PG_CLIENT = (
    "install PostgreSQL's client tools (Debian, Ubuntu: `apt install postgresql-client`; "
    "Fedora, RHEL: `dnf install postgresql`), as new as the server, or put the folder "
    "holding {tool} on PATH"
)
SQLITE, POSTGRESQL = "SQLite", "PostgreSQL"


class BackupProblem(Exception):
    """Why a backup or a restore did not happen, in one line (never a password)."""


@dataclass(frozen=True)
class Backup:
    path: Path
    revision: str  # the schema version inside it
    size: int  # bytes


@dataclass(frozen=True)
class Restored:
    revision: str  # the schema version the backup held
    upgraded: int  # migrations applied after it, to bring it to this code's head


async def make_backup(database_url: str, target: Path) -> Backup:
    """Write a consistent copy of the database to `target`, a file that must not exist.

    It is written next to `target` first and renamed when complete, so a failed backup
    never leaves a file that looks like one.
    """
    partial = await asyncio.to_thread(_partial_for, target)
    url = make_url(database_url)
    try:
        if _backend(url) == SQLITE:
            revision = await asyncio.to_thread(_copy_sqlite, _sqlite_file(url), partial)
        else:
            revision = await _dump_postgresql(url, partial)
        size = await asyncio.to_thread(_complete, partial, target)
    finally:
        await asyncio.to_thread(partial.unlink, missing_ok=True)
    return Backup(target, revision, size)


def _partial_for(target: Path) -> Path:
    """Where the backup is written until it is complete: made empty, readable by us alone."""
    if target.exists():
        raise BackupProblem(f"{target} already exists: give a new file name (nothing was written)")
    if not target.parent.is_dir():
        raise BackupProblem(f"there is no folder {target.parent} to write {target.name} in")
    partial = target.with_name(f"{target.name}.partial")
    partial.unlink(missing_ok=True)  # left by a backup that was killed
    # Names and Telegram ids are personal data: only the operator's user may read it.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return partial


def _complete(partial: Path, target: Path) -> int:
    """The backup renamed to its name; its size."""
    partial.replace(target)
    return target.stat().st_size


async def restore_backup(database_url: str, source: Path) -> Restored:
    """Put a backup into the configured database, which must hold none of frizon's tables;
    a backup from an older frizon is then upgraded to this code's schema. A refusal
    changes nothing."""
    url = make_url(database_url)
    kind = _kind_of(source)
    backend = _backend(url)
    if kind != backend:
        raise BackupProblem(
            f"{source} is a backup of a {kind} database, but the configured database is "
            f"{backend}: restore it into a {kind} database"
        )
    revision = (
        await asyncio.to_thread(_sqlite_revision, source)
        if kind == SQLITE
        else await _dumped_revision(source)
    )
    try:
        refuse_unknown(revision)
    except SchemaAhead:
        raise BackupProblem(
            f"the backup's schema is version {revision}, newer than this frizon knows "
            f"(up to {head_revision()}): restore it with the frizon version that made it, "
            "or a newer one"
        ) from None
    await _refuse_unless_empty(url)
    if kind == SQLITE:
        await asyncio.to_thread(_copy_into_sqlite, source, _sqlite_file(url))
    else:
        await _restore_postgresql(url, source)
    engine = create_engine(database_url)
    try:
        upgraded = await upgrade(engine)
    finally:
        await engine.dispose()
    return Restored(revision, upgraded)


def _backend(url: URL) -> str:
    return SQLITE if url.drivername.startswith("sqlite") else POSTGRESQL


def _kind_of(source: Path) -> str:
    try:
        with source.open("rb") as file:
            start = file.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupProblem(f"there is no file {source}") from None
    except OSError as error:
        raise BackupProblem(f"cannot read {source}: {error.strerror or error}") from None
    if start.startswith(SQLITE_MAGIC):
        return SQLITE
    if start.startswith(PG_DUMP_MAGIC):
        return POSTGRESQL
    raise BackupProblem(f"{source} is not a frizon backup (neither a SQLite file nor a pg_dump)")


# SQLite


def _sqlite_file(url: URL) -> Path:
    if url.database in (None, "", ":memory:"):
        raise BackupProblem("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _copy_sqlite(source: Path, partial: Path) -> str:
    if not source.is_file():
        raise BackupProblem(f"there is no database file {source}")
    with (
        closing(sqlite3.connect(source, timeout=30)) as live,
        closing(sqlite3.connect(partial)) as copy,
    ):
        live.backup(copy)  # all pages in one step: one snapshot, however busy the writers
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        (check,) = copy.execute("PRAGMA quick_check").fetchone()
        if check != "ok":
            raise BackupProblem(f"the copy of {source} does not check out: {check}")
        return _revision_in(copy, f"the database {source}")


def _sqlite_revision(source: Path) -> str:
    try:
        with closing(sqlite3.connect(f"{source.absolute().as_uri()}?mode=ro", uri=True)) as db:
            return _revision_in(db, str(source))
    except sqlite3.DatabaseError as error:
        raise BackupProblem(f"{source} cannot be read as a SQLite backup: {error}") from None


def _revision_in(db: sqlite3.Connection, what: str) -> str:
    try:
        row = db.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        row = None
    if row is None:
        raise BackupProblem(f"{what} holds no frizon schema (no alembic_version in it)")
    return str(row[0])


def _copy_into_sqlite(source: Path, target: Path) -> None:
    if not target.parent.is_dir():
        raise BackupProblem(f"there is no folder {target.parent} for the database file")
    uri = f"{source.absolute().as_uri()}?mode=ro"
    with (
        closing(sqlite3.connect(uri, uri=True)) as backup,
        closing(sqlite3.connect(target, timeout=30)) as database,
    ):
        backup.backup(database)


# PostgreSQL


async def _dump_postgresql(url: URL, partial: Path) -> str:
    await _run(
        "pg_dump", url, "--format=custom", "--no-password", f"--file={partial}", "--dbname",
        _database(url),
    )  # fmt: skip
    return await _dumped_revision(partial)


async def _restore_postgresql(url: URL, source: Path) -> None:
    # The configured role owns what is restored; grants to other roles are not carried
    # over. All of it in one transaction: a restore that fails leaves the database empty.
    await _run(
        "pg_restore", url, "--no-owner", "--no-privileges", "--single-transaction",
        "--exit-on-error", "--no-password", "--dbname", _database(url), str(source),
    )  # fmt: skip


async def _dumped_revision(dump: Path) -> str:
    """The schema version a custom-format dump holds: its alembic_version row."""
    listing = await _run(
        "pg_restore", None, "--data-only", "--table=alembic_version", "--file=-", str(dump)
    )
    rows = re.search(r"^COPY \S*alembic_version .*?\n(.*?)^\\\.$", listing, re.M | re.S)
    versions = rows.group(1).split() if rows else []
    if len(versions) != 1:
        raise BackupProblem(f"{dump} holds no frizon schema (no alembic_version in it)")
    return versions[0]


async def _run(tool: str, url: URL | None, *arguments: str) -> str:
    """Run a PostgreSQL client tool against the database `url` names; its output."""
    program = pg_client(tool)
    process = await asyncio.create_subprocess_exec(
        program,
        *arguments,
        env=_environment(url),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines() or [f"exit {process.returncode}"]
        reason = lines[0].removeprefix(f"{tool}: ").removeprefix("error: ")
        if url is not None and url.password:
            reason = reason.replace(url.password, "***")
        raise BackupProblem(f"{tool} failed: {reason}")
    return out.decode(errors="replace")


def pg_client(tool: str) -> str:
    """`pg_dump` or `pg_restore`: on PATH, else the newest in PostgreSQL's own folders."""
    found = shutil.which(tool)
    if found is not None:
        return found
    folders = Path("/").glob(PG_CLIENT_FOLDERS.lstrip("/"))
    installed = [folder / tool for folder in folders if (folder / tool).is_file()]
    if not installed:
        raise BackupProblem(f"{tool} is not installed: {INSTALL_PG_CLIENT.format(tool=tool)}")
    return str(max(installed, key=lambda path: _version_number(path.parent.parent.name)))


def _version_number(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name))


def _database(url: URL) -> str:
    if not url.database:
        raise BackupProblem("the database URL names no database")
    return url.database


def _environment(url: URL | None) -> dict[str, str]:
    """The child's environment: where to connect and, out of sight of `ps`, the password."""
    environment = dict(os.environ)
    if url is None:
        return environment
    host = url.host or _query(url, "host")
    settings = {
        "PGHOST": host,
        "PGPORT": str(url.port) if url.port else _query(url, "port"),
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGSSLMODE": _ssl_mode(_query(url, "ssl") or _query(url, "sslmode")),
    }
    environment.update({name: value for name, value in settings.items() if value})
    return environment


def _query(url: URL, name: str) -> str | None:
    value = url.query.get(name)
    return value if isinstance(value, str) or value is None else value[0]


def _ssl_mode(value: str | None) -> str | None:
    # asyncpg takes ssl=true as well as libpq's modes
    return {"true": "require", "false": "disable"}.get(value.lower(), value) if value else None


async def _refuse_unless_empty(url: URL) -> None:
    """A restore goes into an empty database only: never over anyone's data."""
    if _backend(url) == SQLITE and not await asyncio.to_thread(_sqlite_file(url).exists):
        return  # a new file: nothing to look at (and none made by looking)
    engine = create_engine(url.render_as_string(hide_password=False))
    try:
        async with engine.connect() as connection:
            tables = set(await connection.run_sync(_table_names))
    except (OSError, DBAPIError) as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise BackupProblem(f"cannot open the configured database: {reason}") from None
    finally:
        await engine.dispose()
    # A SQLite file is replaced whole, so any table in it counts; on PostgreSQL, frizon's.
    found = tables if _backend(url) == SQLITE else tables & FRIZON_TABLES
    if found:
        raise BackupProblem(
            f"the configured database already holds data ({len(found)} "
            f"table{'s' if len(found) != 1 else ''}): "
            "restore into a new, empty database, so that nobody's data is overwritten"
        )


def _table_names(connection: Connection) -> list[str]:
    return inspect(connection).get_table_names()
