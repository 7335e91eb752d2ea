"""`frizon programme create|list`."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console
from rich.table import Table

from bot.cli.support import config_from, explain, fail, transaction
from bot.clock import SystemClock
from bot.services.audit import CLI_ACTOR
from bot.services.errors import Refused
from bot.services.programmes import create_programme, list_programmes

app = typer.Typer(no_args_is_help=True, help="Create and list programmes.")


@app.command("create")
def create(
    context: typer.Context,
    name: str = typer.Argument(help="The programme's name, e.g. 'Clinical mentoring 2026'."),
    timezone: str = typer.Option(None, help="IANA time zone; default from the config."),
) -> None:
    """Create a programme."""
    config = config_from(context)

    async def go() -> str:
        async with transaction(config) as session:
            programme = await create_programme(
                session,
                clock=SystemClock(),
                name=name,
                timezone=timezone or config.programme.timezone,
                actor=CLI_ACTOR,
            )
            return f"Created programme {programme.id}: {programme.name} ({programme.timezone})"

    try:
        typer.echo(asyncio.run(go()))
    except Refused as refusal:
        fail(explain(refusal))


@app.command("list")
def list_command(context: typer.Context) -> None:
    """List programmes with their members and active pairs."""
    config = config_from(context)

    async def go() -> Table:
        async with transaction(config) as session:
            summaries = await list_programmes(session)
        table = Table("id", "name", "time zone", "students", "mentors", "coordinators", "pairs")
        for s in summaries:
            table.add_row(
                str(s.id),
                s.name,
                s.timezone,
                str(s.students),
                str(s.mentors),
                str(s.coordinators),
                str(s.active_pairs),
            )
        return table

    Console().print(asyncio.run(go()))
