"""One `frizon run` per SQLite file: SQLite has one writer, so a second bot beside the
first would fight it for every write and send every proactive message twice.

The running bot holds an exclusive lock on ``<database>.lock`` beside the file; the
operating system drops it when the process ends, however it ends. Commands such as
`frizon stats` do not take it: they may run beside the bot. PostgreSQL needs none of
this — several instances share its work (``leadership``).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url


class AlreadyRunning(Exception):
    """Another frizon is running on this SQLite file; the message says so in one line."""


def lock_path(database_url: str) -> Path | None:
    """The lock file for a SQLite database; None for PostgreSQL or an in-memory database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    database = Path(url.database)
    return database.with_name(database.name + ".lock")


@contextmanager
def only_instance(database_url: str) -> Iterator[None]:
    """Hold the database's lock for the block; AlreadyRunning if someone else holds it."""
    path = lock_path(database_url)
    if path is None:
        yield
        return
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(
                f"another frizon is already running on {make_url(database_url).database}; "
                "SQLite allows one (use PostgreSQL to run several)"
            ) from None
        yield
    finally:
        os.close(descriptor)  # releases the lock too
