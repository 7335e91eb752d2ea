"""`frizon backup` and `frizon restore`: a consistent copy while the bot runs, put back
into an empty database."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from bot.cli.support import config_from, fail

# The services load inside each command, not here: see bot/cli/support.py.
if TYPE_CHECKING:
    from bot.core.config import Config

KEY_APART = (
    "Reflections in it stay encrypted and the key is not in it: keep the key somewhere "
    "else, so that whoever has the backup does not also have the key."
)
KEY_OPENS = "The configured reflection key opens this backup's reflections."
KEY_NOTHING = "The backup holds no encrypted text yet: any reflection key will do."
KEY_WRONG = (
    "The configured reflection key does not open this backup's reflections: configure the "
    "key the backup was made with before `frizon run`."
)
KEY_NEEDED = (
    "The backup does not hold the reflection key: configure the key it was made with "
    "(FRIZON_REFLECTION_KEY) before `frizon run`, or its reflections cannot be read."
)


def backup_command(
    context: typer.Context,
    file: Path = typer.Argument(help="The backup file to write (it must not exist yet)."),
) -> None:
    """Write a consistent copy of the database to FILE, also while the bot runs."""
    import asyncio

    from bot.core.config import redact_url
    from db.backup import BackupProblem, make_backup

    config = config_from(context)
    try:
        made = asyncio.run(make_backup(config.database.url, file))
    except BackupProblem as problem:
        fail(f"frizon: {problem}")
    typer.echo(
        f"Backed up {redact_url(config.database.url)} to {file}: "
        f"schema version {made.revision}, {_size(made.size)}."
    )
    typer.echo(KEY_APART)


def restore_command(
    context: typer.Context,
    file: Path = typer.Argument(help="A file `frizon backup` wrote."),
) -> None:
    """Put a backup into the configured database, which must be empty (a new one)."""
    import asyncio

    from bot.app.single_instance import AlreadyRunning, only_instance
    from bot.core.config import redact_url
    from db.backup import BackupProblem, restore_backup
    from db.migrate import head_revision

    config = config_from(context)
    try:
        # Holding the bot's lock: a SQLite bot started meanwhile would build its own tables.
        with only_instance(config.database.url):
            restored = asyncio.run(restore_backup(config.database.url, file))
    except (BackupProblem, AlreadyRunning) as problem:
        fail(f"frizon: {problem}. Nothing changed.")
    except FileNotFoundError as error:  # no folder for the lock file, nor for the database
        folder = Path(error.filename).parent
        fail(f"frizon: there is no folder {folder} for the database file. Nothing changed.")
    except OSError as error:
        fail(f"frizon: cannot restore beside {error.filename}: {error.strerror}. Nothing changed.")
    typer.echo(
        f"Restored {file} (schema version {restored.revision}) into "
        f"{redact_url(config.database.url)}."
    )
    if restored.upgraded:
        typer.echo(
            f"It came from an older frizon: upgraded to version {head_revision()} "
            f"({restored.upgraded} migration{'s' if restored.upgraded != 1 else ''})."
        )
    typer.echo(asyncio.run(restored_key_line(config)))


async def restored_key_line(config: Config, sandbox_key_file: Path | None = None) -> str:
    """Whether the key frizon would start with opens what was restored (read-only: the
    sandbox's key file, by default bot.core.keys.SANDBOX_KEY_FILE, is not made here)."""
    from bot.app.doctor import key_checks
    from bot.core.keys import SANDBOX_KEY_FILE
    from bot.services.key_canary import KeyFit, key_fit
    from db.engine import one_session

    cipher, _ = key_checks(config, sandbox_key_file or SANDBOX_KEY_FILE)
    if cipher is None:
        return KEY_NEEDED
    async with one_session(config.database.url) as session:
        fit = await key_fit(session, cipher)
    return {KeyFit.OPENS: KEY_OPENS, KeyFit.WRONG_KEY: KEY_WRONG}.get(fit, KEY_NOTHING)


def _size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    amount = size / 1000
    for unit in ("kB", "MB"):
        if amount < 1000:
            return f"{amount:.1f} {unit}"
        amount /= 1000
    return f"{amount:.1f} GB"
