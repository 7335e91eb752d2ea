"""Entry point of the `frizon` command: parse arguments, load config, call services or run."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from bot.cli import enrolment, pairing, programmes
from bot.cli.support import config_from, transaction
from bot.logs import configure_logging

app = typer.Typer(no_args_is_help=True, add_completion=False, help="frizon: mentoring in Telegram.")
db_app = typer.Typer(no_args_is_help=True, help="Database maintenance.")
app.add_typer(programmes.app, name="programme")
app.add_typer(db_app, name="db")
app.command("invite")(enrolment.invite)
app.command("members")(enrolment.members)
app.command("pair")(pairing.pair_command)
app.command("unpair")(pairing.unpair_command)


@app.callback()
def root(
    context: typer.Context,
    config: Path | None = typer.Option(
        None, "--config", help="Config file (default: $FRIZON_CONFIG, then ./config.toml)."
    ),
) -> None:
    """frizon: mentoring in Telegram."""
    context.obj = {"config_path": config}


@app.command("run")
def run_command(context: typer.Context) -> None:
    """Run the bot: with a token against Telegram, without one in the local sandbox."""
    from bot.runner import run

    config = config_from(context)
    secrets = [config.telegram.token.get_secret_value()] if config.telegram.token else []
    configure_logging(config.logging.level, secrets=secrets)

    def ready(where: str) -> None:
        if where == "telegram":
            typer.echo("frizon is running against the Telegram Bot API. Ctrl+C stops it.")
        else:
            typer.echo(f"frizon sandbox: open {where} in your browser. Ctrl+C stops it.")

    asyncio.run(run(config, on_ready=ready))


@db_app.command("upgrade")
def db_upgrade(context: typer.Context) -> None:
    """Apply all database migrations."""
    config = config_from(context)

    async def go() -> None:
        async with transaction(config):
            pass

    asyncio.run(go())
    typer.echo("The database is up to date.")


def main() -> None:
    """Run the `frizon` command line."""
    app()
