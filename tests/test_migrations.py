"""Migrations: they build exactly the schema the models describe, and they can be undone."""

import logging
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, column, insert, inspect, select, table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.sql.expression import TableClause

from db.base import Base
from db.migrate import (
    alembic_config,
    downgrade,
    head_revision,
    migrations_count,
    newest_revision,
    upgrade,
)
from db.models import Delivery, DeliveryStatus, MemberStatus


def differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_the_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_upgrading_twice_changes_nothing(engine: AsyncEngine) -> None:
    await upgrade(engine)
    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_migrations_can_be_undone_and_redone(engine: AsyncEngine) -> None:
    await downgrade(engine, "base")
    async with engine.connect() as connection:
        assert await connection.run_sync(table_names) <= {"alembic_version"}
    await upgrade(engine)
    async with engine.connect() as connection:
        assert {"member", "programme", "pair", "invite"} <= await connection.run_sync(table_names)


async def test_an_upgrade_says_how_many_it_applied_and_alembic_stays_quiet(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    await downgrade(engine, "base")
    caplog.clear()

    with caplog.at_level(logging.INFO):
        applied = await upgrade(engine)
        again = await upgrade(engine)

    assert applied == migrations_count() >= 16
    assert again == 0
    assert [r.name for r in caplog.records if r.name.startswith("alembic")] == []


def test_a_migrations_id_is_its_files_number_so_the_newest_is_known_without_alembic() -> None:
    for migration in ScriptDirectory.from_config(alembic_config("")).walk_revisions():
        assert Path(migration.path).name.startswith(f"{migration.revision}_")

    assert newest_revision() == head_revision()


def old_table(name: str, columns: str) -> TableClause:
    return table(name, *(column(each) for each in columns.split()))


async def test_numbered_prompt_keys_become_the_days_they_name(engine: AsyncEngine) -> None:
    """0006: "programme:cycle" keys, counted from the programme's first day, become days."""
    await downgrade(engine, "0005")
    now = datetime(2026, 9, 1, tzinfo=UTC)
    # Inserts into the tables as they were at 0005 (the models may have grown since).
    programme_table = old_table("programme", "id name timezone cadence anchor_day created_at")
    member_table = old_table(
        "member", "id telegram_user_id display_name language status created_at"
    )
    delivery_table = old_table(
        "delivery", "member_id purpose cycle subject_id status due_at created_at attempts"
    )
    async with AsyncSession(engine) as session, session.begin():
        first = await session.scalar(
            insert(programme_table)
            .values(
                name="P",
                timezone="Europe/Stockholm",
                cadence="every 2 weeks thu 18:00",
                anchor_day=date(2026, 9, 7),  # a Monday; cycle 0 is Thursday the 10th
                created_at=now,
            )
            .returning(programme_table.c.id)
        )
        member_id = await session.scalar(
            insert(member_table)
            .values(
                telegram_user_id=1,
                display_name="Ana",
                language="en",
                status=MemberStatus.ACTIVE.value,
                created_at=now,
            )
            .returning(member_table.c.id)
        )
        keyed = [("prompt", f"{first}:{cycle}") for cycle in ("0", "3", "1:now-20260917120000")]
        for purpose, key in [*keyed, ("intro", "pair:3")]:
            await session.execute(
                insert(delivery_table).values(
                    member_id=member_id,
                    purpose=purpose,
                    cycle=key,
                    subject_id=first,
                    status=DeliveryStatus.SENT.value,
                    due_at=now,
                    created_at=now,
                    attempts=1,
                )
            )
    await upgrade(engine)

    async with AsyncSession(engine) as session:
        keys = (await session.scalars(select(Delivery.cycle).order_by(Delivery.id))).all()
    assert keys == [
        f"{first}:2026-09-10",
        f"{first}:2026-10-22",
        f"{first}:2026-09-24:now-20260917120000",
        "pair:3",
    ]
