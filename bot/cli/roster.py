"""`frizon roster import`: a roster CSV in, an invite CSV (name, role, link) out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from bot.cli.enrolment import bot_username
from bot.cli.support import command_now, config_from, fail, perform, transaction

# The services load inside each command, not here: see bot/cli/support.py.
if TYPE_CHECKING:
    from bot.services.roster import RosterInvite

app = typer.Typer(no_args_is_help=True, help="Bring a programme's people in from a roster.")


@app.command("import")
def import_command(
    context: typer.Context,
    programme: str = typer.Argument(help="Programme name or id."),
    roster: Path = typer.Argument(help="CSV: name, role, language, mentor, capacity, tags…"),
    skip_bad: bool = typer.Option(False, help="Import the good rows even if some are bad."),
    output: Path | None = typer.Option(None, help="Write the invite CSV here, not stdout."),
    expires: str | None = typer.Option(None, help="Invite lifetime such as 30d or 2w."),
) -> None:
    """Check the whole roster first; import nothing while a row is wrong (unless
    --skip-bad); print one invite link per person, as CSV for a mail merge."""
    from bot.core.durations import parse_duration
    from bot.domain.roster import read_roster
    from bot.services.audit import CLI_ACTOR
    from bot.services.programmes import find_programme
    from bot.services.roster import import_roster, invite_csv

    config = config_from(context)
    try:
        data = roster.read_bytes()
    except OSError as error:
        fail(f"cannot read {roster}: {error.strerror or error}")
    try:
        lifetime = parse_duration(expires) if expires else config.invites.expires
    except ValueError as error:
        fail(f"--expires: {error}")
    checked = read_roster(data)
    for problem in checked.problems:
        typer.echo(f"{roster.name}: {problem}", err=True)
    if checked.problems and not skip_bad:
        fail(
            f"{len(checked.problems)} problem(s); nothing was imported. Fix them, or import "
            "the good rows with --skip-bad."
        )
    if not checked.rows:
        fail("no rows to import")
    username = bot_username(config)

    async def go() -> list[RosterInvite]:
        async with transaction(config) as session:
            found = await find_programme(session, programme)
            issued = await import_roster(
                session,
                now=await command_now(session, config),
                programme=found,
                rows=checked.rows,
                actor=CLI_ACTOR,
                expires_in=lifetime,
            )
        return issued

    issued = perform(go())
    invites = invite_csv(issued, bot_username=username, delimiter=checked.delimiter)
    if output is None:
        sys.stdout.write(invites)
    else:  # a byte-order mark, as the exports have, so spreadsheets read Malmö right
        output.write_text(invites, encoding="utf-8-sig")
    typer.echo(f"{len(issued)} invite(s) for {programme}.", err=True)
