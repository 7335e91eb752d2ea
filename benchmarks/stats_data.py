"""A generated programme for the statistics benchmark: students, mentors, coordinators,
invites, pairs, weekly prompts, check-ins, meetings and help uses, as the running bot
would have left them after a couple of years.

Rows are written straight through the database driver in chunks (executemany on SQLite,
COPY on PostgreSQL), with ids chosen here so that check-ins can point at their prompt
deliveries without reading anything back. Everything is drawn from one seeded random
generator: the same sizes and seed give the same database.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.crypto import ReflectionCipher, new_key
from bot.outbox.keys.digests import digest_key
from bot.outbox.keys.prompts import cycle_key
from bot.outbox.purposes import Purpose
from db.base import Base
from db.models import Programme

# Bump when the generated data changes, so that cached databases are made again.
GENERATOR_VERSION = 1

ZONE = ZoneInfo("Europe/Stockholm")
PROMPT_AT = time(18, 0)  # the programme's cadence, "weekly mon 18:00"
COORDINATORS = 3
TABLES = Base.metadata.tables
CHUNK = 20_000  # rows per executemany / COPY
LINKED_SHARE = 0.96  # check-ins answering a prompt; the rest were started with /checkin
DELIVERIES_PER_CHECKIN = 1.2  # prompts sent per check-in: sets how many weeks have passed
MOODS = (1, 2, 3, 4, 5)
MOOD_WEIGHTS = (5, 12, 30, 35, 18)
PAIR_RHYTHMS = (2, 4, 6, 8, None)  # weeks agreed by the pair; None: the programme's 4
PAIR_RHYTHM_WEIGHTS = (15, 35, 10, 10, 30)
PROMPT_KEYS = tuple(f"bench-prompt-{n:02d}" for n in range(40))
THEMES = ("ward", "team", "patient", "self", "learning", None)


@dataclass(frozen=True)
class Sizes:
    students: int
    mentors: int
    checkins: int
    meetings: int

    @property
    def name(self) -> str:
        """The programme's name; it says what was generated, so a database can be reused."""
        return (
            f"Benchmark stats v{GENERATOR_VERSION} {self.students}/{self.mentors}/"
            f"{self.checkins}/{self.meetings}"
        )

    def scaled_to(self, students: int) -> Sizes:
        """The same shape with fewer (or more) students."""
        factor = students / self.students
        return Sizes(
            students,
            max(1, round(self.mentors * factor)),
            round(self.checkins * factor),
            round(self.meetings * factor),
        )

    @property
    def weeks(self) -> int:
        """Weeks of prompts so far: about 1.2 prompts per check-in, spread over everyone."""
        if self.students == 0:
            return 1
        return max(2, round(DELIVERIES_PER_CHECKIN * self.checkins / self.students) + 1)


LARGE = Sizes(students=10_000, mentors=2_000, checkins=1_000_000, meetings=100_000)
EMPTY = Sizes(students=0, mentors=0, checkins=0, meetings=0)


@dataclass
class Person:
    id: int
    joined: datetime
    status: str  # active, blocked or left
    gone_week: int | None  # the week from which a blocked or left member gets no prompts
    capacity: int | None  # a mentor's


@dataclass
class PairRow:
    id: int
    student: int
    mentor: int
    started: datetime
    ended: datetime | None
    rhythm: int | None


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

        people = await _members(writer, rng, sizes, programme_id, first, prompt_times, now)
        students, mentors = people
        pairs = await _pairs(writer, rng, programme_id, first["pair"], students, mentors, now)
        await writer.flush()
        await _prompts_and_checkins(
            writer, rng, sizes, programme_id, first, students, mentors, mondays, prompt_times, now
        )
        await _meetings(writer, rng, sizes, first["meeting"], pairs, now)
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


