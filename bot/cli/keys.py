"""`frizon key`: a new reflection key, a rotation to one, and giving up keys that are lost."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.support import config_from, fail, transaction

# The services load inside each command, not here: see bot/cli/support.py.

app = typer.Typer(
    invoke_without_command=True,
    help="Print a new reflection key for FRIZON_REFLECTION_KEY (keep it safe: no key, no text).",
)

ROTATION_STEPS = """\
To rotate to it, restart frizon with
  FRIZON_REFLECTION_KEY       the new key above
  FRIZON_REFLECTION_OLD_KEYS  the key it replaces (and any older ones still listed),
                              comma-separated
(or security.reflection_key and security.old_reflection_keys in the config file).
New entries are then written with the new key, and the running bot re-encrypts the
older ones in the background. `frizon doctor` shows how many are left and says when
the old key can be removed; until then keep it: without it they cannot be read."""

LOST_WARNING = """\
This gives up every reflection that no configured key can read: their text and voice
notes cannot be read again by anyone (a lost key cannot be made again). frizon then
starts with the configured key; statistics, meetings and pairs go on, and new entries
are written with that key. Nothing is deleted: a key found later still opens them."""


@app.callback()
def key_command(context: typer.Context) -> None:
    """Print a new reflection key for FRIZON_REFLECTION_KEY (keep it safe: no key, no text)."""
    from bot.core.crypto import new_key

    if context.invoked_subcommand is None:
        typer.echo(new_key())


@app.command("rotate")
def rotate_command() -> None:
    """Print a new key and how to rotate to it, the old key kept for reading meanwhile."""
    from bot.core.crypto import new_key

    typer.echo(new_key())
    typer.echo()
    typer.echo(ROTATION_STEPS)


@app.command("lost")
def lost_command(
    context: typer.Context,
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm: the reflections of lost keys are gone.")
    ] = False,
) -> None:
    """Every key that wrote the reflections is lost: let frizon start with the configured one."""
    import asyncio

    from bot.core.clock import SystemClock
    from bot.core.crypto import KeyProblem
    from bot.core.keys import reflection_cipher
    from bot.services.key_canary import give_up_lost_keys

    if not yes:
        typer.echo(LOST_WARNING)
        fail("frizon: nothing changed; run `frizon key lost --yes` to go ahead.")
    config = config_from(context)
    try:
        cipher = reflection_cipher(config)
    except KeyProblem as problem:
        fail(f"frizon: {problem}")

    async def go() -> None:
        async with transaction(config) as session:
            await give_up_lost_keys(session, cipher, now=SystemClock().now())

    asyncio.run(go())
    typer.echo(
        "frizon starts with the configured key now. `frizon doctor` counts the reflections "
        "that cannot be read."
    )
