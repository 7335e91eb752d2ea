"""A generated programme for the statistics benchmark: students, mentors, coordinators,
invites, pairs, weekly prompts, check-ins, meetings and help uses, as the running bot
would have left them after a couple of years.

Rows are written straight through the database driver in chunks (executemany on SQLite,
COPY on PostgreSQL), with ids chosen here so that check-ins can point at their prompt
deliveries without reading anything back. Everything is drawn from one seeded random
generator: the same sizes and seed give the same database.

What is generated is benchmarks/stats_sizes.py; the rows, benchmarks/stats_people.py,
stats_pairs.py and stats_checkins.py, through benchmarks/bulk_writer.py.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from benchmarks.bulk_writer import Writer
from benchmarks.stats_checkins import write_prompts_and_checkins
from benchmarks.stats_pairs import write_meetings, write_pairs
from benchmarks.stats_people import write_members
from benchmarks.stats_sizes import PROMPT_AT, ZONE, Sizes
from db.base import Base
from db.models import Programme

TABLES = Base.metadata.tables


async def _next_id(connection: AsyncConnection, table: Table) -> int:
    return int(await connection.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


def last_prompt(now: datetime) -> datetime:
    """The newest Monday 18:00 (Stockholm) before `now`."""
    local = now.astimezone(ZONE)
    monday = local.date() - timedelta(days=local.weekday())
    moment = datetime.combine(monday, PROMPT_AT, tzinfo=ZONE)
    if moment >= local:
        moment = datetime.combine(monday - timedelta(days=7), PROMPT_AT, tzinfo=ZONE)
    return moment.astimezone(UTC)


async def generate_programme(
    engine: AsyncEngine, sizes: Sizes, *, now: datetime, seed: int = 5
) -> int:
    """Write one programme of `sizes` into a migrated database; returns its id."""
    rng = random.Random(f"{seed}:{sizes.name}")
    weeks = sizes.weeks
    newest = last_prompt(now)
    anchor = newest.astimezone(ZONE).date() - timedelta(weeks=weeks - 1)
    mondays = [anchor + timedelta(weeks=w) for w in range(weeks)]
    prompt_times = [
        datetime.combine(day, PROMPT_AT, tzinfo=ZONE).astimezone(UTC) for day in mondays
    ]

    async with engine.connect() as connection:
        dialect = connection.dialect.name
        programme_id = await connection.scalar(
            insert(Programme)
            .values(
                name=sizes.name,
                timezone="Europe/Stockholm",
                cadence="weekly mon 18:00",
                anchor_day=anchor,
                rotation_starts=",".join(
                    (anchor + timedelta(weeks=w)).isoformat() for w in range(0, weeks, 13)
                ),
                meeting_weeks=4,
                created_at=prompt_times[0] - timedelta(days=30),
            )
            .returning(Programme.id)
        )
        assert programme_id is not None
        raw = await connection.get_raw_connection()
        writer = Writer(connection, raw.driver_connection, dialect)
        first = {
            table.name: await _next_id(connection, table)
            for table in (
                TABLES["member"],
                TABLES["membership"],
                TABLES["invite"],
                TABLES["pair"],
                TABLES["delivery"],
                TABLES["checkin"],
                TABLES["meeting"],
            )
        }
        writer.table(
            TABLES["member"],
            ("id", "telegram_user_id", "display_name", "language", "status", "created_at"),
        )
        writer.table(
            TABLES["membership"],
            ("id", "programme_id", "member_id", "role", "capacity", "created_at"),
        )
        writer.table(
            TABLES["invite"],
            (
                "id",
                "programme_id",
                "role",
                "token_hash",
                "name",
                "language",
                "capacity",
                "tags",
                "created_at",
                "expires_at",
                "used_at",
                "used_by_id",
            ),
        )
        writer.table(
            TABLES["pair"],
            (
                "id",
                "programme_id",
                "student_id",
                "mentor_id",
                "status",
                "started_at",
                "ended_at",
                "meeting_weeks",
            ),
        )
        writer.table(
            TABLES["delivery"],
            (
                "id",
                "member_id",
                "purpose",
                "cycle",
                "subject_id",
                "prompt_key",
                "status",
                "due_at",
                "created_at",
                "finished_at",
                "attempts",
                "reason",
            ),
        )
        writer.table(
            TABLES["checkin"],
            (
                "id",
                "programme_id",
                "member_id",
                "delivery_id",
                "prompt_key",
                "theme",
                "source",
                "mood",
                "reflection",
                "last_message_id",
                "shared",
                "status",
                "created_at",
                "completed_at",
            ),
        )
        writer.table(
            TABLES["meeting"],
            (
                "id",
                "pair_id",
                "met_on",
                "logged_by_id",
                "confirmed_by_id",
                "stands",
                "created_at",
            ),
        )
        writer.table(TABLES["help_use"], ("programme_id", "week", "uses"))

        people = await write_members(writer, rng, sizes, programme_id, first, prompt_times, now)
        students, mentors = people
        pairs = await write_pairs(writer, rng, programme_id, first["pair"], students, mentors, now)
        await writer.flush()
        await write_prompts_and_checkins(
            writer, rng, sizes, programme_id, first, students, mentors, mondays, prompt_times, now
        )
        await write_meetings(writer, rng, sizes, first["meeting"], pairs, now)
        for week, monday in enumerate(mondays):
            busy = 1 + sizes.students // 250
            await writer.add("help_use", (programme_id, monday, rng.randint(0, busy + week % 7)))
        await writer.flush()
        # What the meetings service keeps on each pair as meetings are logged.
        await connection.execute(
            text(
                "UPDATE pair SET last_met_on = (SELECT max(meeting.met_on) FROM meeting "
                "WHERE meeting.pair_id = pair.id AND meeting.stands) "
                "WHERE pair.programme_id = :programme"
            ),
            {"programme": programme_id},
        )
        if dialect == "postgresql":
            for table in first:
                await connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        await connection.commit()
    if engine.dialect.name == "postgresql":
        # What autovacuum would have done by now on a database this old.
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE"))
    return int(programme_id)
