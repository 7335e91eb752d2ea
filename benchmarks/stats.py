"""How long a programme's statistics take on a generated programme of 10,000 students,
2,000 mentors, 1,000,000 check-ins and 100,000 meetings, and how much memory they need.

    .venv/bin/python -m benchmarks.stats [--repeat 20] [--database-url URL] [--regenerate]

The programme (and a small one of 100 students, and an empty one, for baselines) is
generated once (benchmarks/stats_data.py): on SQLite into a cached file, reused while
the generator and the sizes stay the same; on another database (--database-url, an
empty database you created) into that database, reused on the next run.

Measured, each as median and p95 of --repeat runs after a warm-up:
- every operation in OPERATIONS (benchmarks/stats_operations.py), in process, on the
  large and the small programme;
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
import logging
from pathlib import Path

from sqlalchemy.engine import make_url

from benchmarks.cli_timing import CliCase, same_figures, time_cli
from benchmarks.stats_database import DEFAULT_CACHE, cached_sqlite, prepare, table_counts
from benchmarks.stats_operations import (
    BASELINE,
    OPERATIONS,
    stats_in_process,
    time_operation,
    today_in,
)
from benchmarks.stats_queries import show_queries
from benchmarks.stats_sizes import EMPTY, LARGE, Sizes
from benchmarks.timing import Timing, first_line, ratio, verdict
from db.base import Base
from db.models import Programme

GOALS_MS = {"sqlite": 250.0, "postgresql": 150.0}
SMALL_STUDENTS = 100


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
