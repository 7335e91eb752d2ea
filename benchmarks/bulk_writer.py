"""Rows written straight through the database driver, in chunks: executemany on SQLite,
COPY on PostgreSQL, with the conversions SQLAlchemy itself would apply."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

CHUNK = 20_000  # rows per executemany / COPY


class Writer:
    """Buffers rows per table and writes them in chunks through the driver."""

    def __init__(self, connection: AsyncConnection, driver: Any, dialect: str) -> None:
        self.connection, self.driver, self.dialect = connection, driver, dialect
        self.buffers: dict[str, list[tuple[Any, ...]]] = {}
        self.columns: dict[str, list[str]] = {}
        self.converters: dict[str, list[Callable[[Any], Any] | None]] = {}
        self.counts: dict[str, int] = {}

    def table(self, table: Table, columns: Sequence[str]) -> None:
        self.buffers[table.name], self.columns[table.name] = [], list(columns)
        self.counts[table.name] = 0
        if self.dialect == "sqlite":
            # SQLAlchemy's own conversions (timestamps as its text format, booleans as 0/1)
            # so the rows read back exactly as rows the bot wrote.
            dialect = self.connection.dialect
            self.converters[table.name] = [
                table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
            ]
        else:
            self.converters[table.name] = [
                (lambda value: None if value is None else json.dumps(value))
                if table.c[name].type.__class__.__name__ == "JSON"
                else None
                for name in columns
            ]

    async def add(self, table: str, row: tuple[Any, ...]) -> None:
        buffer = self.buffers[table]
        buffer.append(row)
        if len(buffer) >= CHUNK:
            await self.flush(table)

    async def flush(self, *tables: str) -> None:
        for table in tables or tuple(self.buffers):
            rows = self.buffers[table]
            if not rows:
                continue
            converters = self.converters[table]
            if any(converters):
                rows = [
                    tuple(
                        value if convert is None else convert(value)
                        for value, convert in zip(row, converters, strict=True)
                    )
                    for row in rows
                ]
            columns = self.columns[table]
            if self.dialect == "sqlite":
                marks = ", ".join("?" for _ in columns)
                await self.driver.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
                )
            else:
                await self.driver.copy_records_to_table(table, records=rows, columns=columns)
            self.counts[table] += len(rows)
            self.buffers[table] = []
