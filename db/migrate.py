"""Apply Alembic migrations from code: `frizon db upgrade` and the start of `frizon run`.

Every command upgrades the database before it acts. A database already at the newest
version is recognised without Alembic, which (with the migration scripts) takes a tenth
of a second to load; it is imported inside the functions that use it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's own name for it (env.py keeps the default)
# Alembic names each plugin it sets up, at INFO, when it loads; now that it loads after
# `frizon run` has configured the log, keep those lines out as its others are.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


class SchemaAhead(Exception):
    """The database was migrated by a newer frizon: this code does not know its schema."""

    def __init__(self, found: str, known: str) -> None:
        super().__init__(
            f"the database's schema is version {found}, newer than this frizon knows "
            f"(up to {known}): run the frizon version that upgraded it, or a newer one"
        )
        self.found, self.known = found, known


def alembic_config(database_url: str) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = database_url
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> int:
    """Bring the database to `revision` over the engine's own connection; return how many
    migrations that applied. Alembic's line per migration is kept out of the log."""

    def run(connection: Connection) -> int:
        if revision == "head" and stored_revisions(connection) == [newest_revision()]:
            return 0  # up to date: Alembic need not load
        return _upgrade(connection, revision)

    async with engine.begin() as connection:
        return await connection.run_sync(run)


def _upgrade(connection: Connection, revision: str) -> int:
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = alembic_config(connection.engine.url.render_as_string(hide_password=False))
    config.attributes["connection"] = connection
    chatty = logging.getLogger("alembic.runtime.migration")
    level = chatty.level
    chatty.setLevel(logging.WARNING)
    try:
        before = MigrationContext.configure(connection).get_current_revision()
        refuse_unknown(before)
        command.upgrade(config, revision)
        after = MigrationContext.configure(connection).get_current_revision()
    finally:
        chatty.setLevel(level)
    if after is None or after == before:
        return 0
    script = ScriptDirectory.from_config(config)
    return len(list(script.iterate_revisions(after, before)))


def stored_revisions(connection: Connection) -> list[str]:
    """The versions the database records (one, or none before the first migration), read
    as Alembic reads them."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return []
    return list(connection.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}")))


def newest_revision() -> str:
    """The newest schema version, read from the file names without Alembic: a migration's
    id is the number its file's name starts with (tests/test_migrations.py checks it)."""
    versions = (MIGRATIONS / "versions").glob("[0-9]*_*.py")
    return max(path.name.partition("_")[0] for path in versions)


def head_revision() -> str:
    """The newest schema version this code knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    assert head is not None
    return head


def refuse_unknown(revision: str | None) -> None:
    """Raise SchemaAhead for a database revision that none of this code's migrations has."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(""))
    if revision is not None and revision not in {r.revision for r in script.walk_revisions()}:
        raise SchemaAhead(revision, head_revision())


async def current_revision(engine: AsyncEngine) -> str | None:
    """The schema version the database is at, read without changing anything."""
    from alembic.runtime.migration import MigrationContext

    def read(connection: Connection) -> str | None:
        # Quiet: /readyz reads it every few seconds, and Alembic says its dialect each time.
        chatty = logging.getLogger("alembic.runtime.migration")
        level = chatty.level
        chatty.setLevel(logging.WARNING)
        try:
            return MigrationContext.configure(connection).get_current_revision()
        finally:
            chatty.setLevel(level)

    async with engine.connect() as connection:
        return await connection.run_sync(read)


def migrations_count() -> int:
    """How many migrations frizon has: the schema version people can compare."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(""))
    return len(list(script.walk_revisions()))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)
