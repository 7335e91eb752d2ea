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
