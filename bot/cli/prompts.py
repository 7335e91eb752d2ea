"""`frizon prompt send`: queue a reflection prompt now; the running bot sends it."""

from __future__ import annotations

import typer

from bot.cli.support import command_now, config_from, fail, perform, transaction

# The services load inside each command, not here: see bot/cli/support.py.

app = typer.Typer(no_args_is_help=True, help="Reflection prompts.")


@app.command("send")
def send(
    context: typer.Context,
    programme: str = typer.Argument(help="Programme name or id."),
    prompt: str | None = typer.Option(
        None, help="A prompt key from the catalogue; default: each student's next one."
    ),
) -> None:
    """Queue a prompt for every student now (quiet hours and pauses still hold it back)."""
    from bot.domain.catalogue import Catalogue, CatalogueError
    from bot.services.audit import CLI_ACTOR
    from bot.services.programmes import find_programme
    from bot.services.prompts import queue_prompt_now

    config = config_from(context)
    try:
        catalogue = Catalogue.load(config.prompts.folder)
    except CatalogueError as problem:
        fail(f"frizon: prompt problem: {problem}")

    async def go() -> str:
        async with transaction(config) as session:
            found = await find_programme(session, programme)
            count = await queue_prompt_now(
                session,
                now=await command_now(session, config),
                catalogue=catalogue,
                programme=found,
                actor=CLI_ACTOR,
                prompt_key=prompt,
            )
        return f"Queued a prompt for {count} student(s) in {found.name}; the running bot sends it."

    typer.echo(perform(go()))
