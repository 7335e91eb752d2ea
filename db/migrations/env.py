"""Alembic environment: run over a connection handed in by frizon, or open one from the URL."""

import asyncio
from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from db import models  # noqa: F401  (registers the tables on the metadata)
from db.base import Base
from db.types import UtcDateTime

config = context.config
target_metadata = Base.metadata


def render_item(kind: str, item: Any, autogen_context: Any) -> str | Literal[False]:
    """Write frizon's own column types as the plain SQLAlchemy types they store."""
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=render_item,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_from_url(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(run_with)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.attributes["database_url"], target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
elif (connection := config.attributes.get("connection")) is not None:
    run_with(connection)
else:
    asyncio.run(run_from_url(config.attributes["database_url"]))
