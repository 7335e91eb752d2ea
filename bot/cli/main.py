"""Entry point of the `frizon` command: parse arguments, load config, call services or run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli import backup, enrolment, keys, pairing, programmes, prompts, roster, stats
from bot.cli.data_rights import forget_command, research_export_command
from bot.cli.exports import export_command
from bot.cli.matching import match_command
from bot.cli.sandbox import sandbox_command
from bot.cli.support import config_from, fail, transaction

# Every command imports what it runs inside its body (see bot/cli/support.py): `frizon
# --help` builds them all from this module and should answer at once.
if TYPE_CHECKING:
    from bot.core.config import Config
    from bot.core.crypto import ReflectionCipher

app = typer.Typer(no_args_is_help=True, add_completion=False, help="frizon: mentoring in Telegram.")
db_app = typer.Typer(no_args_is_help=True, help="Database maintenance.")
app.add_typer(programmes.app, name="programme")
app.add_typer(db_app, name="db")
app.add_typer(prompts.app, name="prompt")
app.add_typer(roster.app, name="roster")
app.add_typer(keys.app, name="key")
app.command("invite")(enrolment.invite)
app.command("members")(enrolment.members)
app.command("stats")(stats.stats_command)
app.command("pair")(pairing.pair_command)
app.command("unpair")(pairing.unpair_command)
app.command("forget")(forget_command)
app.command("research-export")(research_export_command)
app.command("match")(match_command)
app.command("export")(export_command)
app.command("sandbox")(sandbox_command)
app.command("backup")(backup.backup_command)
app.command("restore")(backup.restore_command)


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
def run_command(
    context: typer.Context,
    webhook: Annotated[
        bool,
        typer.Option(
            "--webhook",
            help="Receive updates by webhook ([telegram] webhook_url, listen, port, "
            "secret_token) instead of long polling.",
        ),
    ] = False,
) -> None:
    """Run the bot: with a token against Telegram, without one in the local sandbox."""
    import asyncio

    from bot.app.runner import StartupProblem, run
    from bot.core.config import ConfigError, in_webhook_mode
    from bot.core.logs import configure_logging

    config = config_from(context)
    if webhook:
        try:
            config = in_webhook_mode(config)
        except ConfigError as error:
            fail(f"frizon: {error}")
    telegram = config.telegram
    secrets = [s.get_secret_value() for s in (telegram.token, telegram.secret_token) if s]
    configure_logging(config.logging.level, secrets=secrets, log_format=config.logging.format)
    _check_texts(config)

    def ready(where: str) -> None:
        if where == "telegram":
            typer.echo("frizon is running against the Telegram Bot API. Ctrl+C stops it.")
        elif where.startswith("webhook "):
            typer.echo(
                f"frizon is receiving updates at {where.removeprefix('webhook ')}. Ctrl+C stops it."
            )
        else:
            typer.echo(f"frizon sandbox: open {where} in your browser. Ctrl+C stops it.")

    try:
        asyncio.run(run(config, on_ready=ready))
    except StartupProblem as problem:
        fail(f"frizon: {problem}")


@app.command("check")
def check_command(context: typer.Context) -> None:
    """Check the config and that every message template renders in every locale."""
    config = config_from(context)
    rendered = _check_texts(config)
    typer.echo(f"Config, templates and prompts are fine ({rendered} renderings checked).")


@app.command("doctor")
def doctor_command(context: typer.Context) -> None:
    """Check everything frizon needs, one line each (✓, or ✗ with the fix); exit 1 if any fails."""
    import asyncio

    from bot.app.doctor import diagnose
    from bot.core.config import ConfigError, load_config

    path: Path | None = context.obj.get("config_path") if context.obj else None
    try:
        config = load_config(path)
    except ConfigError as error:
        typer.echo(f"✗ config: {error} — fix it in the config file or the environment")
        raise typer.Exit(code=1) from None
    typer.echo("✓ config valid")
    telegram, security = config.telegram, config.security
    secrets = [
        s.get_secret_value()
        for s in (telegram.token, telegram.secret_token, security.reflection_key)
        if s
    ] + security.old_keys()

    async def go() -> int:
        failures = 0
        async for check in diagnose(config):
            line = check.line()
            for secret in secrets:  # no message quoted from elsewhere may carry one
                line = line.replace(secret, "***")
            typer.echo(line)
            failures += not check.passed
        return failures

    if asyncio.run(go()):
        raise typer.Exit(code=1)


@db_app.command("upgrade")
def db_upgrade(context: typer.Context) -> None:
    """Apply all database migrations (and store the key canary `frizon doctor` checks)."""
    import asyncio

    from bot.app.doctor import keep_key_canary
    from bot.core.clock import SystemClock
    from bot.core.crypto import KeyProblem
    from bot.core.keys import reflection_cipher

    config = config_from(context)
    try:
        cipher: ReflectionCipher | None = reflection_cipher(config)
    except KeyProblem:
        cipher = None  # no key yet: `frizon run` refuses to start, and stores it then

    async def go() -> str | None:
        """The key check's line when it fails (the key does not open what is stored)."""
        async with transaction(config) as session:
            if cipher is None:
                return None
            key = await keep_key_canary(session, cipher, SystemClock().now())
            return None if key.passed else key.line()

    problem = asyncio.run(go())
    if problem is not None:
        fail(f"frizon: the database is up to date, but {problem}")
    typer.echo("The database is up to date.")


def _check_texts(config: Config) -> int:
    """Every message template and catalogue prompt renders, or start-up stops naming the file."""
    from bot.domain.catalogue import Catalogue, CatalogueError
    from bot.texts.check import TemplateProblem, check_templates

    try:
        rendered = check_templates()
        Catalogue.load(config.prompts.folder)
    except TemplateProblem as problem:
        fail(f"frizon: template problem: {problem}")
    except CatalogueError as problem:
        fail(f"frizon: prompt problem: {problem}")
    return rendered


def main() -> None:
    """Run the `frizon` command line."""
    # Opt in to PTB 22's timedelta durations (retry_after etc.); the old int form warns.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    app()