async def _members(
    writer: Writer,
    rng: random.Random,
    sizes: Sizes,
    programme_id: int,
    first: dict[str, int],
    prompt_times: list[datetime],
    now: datetime,
) -> tuple[list[Person], list[Person]]:
    """Members, their memberships and invites (one used each, and about 5% never used)."""
    member_id, membership_id, invite_id = first["member"], first["membership"], first["invite"]
    telegram_base = 7_000_000_000 + programme_id * 10_000_000
    start = prompt_times[0]
    weeks = len(prompt_times)
    students: list[Person] = []
    mentors: list[Person] = []
    roles = (
        [("student", n) for n in range(sizes.students)]
        + [("mentor", n) for n in range(sizes.mentors)]
        + [("coordinator", n) for n in range(COORDINATORS)]
    )
    for role, n in roles:
        # Most joined in the weeks before the first prompt; coordinators before everyone.
        joined = start - timedelta(
            days=40 if role == "coordinator" else rng.uniform(1, 21),
            seconds=rng.randint(0, 86_399),
        )
        status, gone = "active", None
        if role != "coordinator":
            draw = rng.random()
            if draw < 0.03:
                status, gone = "blocked", rng.randrange(1, weeks)
            elif draw < 0.05:
                status, gone = "left", rng.randrange(1, weeks)
        language = "sv" if rng.random() < 0.4 else "en"
        name = f"{role.title()} {n + 1}"
        await writer.add(
            "member",
            (member_id, telegram_base + member_id, name, language, status, joined),
        )
        capacity = rng.choice((5, 6)) if role == "mentor" else None
        await writer.add(
            "membership", (membership_id, programme_id, member_id, role, capacity, joined)
        )
        issued = joined - timedelta(days=rng.uniform(1, 10))
        tags = {"campus": rng.choice(("north", "south", "east"))} if role != "coordinator" else None
        await writer.add(
            "invite",
            (
                invite_id,
                programme_id,
                role,
                _token_hash(programme_id, invite_id),
                name,
                language,
                capacity,
                tags,
                issued,
                issued + timedelta(days=30),
                joined,
                member_id,
            ),
        )
        person = Person(member_id, joined, status, gone, capacity)
        if role == "student":
            students.append(person)
        elif role == "mentor":
            mentors.append(person)
        member_id, membership_id, invite_id = member_id + 1, membership_id + 1, invite_id + 1
    for n in range(round(0.05 * (sizes.students + sizes.mentors))):
        # Never used: some still valid, most expired.
        role = "student" if n % 6 else "mentor"
        issued = now - timedelta(days=rng.uniform(1, 7 * weeks))
        await writer.add(
            "invite",
            (
                invite_id,
                programme_id,
                role,
                _token_hash(programme_id, invite_id),
                f"Invited {role} {n + 1}",
                "en",
                rng.choice((5, 6)) if role == "mentor" else None,
                None,
                issued,
                issued + timedelta(days=30),
                None,
                None,
            ),
        )
        invite_id += 1
    return students, mentors


def _token_hash(programme_id: int, invite_id: int) -> str:
    return hashlib.sha256(f"bench:{programme_id}:{invite_id}".encode()).hexdigest()


async def _pairs(
    writer: Writer,
    rng: random.Random,
    programme_id: int,
    first_id: int,
    students: list[Person],
    mentors: list[Person],
    now: datetime,
) -> list[PairRow]:
    """About 98% of students in an active pair (within mentor capacity); about 5% had an
    earlier pair that ended."""
    if not students or not mentors:
        return []
    slots = [mentor.id for mentor in mentors for _ in range(mentor.capacity or 0)]
    rng.shuffle(slots)
    active = round(0.98 * len(students))
    if active > len(slots):
        raise ValueError(f"{len(mentors)} mentors cannot take {active} students")
    ended = round(0.05 * len(students))
    pairs: list[PairRow] = []
    pair_id = first_id
    order = list(range(len(students)))
    rng.shuffle(order)
    for rank, index in enumerate(order):
        student = students[index]
        started = student.joined + timedelta(days=rng.uniform(2, 14))
        if rank < ended:
            mentor = rng.choice(mentors).id
            finished = started + timedelta(days=rng.uniform(30, 300))
            pairs.append(PairRow(pair_id, student.id, mentor, started, finished, None))
            pair_id += 1
            started = finished + timedelta(days=rng.uniform(1, 20))
        if rank < active:
            mentor = slots[rank]
            if pairs and pairs[-1].student == student.id and pairs[-1].mentor == mentor:
                mentor = slots[(rank + 1) % len(slots)]
            rhythm = rng.choices(PAIR_RHYTHMS, PAIR_RHYTHM_WEIGHTS)[0]
            pairs.append(PairRow(pair_id, student.id, mentor, min(started, now), None, rhythm))
            pair_id += 1
    pairs.sort(key=lambda pair: pair.started)  # inserted in the order they were made
    for pair in pairs:
        await writer.add(
            "pair",
            (
                pair.id,
                programme_id,
                pair.student,
                pair.mentor,
                "ended" if pair.ended else "active",
                pair.started,
                pair.ended,
                pair.rhythm,
            ),
        )
    return pairs


