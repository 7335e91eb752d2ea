"""`frizon invite` and `frizon members`."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from bot.cli.support import command_now, config_from, fail, perform, transaction
from bot.core.config import SANDBOX_BOT_USERNAME, Config
from bot.core.durations import parse_duration
from bot.services.audit import CLI_ACTOR
from bot.services.invites import invite_link, issue_invites
from bot.services.members import list_members
from bot.services.programmes import find_programme
from bot.texts.names import shown_name
from bot.texts.templates import DEFAULT_LOCALE, Texts
from db.models import Role


def bot_username(config: Config) -> str:
    if config.telegram.bot_username:
        return config.telegram.bot_username.lstrip("@")
    if config.sandbox_mode:
        return SANDBOX_BOT_USERNAME
    fail("frizon: set telegram.bot_username in the config so invite links name your bot")


def invite(
    context: typer.Context,
    programme: str = typer.Argument(help="Programme name or id."),
    role: Role = typer.Option(..., help="The role the invite grants."),
    name: str | None = typer.Option(None, help="The person's name, as the programme knows it."),
    count: int = typer.Option(1, min=1, help="How many invites to make."),
    expires: str | None = typer.Option(None, help="Lifetime such as 30d or 2w."),
) -> None:
    """Print one invite link per invite; each works once and expires."""
    config = config_from(context)
    username = bot_username(config)
    try:
        lifetime = parse_duration(expires) if expires else config.invites.expires
    except ValueError as error:
        fail(f"--expires: {error}")

    async def go() -> list[str]:
        async with transaction(config) as session:
            found = await find_programme(session, programme)
            issued = await issue_invites(
                session,
                now=await command_now(session, config),
                programme=found,
                role=role,
                actor=CLI_ACTOR,
                expires_in=lifetime,
                count=count,
                name=name,
            )
        return [invite_link(username, i.token) for i in issued]

    links = perform(go())
    for link in links:
        typer.echo(link)


def members(
    context: typer.Context, programme: str = typer.Argument(help="Programme name or id.")
) -> None:
    """List a programme's members with their ids, roles and partners."""
    config = config_from(context)

    async def go() -> Table:
        async with transaction(config) as session:
            found = await find_programme(session, programme)
            rows = await list_members(session, programme_id=found.id)
        table = Table("id", "name", "role", "capacity", "paired with", "status")
        texts = Texts()

        def name(given: str) -> str:
            return shown_name(texts, given, DEFAULT_LOCALE)  # the command line speaks English

        for row in rows:
            table.add_row(
                str(row.member_id),
                name(row.display_name),
                row.role.value,
                "" if row.capacity is None else str(row.capacity),
                ", ".join(name(partner) for partner in row.partners),
                row.status.value,
            )
        return table

    Console().print(perform(go()))
