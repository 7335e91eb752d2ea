"""How long a programme's statistics take on a generated programme of 10,000 students,
2,000 mentors, 1,000,000 check-ins and 100,000 meetings, and how much memory they need.

    .venv/bin/python -m benchmarks.stats [--repeat 20] [--database-url URL] [--regenerate]

The programme (and a small one of 100 students, and an empty one, for baselines) is
generated once (benchmarks/stats_data.py): on SQLite into a cached file, reused while
the generator and the sizes stay the same; on another database (--database-url, an
empty database you created) into that database, reused on the next run.

Measured, each as median and p95 of --repeat runs after a warm-up:
- every operation in OPERATIONS, in process, on the large and the small programme;
  the baseline is a plain `SELECT count(*) FROM checkin` in the same database;
- the first statistics before any week's counts are kept (rolled back, so repeatable);
- `frizon stats PROGRAMME --format json` as a subprocess (wall time and peak memory),
  beside the same command on the empty programme and `frizon --help`: the difference
  is the statistics themselves, the rest is starting Python and opening the database.
Goals: at most 250 ms on SQLite and 150 ms on PostgreSQL; memory that does not grow
with the programme (the statistics are computed in SQL, not by loading rows).
Then every query the statistics ran, with its time and plan, naming full scans.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from benchmarks.common import database
from benchmarks.stats_data import EMPTY, GENERATOR_VERSION, LARGE, Sizes, generate_programme
from bot.core.config import PrivacyConfig
from bot.reports.chart import render_chart
from bot.services.stats import programme_stats
from bot.texts.templates import Texts
from db.base import Base
from db.models import CheckIn, Programme
from handlers.stats import summary_variables

GOALS_MS = {"sqlite": 250.0, "postgresql": 150.0}
SMALL_STUDENTS = 100
MIN_GROUP_SIZE = PrivacyConfig().min_group_size
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "frizon-benchmarks"
TEXTS = Texts()

Run = Callable[[AsyncSession, Programme, date], Awaitable[object]]


@dataclass(frozen=True)
class Operation:
    """One way a coordinator gets the statistics, timed in process on a loaded programme.
    Adding a measured path (the /stats reply with its chart, say) is one more entry."""

    name: str
    run: Run


async def stats_in_process(session: AsyncSession, programme: Programme, today: date) -> object:
    return await programme_stats(
        session, programme=programme, today=today, min_group_size=MIN_GROUP_SIZE
    )


async def stats_message(session: AsyncSession, programme: Programme, today: date) -> object:
    """The first message of /stats: the figures and the summary text."""
    stats = await programme_stats(
        session, programme=programme, today=today, min_group_size=MIN_GROUP_SIZE
    )
    return TEXTS.render("stats/summary", "en", **summary_variables(stats))


async def stats_with_chart(session: AsyncSession, programme: Programme, today: date) -> object:
    """All of /stats: the figures, the summary text, then the PNG chart (its own message)."""
    stats = await programme_stats(
        session, programme=programme, today=today, min_group_size=MIN_GROUP_SIZE
    )
    return TEXTS.render("stats/summary", "en", **summary_variables(stats)), render_chart(stats)


OPERATIONS = [
    Operation("programme_stats", stats_in_process),
    Operation("/stats first message (figures, text)", stats_message),
    Operation("/stats with its chart (figures, text, PNG)", stats_with_chart),
]


async def count_checkins(session: AsyncSession, programme: Programme, today: date) -> object:
    return await session.scalar(select(func.count()).select_from(CheckIn))


BASELINE = Operation("SELECT count(*) FROM checkin", count_checkins)


@dataclass
class Timing:
    seconds: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] * 1000

    def describe(self) -> str:
        if self.error:
            return f"failed: {self.error}"
        return f"median {self.median_ms:8.1f} ms, p95 {self.p95_ms:8.1f} ms"


def today_in(programme: Programme) -> date:
    """The programme's local date, as `frizon stats` takes it."""
    return datetime.now(UTC).astimezone(ZoneInfo(programme.timezone)).date()


def first_line(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:300]


# --- the generated programmes -------------------------------------------------------


