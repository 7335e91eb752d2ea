"""`frizon pair` and `frizon unpair`."""

from __future__ import annotations

import typer

from bot.cli.support import command_now, config_from, perform, transaction

# The services load inside each command, not here: see bot/cli/support.py.


def pair_command(
    context: typer.Context,
    programme: str = typer.Argument(help="Programme name or id."),
    student: int = typer.Argument(help="The student's member id (see `frizon members`)."),
    mentor: int = typer.Argument(help="The mentor's member id."),
) -> None:
    """Pair a student with a mentor; the running bot introduces them to each other."""
    from bot.services.audit import CLI_ACTOR
    from bot.services.pairing import pair
    from bot.services.programmes import find_programme

    config = config_from(context)

    async def go() -> str:
        async with transaction(config) as session:
            found = await find_programme(session, programme)
            paired = await pair(
                session,
                now=await command_now(session, config),
                programme=found,
                student_id=student,
                mentor_id=mentor,
                actor=CLI_ACTOR,
            )
        return f"Paired {paired.student_name} with {paired.mentor_name} (pair {paired.pair_id})."

    typer.echo(perform(go()))


def unpair_command(
    context: typer.Context,
    programme: str = typer.Argument(help="Programme name or id."),
    student: int = typer.Argument(help="The student's member id."),
) -> None:
    """End a student's active pair; both are told, the history is kept."""
    from bot.services.audit import CLI_ACTOR
    from bot.services.pairing import unpair
    from bot.services.programmes import find_programme

    config = config_from(context)

    async def go() -> str:
        async with transaction(config) as session:
            found = await find_programme(session, programme)
            ended = await unpair(
                session,
                now=await command_now(session, config),
                programme=found,
                student_id=student,
                actor=CLI_ACTOR,
            )
        return f"Ended the pair of {ended.student_name} and {ended.mentor_name}."

    typer.echo(perform(go()))