def _allocate(rng: random.Random, total: int, room: list[int], weights: list[float]) -> list[int]:
    """Split `total` over people in proportion to `weights`, at most room[i] each."""
    if total > sum(room):
        raise ValueError(f"cannot place {total} in room for {sum(room)}")
    weight = sum(w for w, r in zip(weights, room, strict=True) if r) or 1.0
    shares = [min(r, math.floor(total * w / weight)) for w, r in zip(weights, room, strict=True)]
    left = total - sum(shares)
    while left > 0:
        for index in rng.sample(range(len(room)), len(room)):
            if left and shares[index] < room[index]:
                shares[index] += 1
                left -= 1
    return shares


async def _prompts_and_checkins(
    writer: Writer,
    rng: random.Random,
    sizes: Sizes,
    programme_id: int,
    first: dict[str, int],
    students: list[Person],
    mentors: list[Person],
    mondays: list[date],
    prompt_times: list[datetime],
    now: datetime,
) -> None:
    """Weekly prompts (and mentors' digests) in the order the bot sent them; check-ins
    answer most of the sent prompts, a few come from /checkin on its own."""
    weeks = len(mondays)
    # Each student's prompts: sent mostly; missed, skipped or failed now and then; failed
    # from the week they blocked the bot; none from the week they left.
    plans: list[list[str | None]] = []
    for student in students:
        first_week = next((w for w, t in enumerate(prompt_times) if t > student.joined), weeks)
        plan: list[str | None] = []
        for week in range(weeks):
            if week < first_week or (student.status == "left" and week >= (student.gone_week or 0)):
                plan.append(None)
            elif student.status == "blocked" and week >= (student.gone_week or 0):
                plan.append("failed")
            else:
                draw = rng.random()
                plan.append(
                    "sent"
                    if draw < 0.94
                    else "missed"
                    if draw < 0.97
                    else "skipped"
                    if draw < 0.99
                    else "failed"
                )
        plans.append(plan)
    sent = [plan.count("sent") for plan in plans]
    linked = min(round(LINKED_SHARE * sizes.checkins), sum(sent))
    propensity = [rng.betavariate(6, 1.5) for _ in students]
    answered_counts = _allocate(
        rng, linked, sent, [p * s for p, s in zip(propensity, sent, strict=True)]
    )
    answered: list[set[int]] = []
    for plan, count in zip(plans, answered_counts, strict=True):
        sent_weeks = [week for week, status in enumerate(plan) if status == "sent"]
        answered.append(set(rng.sample(sent_weeks, count)))
    free_total = sizes.checkins - sum(answered_counts)
    # Started with /checkin: in weeks the student was still there, at most two a week.
    present = [[week for week, status in enumerate(plan) if status is not None] for plan in plans]
    free_counts = _allocate(rng, free_total, [2 * len(p) for p in present], propensity)
    free: list[dict[int, int]] = []
    for count, weeks_there in zip(free_counts, present, strict=True):
        chosen: dict[int, int] = {}
        for _ in range(count):
            week = rng.choice(weeks_there)
            while chosen.get(week, 0) == 2:
                week = rng.choice(weeks_there)
            chosen[week] = chosen.get(week, 0) + 1
        free.append(chosen)

    cipher = ReflectionCipher(new_key())
    reflection = cipher.encrypt(
        "A long day on the ward; the handover went better than last week. " * 3,
        bound_to="checkin:0",
    )
    delivery_id, checkin_id = first["delivery"], first["checkin"]
    latest = now - timedelta(minutes=1)
    for week, (monday, due) in enumerate(zip(mondays, prompt_times, strict=True)):
        cycle = cycle_key(programme_id, monday)
        for index, student in enumerate(students):
            status = plans[index][week]
            if status is not None:
                prompt_key = rng.choice(PROMPT_KEYS)
                finished = due + timedelta(seconds=rng.uniform(1, 400))
                reason = {
                    "missed": "the bot was not running at its time",
                    "skipped": "held back past the next cycle",
                    "failed": "Forbidden: bot was blocked by the user",
                }.get(status)
                await writer.add(
                    "delivery",
                    (
                        delivery_id,
                        student.id,
                        Purpose.PROMPT,
                        cycle,
                        programme_id,
                        prompt_key if status == "sent" else None,
                        status,
                        due,
                        due,
                        finished,
                        1 if status in ("sent", "failed") else 0,
                        reason,
                    ),
                )
                if week in answered[index]:
                    created = min(latest, finished + timedelta(hours=rng.expovariate(1 / 5)))
                    await _checkin(
                        writer,
                        rng,
                        (checkin_id, programme_id, student.id, delivery_id, prompt_key),
                        created,
                        reflection,
                        f"callback:{programme_id}:{checkin_id}",
                    )
                    checkin_id += 1
                delivery_id += 1
            for _ in range(free[index].get(week, 0)):
                created = min(latest, due + timedelta(days=rng.uniform(0.5, 6.5)))
                await _checkin(
                    writer,
                    rng,
                    (checkin_id, programme_id, student.id, None, None),
                    created,
                    reflection,
                    None,
                )
                checkin_id += 1
        # The mentors' weekly digest, another purpose in the same table.
        year, iso_week, _ = monday.isocalendar()
        for mentor in mentors:
            if mentor.joined < due and (mentor.gone_week is None or week < mentor.gone_week):
                digest_at = due - timedelta(hours=10)
                await writer.add(
                    "delivery",
                    (
                        delivery_id,
                        mentor.id,
                        Purpose.DIGEST,
                        digest_key(year, iso_week),
                        mentor.id,
                        None,
                        "sent",
                        digest_at,
                        digest_at,
                        digest_at + timedelta(seconds=rng.uniform(1, 120)),
                        1,
                        None,
                    ),
                )
                delivery_id += 1
        # Deliveries first: check-ins refer to them.
        await writer.flush("delivery")
        await writer.flush("checkin")