async def prepare(
    url: str, programmes: list[Sizes]
) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession], dict[Sizes, int]]:
    """The database with every programme generated; each is generated only if missing."""
    engine, sessionmaker = await database(url)
    ids: dict[Sizes, int] = {}
    for sizes in programmes:
        async with sessionmaker() as session:
            found = await session.scalar(select(Programme.id).where(Programme.name == sizes.name))
        if found is None:
            started = time.perf_counter()
            found = await generate_programme(engine, sizes, now=datetime.now(UTC))
            print(f"generated {sizes.name!r} in {time.perf_counter() - started:.1f} s")
        ids[sizes] = found
    async with sessionmaker() as session:
        others = await session.scalar(
            select(func.count()).where(Programme.id.not_in(list(ids.values())))
        )
    if others:
        print(f"note: the database holds {others} other programme(s); their rows are there too")
    return engine, sessionmaker, ids


def cache_file(cache: Path, large: Sizes, regenerate: bool) -> tuple[Path, Path | None]:
    """The cached file, and where to generate it if it is missing (or --regenerate): a
    temporary name, renamed when complete, so an interrupted generation is never used."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / (
        f"stats-v{GENERATOR_VERSION}-{large.students}-{large.mentors}"
        f"-{large.checkins}-{large.meetings}.db"
    )
    if regenerate:
        path.unlink(missing_ok=True)
    if path.exists():
        return path, None
    partial = path.with_suffix(".partial")
    for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        stale.unlink(missing_ok=True)
    return path, partial


async def cached_sqlite(cache: Path, programmes: list[Sizes], regenerate: bool) -> Path:
    path, partial = cache_file(cache, programmes[0], regenerate)
    if partial is None:
        print(f"SQLite file: {path} (cached; --regenerate makes it again)")
        return path
    engine, _, _ = await prepare(f"sqlite+aiosqlite:///{partial}", programmes)
    await engine.dispose()  # the last connection closed: the write-ahead log is folded in
    partial.replace(path)
    print(f"SQLite file: {path} (generated)")
    return path


async def table_counts(engine: AsyncEngine) -> dict[str, int]:
    counts = {}
    async with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            counts[table.name] = int(
                await connection.scalar(text(f"SELECT count(*) FROM {table.name}")) or 0
            )
    return counts


# --- timing in process ----------------------------------------------------------------


async def time_operation(
    sessionmaker: async_sessionmaker[AsyncSession],
    programme_id: int,
    operation: Operation,
    repeat: int,
    *,
    forget_kept_weeks: bool = False,
) -> Timing:
    """Each run in a session of its own, as an update or a CLI command has; the first is
    a warm-up, committed (it keeps the settled weeks, as the running bot would have).
    With `forget_kept_weeks`, every run first removes the programme's kept weekly counts
    and is rolled back: the first /stats of a programme whose weeks were never kept."""
    timing = Timing()
    for attempt in range(repeat + 1):
        try:
            async with sessionmaker() as session:
                programme = await session.get(Programme, programme_id)
                assert programme is not None
                today = today_in(programme)
                if forget_kept_weeks:
                    await session.execute(
                        text("DELETE FROM engagement_week WHERE programme_id = :id"),
                        {"id": programme_id},
                    )
                started = time.perf_counter()
                await operation.run(session, programme, today)
                elapsed = time.perf_counter() - started
                if forget_kept_weeks:
                    await session.rollback()
                else:
                    await session.commit()
        except Exception as error:  # a figure that fails is reported, the rest still run
            timing.error = first_line(error)
            return timing
        if attempt:
            timing.seconds.append(elapsed)
    return timing


# --- the CLI as a subprocess ----------------------------------------------------------


@dataclass
class CliCase:
    name: str
    arguments: list[str]
    timing: Timing = field(default_factory=Timing)
    peak_mb: float = 0.0
    output: str = ""


def frizon_command() -> list[str]:
    script = Path(sys.executable).with_name("frizon")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


# Starts the command and reports its wall time and peak memory. The command must not be
# started by the benchmark's own process: Linux counts a new process's peak memory from
# the process it was forked from, which here holds a large programme's worth of objects.
LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
elapsed = time.perf_counter() - started
code = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as report:
    json.dump({"seconds": elapsed, "peak_kb": usage.ru_maxrss, "code": code}, report)
"""


