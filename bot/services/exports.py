"""CSV exports for coordinators: pairs, meetings and weekly engagement.

What a coordinator may see and nothing more: pairs by name (the existence of a pair is
not secret), process facts about them (dates, rhythm, met or not, who logged a meeting
and whether the other side confirmed it), and the same weekly aggregates as the
statistics, suppressed below `privacy.min_group_size`. Never anything anyone wrote, and
no mood or response rate of one student.

Each kind is counted in SQL and loads only the rows it exports. Every export is an audit
event, written in the caller's transaction, that records what was exported and how many
rows — never the content.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.exports import What
from bot.services.audit import record_event
from bot.services.stats import programme_stats
from db.models import Meeting, Member, Pair, Programme

SUPPRESSED = "suppressed"
PROGRAMME_DEFAULT = "programme default"
# A cell starting with one of these is run as a formula by spreadsheets (CSV injection);
# names come from Telegram, where anyone can call themselves "=HYPERLINK(...)".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Export:
    what: What
    programme: str
    today: date  # in the programme's time zone: the day the export describes
    since: date | None
    table: Table

    @property
    def file_name(self) -> str:
        """E.g. "Clinical-mentoring-pairs-2026-09-07.csv": safe on every file system."""
        name = re.sub(r"[^\w.]+", "-", self.programme).strip("-.") or "programme"
        return f"{name}-{self.what.value}-{self.today.isoformat()}.csv"


PAIRS_HEADER = (
    "student",
    "mentor",
    "status",
    "started",
    "ended",
    "rhythm_weeks",
    "rhythm_from",
    "meetings",
    "last_met",
)
MEETINGS_HEADER = ("student", "mentor", "met_on", "logged_by", "confirmed")
ENGAGEMENT_HEADER = ("week", "response_rate_percent", *(f"mood_{m}" for m in range(1, 6)))


async def export(
    session: AsyncSession,
    *,
    now: datetime,
    programme: Programme,
    what: What,
    min_group_size: int,
    actor: str,
    erased_name: str,
    since: date | None = None,
) -> Export:
    """One export of a programme, recorded as an audit event in the same transaction;
    `erased_name` is how an erased member (who keeps no name) reads to whoever asked."""
    zone = ZoneInfo(programme.timezone)
    today = now.astimezone(zone).date()
    if what is What.PAIRS:
        table = await pairs_table(
            session, programme=programme, erased_name=erased_name, since=since
        )
    elif what is What.MEETINGS:
        table = await meetings_table(
            session, programme=programme, erased_name=erased_name, since=since
        )
    else:
        table = await engagement_table(
            session, programme=programme, today=today, min_group_size=min_group_size, since=since
        )
    record_event(
        session,
        now=now,
        kind="export",
        actor=actor,
        programme_id=programme.id,
        details={
            "what": what.value,
            "rows": len(table.rows),
            "since": since.isoformat() if since else None,
        },
    )
    return Export(what, programme.name, today, since, table)


async def pairs_table(
    session: AsyncSession, *, programme: Programme, erased_name: str, since: date | None = None
) -> Table:
    """Every pair (with `since`: every pair not ended before that day), its rhythm, how
    many meetings stand (with `since`: from that day) and when they last met."""
    zone = ZoneInfo(programme.timezone)
    student, mentor = aliased(Member), aliased(Member)
    counted = func.count().filter(Meeting.met_on >= since) if since else func.count()
    met = (
        select(
            Meeting.pair_id,
            counted.label("meetings"),
            func.max(Meeting.met_on).label("last_met"),
        )
        .where(Meeting.stands)
        .group_by(Meeting.pair_id)
        .subquery()
    )
    query = (
        select(
            student.display_name,
            mentor.display_name,
            Pair.status,
            Pair.started_at,
            Pair.ended_at,
            Pair.meeting_weeks,
            func.coalesce(met.c.meetings, 0),
            met.c.last_met,
        )
        .join(student, student.id == Pair.student_id)
        .join(mentor, mentor.id == Pair.mentor_id)
        .outerjoin(met, met.c.pair_id == Pair.id)
        .where(Pair.programme_id == programme.id)
        .order_by(student.display_name, Pair.started_at, Pair.id)
    )
    if since:
        query = query.where(or_(Pair.ended_at.is_(None), Pair.ended_at >= _midnight(since, zone)))
    rows = []
    for (
        student_name,
        mentor_name,
        status,
        started,
        ended,
        weeks,
        meetings,
        last_met,
    ) in await session.execute(query):
        rows.append(
            (
                student_name or erased_name,
                mentor_name or erased_name,
                status.value,
                _local_day(started, zone),
                _local_day(ended, zone) if ended else "",
                str(weeks or programme.meeting_weeks),
                "pair" if weeks else PROGRAMME_DEFAULT,
                str(meetings),
                last_met.isoformat() if last_met else "",
            )
        )
    return Table(PAIRS_HEADER, tuple(rows))


async def meetings_table(
    session: AsyncSession, *, programme: Programme, erased_name: str, since: date | None = None
) -> Table:
    """Every logged meeting (with `since`: from that day): the pair, the day, which side
    logged it and whether the other side confirmed it, has not yet, or disputed the day."""
    student, mentor = aliased(Member), aliased(Member)
    logged_by = case((Meeting.logged_by_id == Pair.student_id, "student"), else_="mentor")
    confirmed = case(
        (Meeting.stands.is_(False), "disputed"),
        (Meeting.confirmed_by_id.is_not(None), "yes"),
        else_="not yet",
    )
    query = (
        select(student.display_name, mentor.display_name, Meeting.met_on, logged_by, confirmed)
        .select_from(Meeting)
        .join(Pair, Pair.id == Meeting.pair_id)
        .join(student, student.id == Pair.student_id)
        .join(mentor, mentor.id == Pair.mentor_id)
        .where(Pair.programme_id == programme.id)
        .order_by(Meeting.met_on, student.display_name, Meeting.id)
    )
    if since:
        query = query.where(Meeting.met_on >= since)
    rows = tuple(
        (student_name or erased_name, mentor_name or erased_name, met_on.isoformat(), who, state)
        for student_name, mentor_name, met_on, who, state in await session.execute(query)
    )
    return Table(MEETINGS_HEADER, rows)


async def engagement_table(
    session: AsyncSession,
    *,
    programme: Programme,
    today: date,
    min_group_size: int,
    since: date | None = None,
) -> Table:
    """The statistics' weeks, one row each: response rate and entries per mood, or
    "suppressed" where the week's group is smaller than `min_group_size`; empty cells
    where nothing happened (no prompts, no entries), which is not the same."""
    stats = await programme_stats(
        session, programme=programme, today=today, min_group_size=min_group_size, since=since
    )
    rows = []
    for week in stats.weeks:
        rate = _shown(week.response_rate, week.prompted)
        moods = (
            [str(count) for count in week.moods]
            if week.moods is not None
            else [SUPPRESSED if week.wrote else ""] * 5
        )
        rows.append((week.week.isoformat(), rate, *moods))
    return Table(ENGAGEMENT_HEADER, tuple(rows))


def _shown(value: int | None, happened: bool) -> str:
    if not happened:
        return ""
    return SUPPRESSED if value is None else str(value)


def guarded(cell: str) -> str:
    """A cell a spreadsheet shows as text: a leading formula character gets a quote."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def write_csv(table: Table, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.header)
    writer.writerows([guarded(cell) for cell in row] for row in table.rows)


def csv_text(table: Table) -> str:
    buffer = io.StringIO()
    write_csv(table, buffer)
    return buffer.getvalue()


def csv_file_bytes(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read å and ö right."""
    return csv_text(table).encode("utf-8-sig")


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(UTC)


def _local_day(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).date().isoformat()
