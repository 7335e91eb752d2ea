"""`frizon --help` loads the command line only: no Telegram, database or chart library.

Each run is a fresh interpreter (a module loaded by the tests themselves would hide one
the command loads), which runs the command in process and then says what it loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

# Runs `frizon ARGS…` and prints the names of the modules loaded by then, as JSON.
LOADED_AFTER = """
import contextlib, io, json, sys
from bot.cli import main
sys.argv = ["frizon", *sys.argv[1:]]
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    main()
print(json.dumps(sorted(sys.modules)))
"""

# What the bot runs on, each a tenth of a second or more to load. Not pydantic: Typer
# itself loads it to read a command's options, and the config needs it anyway.
HEAVY = (
    "telegram",
    "sqlalchemy",
    "alembic",
    "aiohttp",
    "apscheduler",
    "jinja2",
    "matplotlib",
    "scipy",
    "numpy",
)


def loaded_by(*arguments: str, database: Path | None = None) -> set[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FRIZON_")}
    environment["PYTHONPATH"] = str(ROOT)
    if database is not None:
        environment["FRIZON_DATABASE_URL"] = f"sqlite+aiosqlite:///{database}"
    done = subprocess.run(
        [sys.executable, "-c", LOADED_AFTER, *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(json.loads(done.stdout))


def heavy_among(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.partition(".")[0] in HEAVY)


def test_the_help_loads_nothing_the_bot_runs_on() -> None:
    assert heavy_among(loaded_by("--help")) == []


@pytest.mark.parametrize("command", ["members", "stats", "run", "db upgrade"])
def test_a_commands_help_loads_nothing_the_bot_runs_on(command: str) -> None:
    assert heavy_among(loaded_by(*command.split(), "--help")) == []


def test_the_probe_sees_what_a_command_loads() -> None:
    """Those checks could pass by looking at the wrong process: a command that renders
    the templates shows Jinja2 among what it loaded."""
    assert "jinja2" in loaded_by("check")


def test_a_command_on_an_up_to_date_database_does_not_load_alembic(tmp_path: Path) -> None:
    database = tmp_path / "frizon.db"
    assert "alembic" in loaded_by("programme", "list", database=database)  # it migrates

    assert "alembic" not in loaded_by("programme", "list", database=database)
