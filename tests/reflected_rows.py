"""Rows for whatever schema a database has, read by reflection: every table gets rows whose
columns hold values of their type that its constraints accept, so data can be put into a
database at any schema version without knowing that version's models."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Connection,
    MetaData,
    Table,
    UniqueConstraint,
    select,
)

VERSION_TABLE = "alembic_version"
ROWS_PER_TABLE = 2  # two, so that a row can refer to two different members (a pair)
START = datetime(2026, 9, 7, 8, 0, tzinfo=UTC)
SMALL = 3  # for a plain number: inside every range a CHECK asks of one (mood 1-5, capacity > 0)

Row = dict[str, Any]
Key = tuple[Any, ...]


@dataclass
class Schema:
    """The tables as reflected, and what constrains their values beyond the types."""

    dialect: str  # "sqlite" or "postgresql"
    metadata: MetaData
    checks: dict[str, list[str]]  # table -> the SQL of its CHECK constraints
    unique: dict[str, set[str]]  # table -> columns in a primary key or a unique constraint

    @property
    def tables(self) -> dict[str, Table]:
        return dict(self.metadata.tables)


def read_schema(connection: Connection) -> Schema:
    metadata = MetaData()
    metadata.reflect(connection)  # constraints and indexes too
    metadata.remove(metadata.tables[VERSION_TABLE])
    checks, unique = {}, {}
    for name, table in metadata.tables.items():
        checks[name] = [
            str(constraint.sqltext)
            for constraint in table.constraints
            if isinstance(constraint, CheckConstraint)
        ]
        keyed = {column.name for column in table.primary_key.columns}
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint):
                keyed.update(column.name for column in constraint.columns)
        for index in table.indexes:
            if index.unique:
                keyed.update(column.name for column in index.columns)
        unique[name] = keyed
    return Schema(connection.dialect.name, metadata, checks, unique)


def key_of(table: Table, row: Row) -> Key:
    return tuple(row[column.name] for column in table.primary_key.columns)


def read_rows(connection: Connection, schema: Schema) -> dict[str, dict[Key, Row]]:
    """Every row of every table, by primary key."""
    return {
        name: {
            key_of(table, dict(row)): dict(row)
            for row in connection.execute(select(table)).mappings()
        }
        for name, table in schema.tables.items()
    }


@dataclass
class RowMaker:
    """Inserts rows into every table, parents first; each value distinct where it must be."""

    serial: int = 0
    made: dict[str, list[Row]] = field(default_factory=dict)

    def fill(self, connection: Connection, schema: Schema) -> dict[str, int]:
        """ROWS_PER_TABLE new rows in every table; how many went into each."""
        self.made = {}
        for table in schema.metadata.sorted_tables:
            rows = []
            for index in range(ROWS_PER_TABLE):
                values = self._values(schema, table, index)
                inserted = connection.execute(table.insert().values(values).returning(*table.c))
                rows.append(dict(inserted.mappings().one()))
            self.made[table.name] = rows
        return {name: len(rows) for name, rows in self.made.items()}

    def _values(self, schema: Schema, table: Table, index: int) -> Row:
        values: Row = {}
        parents_seen: dict[str, int] = {}
        for constraint in sorted(table.foreign_key_constraints, key=lambda c: c.column_keys):
            parent = constraint.referred_table.name
            if parent == table.name:  # a row of this table: none to refer to yet
                values.update(dict.fromkeys(constraint.column_keys))
                continue
            # The second reference to one table takes its other row: a pair's two members.
            nth = parents_seen.get(parent, 0)
            parents_seen[parent] = nth + 1
            row = self.made[parent][(index + nth) % ROWS_PER_TABLE]
            for element in constraint.elements:
                values[element.parent.name] = row[element.column.name]
        for column in table.columns:
            if column.name in values or _numbered_by_the_database(schema, table, column):
                continue
            self.serial += 1
            values[column.name] = self._value(schema, table, column)
        return values

    def _value(self, schema: Schema, table: Table, column: Column[Any]) -> Any:
        allowed = _allowed_words(schema.checks[table.name], column.name)
        if allowed:
            return sorted(allowed)[0]
        n = self.serial
        if isinstance(column.type, JSON):  # its python_type is object: anything JSON holds
            return {"n": n}
        kind = column.type.python_type
        if kind is bool:
            return True
        if kind is int:
            return 1_000 + n if column.name in schema.unique[table.name] else SMALL
        if kind is str:
            length = getattr(column.type, "length", None)
            return f"{n}-{column.name}"[:length]
        if kind is datetime:
            return START + timedelta(hours=n)
        if kind is date:
            return START.date() + timedelta(days=n)
        if kind is time:
            return time(9, 30)
        if kind is float:
            return 1.5
        if kind is Decimal:
            return Decimal("1.5")
        if kind is bytes:
            return f"bytes {n}".encode()
        raise AssertionError(f"no value for {table.name}.{column.name} of type {column.type}")


def _numbered_by_the_database(schema: Schema, table: Table, column: Column[Any]) -> bool:
    """A table's own id, which the database assigns: on SQLite an INTEGER primary key (the
    rowid), on PostgreSQL a serial or identity column."""
    if list(table.primary_key.columns) != [column] or column.foreign_keys:
        return False
    if schema.dialect == "sqlite":
        return str(column.type) == "INTEGER"
    return column.identity is not None or column.server_default is not None


def _allowed_words(checks: list[str], column: str) -> set[str]:
    """The words every CHECK naming the column lists (an enum stored as text), if any."""
    allowed: set[str] | None = None
    for check in checks:
        words = set(re.findall(r"'([^']*)'", check))
        if words and re.search(rf"\b{re.escape(column)}\b", check):
            allowed = words if allowed is None else allowed & words
    return allowed or set()
