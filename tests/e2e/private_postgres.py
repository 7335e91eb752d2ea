"""A PostgreSQL server of the test's own, to restart mid-storm without touching the
server other tests share: `initdb` into a temporary folder, `postgres` on a free port,
restarted with `pg_ctl restart -m immediate` (as a crash would end it: what was
committed must come back from the WAL). Run as the invoking user, or as `postgres` when
that is root (PostgreSQL refuses to run as root)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.e2e.proxy import free_port

ROLE = "frizon"


def _bin_folder() -> Path | None:
    """The server's programs: pg_config's bindir, else Debian's newest."""
    if pg_config := shutil.which("pg_config"):
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        folder = Path(found.stdout.strip())
        if (folder / "initdb").exists():
            return folder
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return debian[-1].parent if debian else None


class PrivatePostgres:
    def __init__(self, folder: Path, bin_folder: Path) -> None:
        self._folder = folder
        self._data = folder / "data"
        self._bin = bin_folder
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://{ROLE}@127.0.0.1:{self.port}/{ROLE}"

    def _run(self, *arguments: str, check: bool = True) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*as_postgres, *arguments], check=check, capture_output=True, timeout=120)

    def _pg_ctl(self, *arguments: str, check: bool = True) -> None:
        options = f"-p {self.port} -k {self._folder} -c listen_addresses=127.0.0.1"
        self._run(
            str(self._bin / "pg_ctl"),
            *arguments,
            "-D",
            str(self._data),
            "-w",
            "-l",
            str(self._folder / "server.log"),
            "-o",
            options,
            check=check,
        )

    def start(self) -> None:
        self._run(
            str(self._bin / "initdb"),
            "-D",
            str(self._data),
            "-U",
            ROLE,
            "-A",
            "trust",
            "--no-sync",
        )
        self._pg_ctl("start")
        self._run(
            str(self._bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", ROLE, ROLE
        )

    def restart(self) -> float:
        """Stop as a crash would, start again; the seconds it was away."""
        began = time.monotonic()
        self._pg_ctl("restart", "-m", "immediate")
        return time.monotonic() - began

    def stop(self) -> None:
        self._pg_ctl("stop", "-m", "fast", check=False)  # also when it never started


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres | None]:
    """A running private server; None where PostgreSQL's programs are not installed."""
    bin_folder = _bin_folder()
    if bin_folder is None or (os.geteuid() == 0 and not shutil.which("runuser")):
        yield None
        return
    # Not under pytest's tmp_path: as root that is closed to the postgres user.
    folder = Path(tempfile.mkdtemp(prefix="frizon-private-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    server = PrivatePostgres(folder, bin_folder)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