def run_cli(case: CliCase, url: str, folder: Path) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one fresh `frizon` process."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FRIZON_")}
    environment["FRIZON_DATABASE_URL"] = url
    report = folder / "report.json"
    with (folder / "out").open("w+") as out, (folder / "err").open("w+") as err:
        subprocess.run(
            [sys.executable, "-c", LAUNCHER, str(report), *frizon_command(), *case.arguments],
            stdout=out,
            stderr=err,
            cwd=folder,  # no config.toml here: the defaults and the environment only
            env=environment,
            check=True,
        )
        measured = json.loads(report.read_text())
        out.seek(0)
        err.seek(0)
        case.output = out.read()
        if measured["code"] != 0:
            raise RuntimeError(f"exit {measured['code']}: {err.read().strip()[:300]}")
    return float(measured["seconds"]), measured["peak_kb"] / 1024


def time_cli(cases: list[CliCase], url: str, repeat: int) -> None:
    """Runs the cases in turn, `repeat` rounds after a warm-up round, so that any drift
    of the machine touches them all alike."""
    with tempfile.TemporaryDirectory() as folder:
        for attempt in range(repeat + 1):
            for case in cases:
                if case.timing.error:
                    continue
                try:
                    elapsed, peak = run_cli(case, url, Path(folder))
                except RuntimeError as error:
                    case.timing.error = str(error)
                    continue
                case.peak_mb = max(case.peak_mb, peak)
                if attempt:
                    case.timing.seconds.append(elapsed)


def same_figures(result: object, cli_output: str) -> str:
    """Whether the CLI printed the figures computed in process (scalar figures only)."""
    try:
        printed = json.loads(cli_output)["figures"]
        computed = {f.key: f.value for f in getattr(result, "figures", ())}
    except (ValueError, KeyError, TypeError) as error:
        return f"not compared ({first_line(error)})"
    keys = [k for k, v in computed.items() if isinstance(v, int | float | None) and k in printed]
    differing = [k for k in keys if printed[k] != computed[k]]
    return (
        "yes" if keys and not differing else f"no: {', '.join(differing) or 'nothing to compare'}"
    )


# --- the queries and their plans -------------------------------------------------------


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


# --- the run ---------------------------------------------------------------------------


def ratio(a: Timing, b: Timing) -> str:
    if a.error or b.error or not b.seconds or b.median_ms == 0:
        return "—"
    return f"{a.median_ms / b.median_ms:.1f}"


def verdict(milliseconds: float, goal: float) -> str:
    return "met" if milliseconds <= goal else "NOT met"