async def _checkin(
    writer: Writer,
    rng: random.Random,
    head: tuple[int, int, int, int | None, str | None],
    created: datetime,
    reflection: bytes,
    source: str | None,
) -> None:
    wrote = rng.random() < 0.55
    theme = rng.choice(THEMES) if head[4] else None
    await writer.add(
        "checkin",
        (
            *head,
            theme,
            source,
            rng.choices(MOODS, MOOD_WEIGHTS)[0],
            reflection if wrote else None,
            rng.randint(1, 2_000_000) if wrote else None,
            wrote and rng.random() < 0.35,
            "done",
            created,
            created + timedelta(seconds=rng.uniform(20, 900)),
        ),
    )


async def _meetings(
    writer: Writer,
    rng: random.Random,
    sizes: Sizes,
    first_id: int,
    pairs: list[PairRow],
    now: datetime,
) -> None:
    """Meetings spread over each pair's time together, more often for a faster rhythm;
    about 5% of pairs never met. Written in the order they were logged."""
    if not pairs or not sizes.meetings:
        return
    weights = [
        0.0
        if rng.random() < 0.05
        else ((pair.ended or now) - pair.started).total_seconds() / (pair.rhythm or 4)
        for pair in pairs
    ]
    chosen = rng.choices(pairs, weights, k=sizes.meetings)
    rows = []
    for pair in chosen:
        end = pair.ended or now
        met = pair.started + (end - pair.started) * rng.random()
        met_on = met.astimezone(ZONE).date()
        logged = min(now, met + timedelta(hours=rng.uniform(1, 60)))
        by_student = rng.random() < 0.5
        logged_by, other = (
            (pair.student, pair.mentor) if by_student else (pair.mentor, pair.student)
        )
        confirmed = other if rng.random() < 0.85 else None
        rows.append((met_on, logged_by, confirmed, rng.random() < 0.97, logged, pair.id))
    rows.sort(key=lambda row: row[4])
    for offset, (met_on, logged_by, confirmed, stands, logged, pair_id) in enumerate(rows):
        await writer.add(
            "meeting", (first_id + offset, pair_id, met_on, logged_by, confirmed, stands, logged)
        )
