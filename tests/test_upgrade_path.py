"""Upgrade safety: a database holding data at every earlier schema version is migrated up to
head, and nothing is lost on the way.

One pass per backend, from an empty database: before each migration, every table that
exists then gets rows (values chosen from the reflected schema alone, so a migration added
later is covered without a change here); after it, every row that was there before is
still there with the same values, in every table the migration kept; at head, every table
holds all the rows put into it."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.migrate import alembic_config, current_revision, downgrade, head_revision, upgrade
from tests.reflected_rows import Key, Row, RowMaker, Schema, read_rows, read_schema

# Tables a migration drops with their rows on purpose, and why that loses nothing needed.
DROPPED_ON_PURPOSE = {
    ("0017", "processed_update"): "a week's memory of updates by id, re-keyed by content",
}


def revisions_in_order() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(""))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def comparable(value: Any) -> Any:
    """SQLite returns times without their zone (they are UTC); PostgreSQL with it."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def losses(
    connection: Connection, revision: str, schema: Schema, before: dict[str, dict[Key, Row]]
) -> tuple[list[str], Schema]:
    """What the migration just applied lost or changed of the rows that were there, one
    line per table; and the schema it left."""
    found = []
    after_schema = read_schema(connection)
    after = read_rows(connection, after_schema)
    for name, rows in before.items():
        if (revision, name) in DROPPED_ON_PURPOSE:
            continue
        if name not in after:
            found.append(f"table {name} is gone, with {len(rows)} rows")
            continue
        key_columns = [column.name for column in schema.tables[name].primary_key.columns]
        now = {tuple(row.get(c) for c in key_columns): row for row in after[name].values()}
        gone = [key for key in rows if key not in now]
        changed = {
            key: {
                column: (value, now[key][column])
                for column, value in row.items()
                if column in now[key] and comparable(value) != comparable(now[key][column])
            }
            for key, row in rows.items()
            if key in now
        }
        changed = {key: change for key, change in changed.items() if change}
        if gone:
            found.append(f"{name}: {len(gone)} of {len(rows)} rows gone, e.g. {gone[0]}")
        if changed:
            key, change = next(iter(changed.items()))
            found.append(f"{name}: {len(changed)} rows changed, e.g. {key}: {change}")
    return found, after_schema


async def test_data_written_at_every_schema_version_survives_every_upgrade_to_head(
    engine: AsyncEngine,
) -> None:
    await downgrade(engine, "base")
    maker = RowMaker()
    inserted: Counter[str] = Counter()
    revisions = revisions_in_order()
    assert revisions[-1] == head_revision()

    async with engine.connect() as connection:
        schema = await connection.run_sync(read_schema)
    for revision in revisions:
        async with engine.begin() as connection:
            inserted.update(await connection.run_sync(maker.fill, schema))
            before = await connection.run_sync(read_rows, schema)
        await upgrade(engine, revision)
        async with engine.connect() as connection:
            lost, schema = await connection.run_sync(losses, revision, schema, before)
        assert lost == [], f"migration {revision} lost data: {lost}"
        for dropped_revision, table in DROPPED_ON_PURPOSE:
            if dropped_revision == revision:
                inserted.pop(table, None)

    assert await current_revision(engine) == head_revision()
    async with engine.connect() as connection:
        head = await connection.run_sync(read_schema)
        counts = {
            name: await connection.scalar(select(func.count()).select_from(table))
            for name, table in head.tables.items()
        }
    # A migration may add rows of its own; none of those put in may be missing.
    short = {
        name: (counts.get(name, 0), n) for name, n in inserted.items() if counts.get(name, 0) < n
    }
    assert short == {}, "tables at head with fewer rows than were put in: (found, put in)"
    assert {"programme", "member", "membership", "pair", "checkin"} <= set(inserted)
