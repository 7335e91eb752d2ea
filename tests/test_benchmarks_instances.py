"""The benchmark across instances (benchmarks/instances.py) stands up its pieces: nginx,
the sandbox in its own process, the bare PTB echo bot and a real `frizon run --webhook`
on a scratch PostgreSQL database, and reads their CPU time from /proc. A handful of
updates each; the figures themselves are in docs/benchmarks.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.cpu import Group
from benchmarks.instances import InboundRun, echo_run, frizon_run
from tests.conftest import POSTGRES_URL

ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def _group(run: InboundRun, name: str) -> Group:
    return next(group for group in run.cpu.measured() if group.name.startswith(name))


@ON_POSTGRESQL
async def test_the_echo_bot_and_one_instance_answer_through_nginx_and_are_timed(
    database_url: str, tmp_path: Path
) -> None:
    echo = await echo_run(tmp_path / "echo", students=2)
    frizon = await frizon_run(tmp_path / "frizon", students=2, count=1, admin_url=POSTGRES_URL)

    assert len(echo.latencies) == len(frizon.latencies) == 2 * 4  # four updates a student
    assert _group(echo, "echo bot").seconds() > 0
    assert _group(frizon, "frizon").seconds() > 0
    # Found and read; a handful of updates may cost PostgreSQL less than /proc's 10 ms tick.
    assert _group(frizon, "PostgreSQL backends").processes() > 0
    assert "ratio to the echo bot" in frizon.lines(echo.rate)[0]
