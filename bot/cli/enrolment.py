"""`frizon invite` and `frizon members`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from bot.cli.support import command_now, config_from, fail, perform, transaction
from db.enums import Role

# The services load inside each command, not here: see bot/cli/support.py.
if TYPE_CHECKING:
    from bot.core.config import Config


def bot_username(config: Config) -> str:
    """The username invite links name: configured, the sandbox's, or asked of the Bot API."""
    import asyncio

    from bot.core.config import SANDBOX_BOT_USERNAME

    if config.telegram.bot_username:
        return config.telegram.bot_username.lstrip("@")
    if config.telegram.token is None:
        return SANDBOX_BOT_USERNAME
    return asyncio.run(_ask_bot_api(config.telegram.token.get_secret_value(), config))


async def _ask_bot_api(token: str, config: Config) -> str:
    """getMe's username; a refused token or an unreachable server stops in one line."""
    from telegram.error import InvalidToken, NetworkError

    from bot.transport.client import bot_api

    try:
        async with bot_api(token, config.telegram.base_url) as bot:
            return bot.username
    except InvalidToken:
        fail(
            "frizon: the Bot API refused the bot token (check FRIZON_TELEGRAM_TOKEN or "
            "telegram.token); invite links need the bot's username"
        )
    except NetworkError as error:
        fail(
            f"frizon: cannot reach the Bot API at {config.telegram.base_url} to learn the "
            f"bot's username ({error.message}); set telegram.bot_username to make links offline"
        )


def invite(
    context: typer.Context,
    programme: str = typer.Argument(help="Programme name or id."),
    role: Role = typer.Option(..., help="The role the invite grants."),
    name: str | None = typer.Option(None, help="The person's name, as the programme knows it."),
    count: int = typer.Option(1, min=1, help="How many invites to make."),
    expires: str | None = typer.Option(None, help="Lifetime such as 30d or 2w."),
) -> None:
    """Print one invite link per invite; each works once and expires."""
    from bot.core.durations import parse_duration
    from bot.services.audit import CLI_ACTOR
    from bot.services.invites import invite_link, issue_invites
    from bot.services.programmes import find_programme

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
    from rich.console import Console
    from rich.table import Table

    from bot.services.members import list_members
    from bot.services.programmes import find_programme
    from bot.texts.names import shown_name
    from bot.texts.templates import DEFAULT_LOCALE, Texts

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
