"""Apply Alembic migrations from code: `frizon db upgrade` and the start of `frizon run`."""

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaAhead(Exception):
    """The database was migrated by a newer frizon: this code does not know its schema."""

    def __init__(self, found: str, known: str) -> None:
        super().__init__(
            f"the database's schema is version {found}, newer than this frizon knows "
            f"(up to {known}): run the frizon version that upgraded it, or a newer one"
        )
        self.found, self.known = found, known


def alembic_config(database_url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = database_url
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> int:
    """Bring the database to `revision` over the engine's own connection; return how many
    migrations that applied. Alembic's line per migration is kept out of the log."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    chatty = logging.getLogger("alembic.runtime.migration")

    def run(connection: Connection) -> int:
        config.attributes["connection"] = connection
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

    async with engine.begin() as connection:
        return await connection.run_sync(run)


def head_revision() -> str:
    """The newest schema version this code knows."""
    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    assert head is not None
    return head


def refuse_unknown(revision: str | None) -> None:
    """Raise SchemaAhead for a database revision that none of this code's migrations has."""
    script = ScriptDirectory.from_config(alembic_config(""))
    if revision is not None and revision not in {r.revision for r in script.walk_revisions()}:
        raise SchemaAhead(revision, head_revision())


async def current_revision(engine: AsyncEngine) -> str | None:
    """The schema version the database is at, read without changing anything."""

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
    script = ScriptDirectory.from_config(alembic_config(""))
    return len(list(script.walk_revisions()))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)
