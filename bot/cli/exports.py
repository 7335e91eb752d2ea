"""`frizon export`: a programme's pairs, meetings or weekly engagement as CSV.

Names and process facts only, never anything anyone wrote; engagement figures about
fewer than `privacy.min_group_size` people read "suppressed". Every export is an audit
event.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from bot.cli.support import command_now, config_from, fail, perform, transaction
from bot.domain.exports import What

# The services load inside each command, not here: see bot/cli/support.py.
if TYPE_CHECKING:
    from bot.services.exports import Export


def export_command(
    context: typer.Context,
    programme: str = typer.Argument(help="Programme name or id."),
    what: What = typer.Option(..., "--what", help="pairs, meetings or engagement."),
    since: str | None = typer.Option(
        None, "--since", help="Only from this day (YYYY-MM-DD); pairs: those not ended before."
    ),
    output: Path | None = typer.Option(
        None, "--output", help="CSV file to write (default: standard output)."
    ),
) -> None:
    """Write a programme's pairs, meetings or weekly engagement as CSV (never any text)."""
    import asyncio

    from bot.services.audit import CLI_ACTOR
    from bot.services.exports import csv_file_bytes, csv_text, export
    from bot.services.programmes import find_programme
    from bot.texts.names import erased_name
    from bot.texts.templates import DEFAULT_LOCALE, Texts

    first_day = _day(since) if since is not None else None
    config = config_from(context)

    async def go() -> Export:
        async with transaction(config) as session:
            found = await find_programme(session, programme)
            made = await export(
                session,
                now=await command_now(session, config),
                programme=found,
                what=what,
                min_group_size=config.privacy.min_group_size,
                actor=CLI_ACTOR,
                erased_name=erased_name(Texts(), DEFAULT_LOCALE),  # the command line speaks English
                since=first_day,
            )
            if output is not None:
                # Written before the commit: a file that cannot be written is no export,
                # and its audit event is rolled back with it.
                await asyncio.to_thread(output.write_bytes, csv_file_bytes(made.table))
            return made

    try:
        made = perform(go())
    except OSError as error:
        fail(f"frizon: cannot write {output}: {error.strerror}. Nothing was exported.")
    if output is None:
        typer.echo(csv_text(made.table), nl=False)
    typer.echo(f"{len(made.table.rows)} row(s) of {what.value} from {made.programme}.", err=True)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--since takes a date such as 2026-08-31, not {text!r}.")
