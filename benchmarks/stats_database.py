"""The database the statistics benchmark reads: every programme generated once if
missing; on SQLite a cached file, generated under a temporary name and renamed when
complete."""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from benchmarks.common import database
from benchmarks.stats_data import generate_programme
from benchmarks.stats_sizes import GENERATOR_VERSION, Sizes
from db.base import Base
from db.models import Programme

DEFAULT_CACHE = Path(tempfile.gettempdir()) / "frizon-benchmarks"


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
