"""/metrics counts the database's errors by exception class: a refused connection as
much as a failed statement, each once."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.metrics import Metrics
from db.engine import create_engine


def errors(metrics: Metrics) -> dict[str, float]:
    return {
        sample.labels["error"]: sample.value
        for family in metrics.registry.collect()
        if family.name == "frizon_database_errors"
        for sample in family.samples
        if sample.name == "frizon_database_errors_total"
    }


async def test_a_failed_statement_is_counted_once_by_its_class(engine: AsyncEngine) -> None:
    metrics = Metrics()
    stop = metrics.watch_database(engine)
    with pytest.raises(DBAPIError) as raised:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT * FROM no_such_table"))
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # a good statement counts nothing
    stop()

    assert errors(metrics) == {type(raised.value.orig).__name__: 1}


async def test_a_refused_connection_is_counted() -> None:
    engine = create_engine("postgresql+asyncpg://frizon:frizon@127.0.0.1:1/frizon")
    metrics = Metrics()
    stop = metrics.watch_database(engine)
    try:
        with pytest.raises(OSError):
            async with engine.connect():
                pass
    finally:
        stop()
        await engine.dispose()

    assert errors(metrics) == {"ConnectionRefusedError": 1}


async def test_errors_after_watching_stopped_are_not_counted(engine: AsyncEngine) -> None:
    metrics = Metrics()
    metrics.watch_database(engine)()
    with pytest.raises(DBAPIError):
        async with engine.connect() as connection:
            await connection.execute(text("SELECT * FROM no_such_table"))

    assert errors(metrics) == {}
