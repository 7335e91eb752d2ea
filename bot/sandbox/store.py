"""The sandbox's state in a JSON file beside the database, so a restart loses nothing.

Chats, files, command menus and every numbering (update ids, message ids) live in the
fake Telegram's memory; a restarted ``make run`` reads them back and goes on where it
stopped, as Telegram would. The file is written whole and atomically (a temporary
file, then a rename) about once a second while something changed, and at the stop.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the file's shape changes; an unknown format is set aside
SAVE_EVERY = 1.0  # seconds


def state_path(database_url: str, working_directory: Path) -> Path:
    """``frizon-sandbox.json`` beside a SQLite file (``<name>-sandbox.json``), else in
    the working directory."""
    url = make_url(database_url)
    database = url.database
    if url.get_backend_name() == "sqlite" and database and database != ":memory:":
        path = Path(database)
        return path.with_name(f"{path.stem}-sandbox.json")
    return working_directory / "frizon-sandbox.json"


class StateFile:
    """Reads, writes and removes the sandbox's state file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._written: str | None = None

    def read(self) -> dict[str, Any] | None:
        """The stored state, or ``None`` when there is none or it cannot be used."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            log.warning("the sandbox state %s is not JSON; starting with empty chats", self.path)
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            log.warning("the sandbox state %s is of another version; not used", self.path)
            return None
        self._written = text
        return data

    def write(self, data: dict[str, Any]) -> None:
        """Write ``data`` (with its format) unless the file already says exactly that."""
        text = json.dumps({**data, "format": FORMAT}, separators=(",", ":"), sort_keys=True)
        if text == self._written:
            return
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(self.path)
        self._written = text

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)
        self._written = None

    async def keep(self, snapshot: Callable[[], dict[str, Any]]) -> None:
        """Write the snapshot whenever it changed, until cancelled."""
        while True:
            await asyncio.sleep(SAVE_EVERY)
            try:
                self.write(snapshot())
            except OSError as error:
                log.warning("could not save the sandbox state to %s: %s", self.path, error)