async def main(arguments: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.WARNING)
    large = Sizes(arguments.students, arguments.mentors, arguments.checkins, arguments.meetings)
    small = large.scaled_to(min(SMALL_STUDENTS, large.students))
    programmes = [large, small, EMPTY]
    if arguments.database_url:
        if arguments.regenerate:
            raise SystemExit("--regenerate remakes the SQLite cache; drop and create your database")
        url = arguments.database_url
    else:
        path = await cached_sqlite(Path(arguments.cache_dir), programmes, arguments.regenerate)
        url = f"sqlite+aiosqlite:///{path}"
    dialect = make_url(url).get_backend_name()
    goal = GOALS_MS.get(dialect, GOALS_MS["postgresql"])
    engine, sessionmaker, ids = await prepare(url, programmes)
    rows = await table_counts(engine)
    print(f"database: {dialect}; rows: " + ", ".join(f"{t} {n:,}" for t, n in rows.items() if n))
    print(f"goal: statistics in at most {goal:.0f} ms on {dialect}; {arguments.repeat} runs each\n")

    print("in process (a session per run, as the bot and the CLI have):")
    baseline = await time_operation(sessionmaker, ids[large], BASELINE, arguments.repeat)
    print(f"  baseline {BASELINE.name}: {baseline.describe()}")
    in_process: dict[str, Timing] = {}
    for operation in OPERATIONS:
        on_small = await time_operation(sessionmaker, ids[small], operation, arguments.repeat)
        on_large = await time_operation(sessionmaker, ids[large], operation, arguments.repeat)
        in_process[operation.name] = on_large
        print(f"  {operation.name}, {small.students:,} students: {on_small.describe()}")
        print(f"  {operation.name}, {large.students:,} students: {on_large.describe()}")
        if not on_large.error:
            print(
                f"    ratio to {small.students:,} students: {ratio(on_large, on_small)}, "
                f"to the count baseline: {ratio(on_large, baseline)}; goal <= {goal:.0f} ms: "
                f"median {verdict(on_large.median_ms, goal)}, p95 {verdict(on_large.p95_ms, goal)}"
            )
    if "engagement_week" in Base.metadata.tables:
        cold = await time_operation(
            sessionmaker, ids[large], OPERATIONS[0], arguments.cold_repeat, forget_kept_weeks=True
        )
        print(f"  {OPERATIONS[0].name} before any week's counts were kept: {cold.describe()}")

    print("\nfrizon stats as a subprocess (wall time; peak memory is the process's max RSS):")
    cases = [
        CliCase("frizon --help", ["--help"]),
        CliCase("frizon stats, empty programme", ["stats", str(ids[EMPTY]), "--format", "json"]),
        CliCase(
            f"frizon stats, {small.students:,} students",
            ["stats", str(ids[small]), "--format", "json"],
        ),
        CliCase(
            f"frizon stats, {large.students:,} students",
            ["stats", str(ids[large]), "--format", "json"],
        ),
    ]
    time_cli(cases, url, arguments.cli_repeat)
    for case in cases:
        print(f"  {case.name:32} {case.timing.describe()}, peak memory {case.peak_mb:6.1f} MB")
    help_case, empty_case, small_case, large_case = cases
    if not (large_case.timing.error or empty_case.timing.error):
        # Rounds ran the cases in turn, so each round's two runs saw the same machine.
        own = Timing(
            [
                large - empty
                for large, empty in zip(
                    large_case.timing.seconds, empty_case.timing.seconds, strict=True
                )
            ]
        )
        print(
            f"  the statistics themselves (large minus empty programme, run by run): "
            f"{own.describe()}; goal <= {goal:.0f} ms: {verdict(own.median_ms, goal)}"
        )
        print(
            f"  fixed cost: starting frizon {help_case.timing.median_ms:.0f} ms, opening the "
            f"database and an empty programme {empty_case.timing.median_ms:.0f} ms"
        )
        print(
            f"  peak memory, large minus empty programme: "
            f"{large_case.peak_mb - empty_case.peak_mb:+.1f} MB "
            f"(small minus empty: {small_case.peak_mb - empty_case.peak_mb:+.1f} MB)"
        )
        async with sessionmaker() as session:
            programme = await session.get(Programme, ids[large])
            assert programme is not None
            try:
                result = await stats_in_process(session, programme, today_in(programme))
                print(
                    f"  CLI printed the figures computed in process: "
                    f"{same_figures(result, large_case.output)}"
                )
            except Exception as error:
                print(f"  figures not compared: {first_line(error)}")

    print("\nThe queries, with their plans, on the large programme (there a full scan of a")
    print("table that is nearly all this programme's can be the right plan):")
    await show_queries(engine, sessionmaker, ids[large], rows, plans=True)
    print("\nThe same queries on the small programme, 1% of every table: a full scan there")
    print("reads the other programmes' rows too, so an index is missing:")
    full_scans = await show_queries(engine, sessionmaker, ids[small], rows, plans=False)
    print("\nfull scans for the small programme (tables with more than 1,000 rows):")
    for scan in full_scans or ["none"]:
        print(f"  {scan}")
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed runs in process")
    parser.add_argument("--cli-repeat", type=int, default=20, help="timed runs of the CLI")
    parser.add_argument(
        "--cold-repeat", type=int, default=5, help="timed runs before weeks are kept"
    )
    parser.add_argument(
        "--database-url",
        help="an empty database you created (e.g. PostgreSQL); default: a cached SQLite file",
    )
    parser.add_argument("--cache-dir", default=str(DEFAULT_CACHE), help="where SQLite is cached")
    parser.add_argument("--regenerate", action="store_true", help="remake the cached SQLite file")
    parser.add_argument("--students", type=int, default=LARGE.students)
    parser.add_argument("--mentors", type=int, default=LARGE.mentors)
    parser.add_argument("--checkins", type=int, default=LARGE.checkins)
    parser.add_argument("--meetings", type=int, default=LARGE.meetings)
    asyncio.run(main(parser.parse_args()))
