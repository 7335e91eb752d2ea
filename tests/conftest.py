"""Shared fixtures: a real database per test (SQLite file, and PostgreSQL where a server is given).

Every test that takes `database_url` (directly or through `sessionmaker`) runs once per
backend. PostgreSQL needs FRIZON_TEST_POSTGRES_URL (an asyncpg URL of a role that may
create databases); without it those runs are left out, with one line in the summary
saying how many and how to run them, unless FRIZON_TEST_REQUIRE_POSTGRES=1 (as in CI),
which turns the absence into a failure.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.core.clock import ManualClock
from db.engine import create_engine, create_sessionmaker
from db.migrate import upgrade

POSTGRES_URL = os.environ.get("FRIZON_TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("FRIZON_TEST_REQUIRE_POSTGRES") == "1"
START = datetime(2026, 9, 7, 8, 0, tzinfo=UTC)  # a Monday morning in term


NO_POSTGRES = (
    "PostgreSQL: {count} runs left out, FRIZON_TEST_POSTGRES_URL is not set; to run them, "
    "give an asyncpg URL of a role that may create databases, e.g. "
    "FRIZON_TEST_POSTGRES_URL=postgresql+asyncpg://frizon:frizon@127.0.0.1:5432/postgres"
)


_LEFT_OUT = pytest.StashKey[int]()


def _on_postgresql(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return callspec is not None and callspec.params.get("database_url") == "postgresql"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without a server, the PostgreSQL runs are left out (one summary line, not one each)."""
    if POSTGRES_URL or REQUIRE_POSTGRES:
        return
    left_out = [item for item in items if _on_postgresql(item)]
    if left_out:
        items[:] = [item for item in items if not _on_postgresql(item)]
        config.hook.pytest_deselected(items=left_out)
        config.stash[_LEFT_OUT] = len(left_out)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if count := terminalreporter.config.stash.get(_LEFT_OUT, 0):
        terminalreporter.write_line(NO_POSTGRES.format(count=count), yellow=True)


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test: migrating once keeps the suite fast."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


class PostgresServer:
    """Creates a migrated template database once, then one throw-away copy per test."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.template = f"frizon_template_{uuid.uuid4().hex[:8]}"

    def _dsn(self, database: str) -> str:
        url = self.url.set(drivername="postgresql", database=database)
        return url.render_as_string(hide_password=False)

    def url_for(self, database: str) -> str:
        return self.url.set(database=database).render_as_string(hide_password=False)

    async def _admin(self, statement: str) -> None:
        connection = await asyncpg.connect(self._dsn("postgres"))
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    async def create_template(self) -> None:
        await self._admin(f'CREATE DATABASE "{self.template}"')
        await _migrate(self.url_for(self.template))

    async def create_copy(self) -> str:
        name = f"frizon_test_{uuid.uuid4().hex[:12]}"
        for attempt in range(50):  # the template is briefly busy while autovacuum visits it
            try:
                await self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
                return name
            except asyncpg.ObjectInUseError:
                if attempt == 49:
                    raise
                await asyncio.sleep(0.2)
        raise AssertionError("unreachable")

    async def create_empty(self) -> str:
        """A database with no tables at all: where a backup is restored."""
        name = f"frizon_empty_{uuid.uuid4().hex[:12]}"
        await self._admin(f'CREATE DATABASE "{name}"')
        return name

    async def drop(self, name: str) -> None:
        # Not WITH (FORCE): that would try to end autovacuum workers, which a role without
        # superuser rights may not do. Our own role's leftover sessions (a bot process a
        # test killed, say) are ended first; a plain DROP ends autovacuum by itself.
        for attempt in range(50):
            try:
                await self._admin(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    f" WHERE datname = '{name}' AND usename = current_user"
                    " AND pid <> pg_backend_pid()"
                )
                await self._admin(f'DROP DATABASE IF EXISTS "{name}"')
                return
            except asyncpg.ObjectInUseError:
                if attempt == 49:
                    raise
                await asyncio.sleep(0.2)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer | None]:
    if not POSTGRES_URL:
        yield None
        return
    server = PostgresServer(POSTGRES_URL)
    asyncio.run(server.create_template())
    yield server
    asyncio.run(server.drop(server.template))


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_server: PostgresServer | None,
) -> AsyncIterator[str]:
    """A fresh, migrated database for this test, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "frizon.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    if postgres_server is None:
        # Only when required (CI): otherwise these runs were left out at collection.
        pytest.fail("FRIZON_TEST_POSTGRES_URL is not set, and FRIZON_TEST_REQUIRE_POSTGRES=1")
    name = await postgres_server.create_copy()
    yield postgres_server.url_for(name)
    await postgres_server.drop(name)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
async def session(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta periods; the int form warns, and warnings are errors here."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)
