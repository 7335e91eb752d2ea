"""Every query the statistics send, with its time and plan, naming full scans of large
tables."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from benchmarks.stats_operations import OPERATIONS, today_in
from benchmarks.timing import first_line
from db.models import Programme


@dataclass
class Query:
    statement: str
    parameters: Any
    seconds: float


class QueryLog:
    """The statements an operation sends, with their times, via SQLAlchemy's events."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.queries: list[Query] = []
        self.recording = False
        event.listen(engine.sync_engine, "before_cursor_execute", self._before)
        event.listen(engine.sync_engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        if self.recording:
            elapsed = time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())
            self.queries.append(Query(statement, parameters, elapsed))


def shorten(statement: str) -> str:
    one_line = " ".join(statement.split())
    one_line = re.sub(r"(\?|\$\d+(::\w+)?)(, (\?|\$\d+(::\w+)?)){5,}", "…", one_line)
    return one_line if len(one_line) <= 220 else one_line[:217] + "…"


async def explain(
    session: AsyncSession, dialect: str, query: Query, rows: dict[str, int]
) -> tuple[list[str], list[str]]:
    """The plan's lines and the full scans in it (of tables with more than 1,000 rows)."""
    connection = await session.connection()
    if dialect == "sqlite":
        result = await connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + query.statement, query.parameters
        )
        lines = [str(row[-1]) for row in result]
        scans = [
            line
            for line in lines
            if re.match(r"SCAN (\w+)(?: AS \w+)?$", line.strip())
            or re.match(r"SCAN (\w+)(?: AS \w+)? USING (COVERING )?INDEX", line.strip())
        ]
        pattern = r"SCAN (\w+)"
    else:
        result = await connection.exec_driver_sql("EXPLAIN " + query.statement, query.parameters)
        lines = [str(row[0]) for row in result]
        scans = [line.strip(" ->") for line in lines if "Seq Scan on" in line]
        pattern = r"Seq Scan on (\w+)"
    big = []
    for scan in scans:
        found = re.search(pattern, scan)
        table = found.group(1) if found else ""
        if rows.get(table, 0) > 1000:
            big.append(f"{scan.strip()}  [{rows[table]:,} rows]")
    return lines, big


async def show_queries(
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    programme_id: int,
    rows: dict[str, int],
    *,
    plans: bool,
) -> list[str]:
    """Runs every operation once, recording its queries; prints each query's time (and,
    with `plans`, its plan); returns the full scans of tables with over 1,000 rows."""
    log = QueryLog(engine)
    dialect = engine.dialect.name
    full_scans: list[str] = []
    for operation in OPERATIONS:
        log.queries.clear()
        async with sessionmaker() as session:
            programme = await session.get(Programme, programme_id)
            assert programme is not None
            log.recording = True
            try:
                await operation.run(session, programme, today_in(programme))
            except Exception as error:
                print(f"{operation.name}: failed: {first_line(error)}")
            log.recording = False
            print(f"\n{operation.name} on {programme.name!r}: {len(log.queries)} queries")
            for number, query in enumerate(log.queries, 1):
                lines, big = await explain(session, dialect, query, rows)
                print(f"  {number}. {query.seconds * 1000:7.1f} ms  {shorten(query.statement)}")
                for line in lines if plans else []:
                    print(f"        {line}")
                for scan in big:
                    print(f"     !! full scan: {scan}")
                    full_scans.append(f"{operation.name} query {number}: {scan}")
            await session.rollback()
    return full_scans
