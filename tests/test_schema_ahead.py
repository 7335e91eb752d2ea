"""A database migrated by a newer frizon is refused, in one line naming both versions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from db.engine import create_engine
from db.migrate import head_revision

FRIZON = [sys.executable, "-m", "bot.cli"]


async def stamp(database_url: str, revision: str) -> None:
    """The database as a newer frizon would leave it: a revision this code does not have."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE alembic_version SET version_num = :v"), {"v": revision}
            )
    finally:
        await engine.dispose()


def frizon(workdir: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRIZON_")}
    env.update(PYTHONPATH=str(Path(__file__).parent.parent), FRIZON_DATABASE_URL=database_url)
    return subprocess.run(
        [*FRIZON, *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=60
    )


async def test_run_refuses_a_database_newer_than_the_code(
    database_url: str, tmp_path: Path
) -> None:
    await stamp(database_url, "0999")

    for command in (["run"], ["programme", "list"], ["db", "upgrade"]):
        result = frizon(tmp_path, database_url, *command)

        assert result.returncode == 2, command
        assert result.stderr.strip().splitlines() == [
            f"frizon: the database's schema is version 0999, newer than this frizon knows "
            f"(up to {head_revision()}): run the frizon version that upgraded it, or a newer one"
        ]
