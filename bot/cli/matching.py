"""`frizon match`: suggested pairs for a programme, with reasons; --apply pairs them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from bot.cli.support import REFUSALS, command_now, config_from, perform, transaction

# The services load inside each command, not here: see bot/cli/support.py.
if TYPE_CHECKING:
    from bot.domain.matching import Proposal
    from bot.services.matching import Applied, Declined


def match_command(
    context: typer.Context,
    programme: str = typer.Argument(help="Programme name or id."),
    apply_: bool = typer.Option(False, "--apply", help="Pair the suggestions (asks first)."),
    yes: bool = typer.Option(False, "--yes", help="With --apply: do not ask."),
) -> None:
    """Suggest mentors for unpaired students (capacity, language, preferences, tags),
    with the reasons; --apply pairs them and the running bot introduces them."""
    from bot.services.audit import CLI_ACTOR
    from bot.services.matching import apply, suggestions
    from bot.services.programmes import find_programme, get_programme

    config = config_from(context)

    async def look() -> tuple[int, str, Proposal]:
        async with transaction(config) as session:
            found = await find_programme(session, programme)
            return found.id, found.name, await suggestions(session, programme_id=found.id)

    programme_id, name, proposal = perform(look())
    _show(name, proposal)
    if not apply_ or not proposal.suggestions:
        return
    count = len(proposal.suggestions)
    if not yes and not typer.confirm(f"Pair these {count}?", default=False):
        typer.echo("Nothing changed.")
        return

    async def go() -> Applied:
        async with transaction(config) as session:
            found = await get_programme(session, programme_id)
            return await apply(
                session,
                now=await command_now(session, config),
                programme=found,
                accepted=[(s.student_id, s.mentor_id) for s in proposal.suggestions],
                actor=CLI_ACTOR,
            )

    applied = perform(go())
    for made in applied.paired:
        typer.echo(f"Paired {made.student_name} with {made.mentor_name} (pair {made.pair_id}).")
    for declined in applied.declined:
        typer.echo(f"Not paired: {declined.student_name} with {declined.mentor_name}: ", nl=False)
        typer.echo(_explain(declined))
    typer.echo(f"{len(applied.paired)} of {count} paired; the running bot introduces them.")


def _show(name: str, proposal: Proposal) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if proposal.suggestions:
        table = Table("student", "mentor", "why", title=f"Suggestions for {name}")
        for suggestion in proposal.suggestions:
            table.add_row(
                f"{suggestion.student_name} ({suggestion.student_id})",
                f"{suggestion.mentor_name} ({suggestion.mentor_id})",
                "; ".join(str(reason) for reason in suggestion.reasons),
            )
        console.print(table)
    else:
        typer.echo(
            f"No suggestions for {name}: suggestions are for students who have joined "
            "(with their invite link) and have no mentor yet."
        )
    if proposal.unmatched:
        typer.echo(f"Without a suggestion ({len(proposal.unmatched)}):")
        for unmatched in proposal.unmatched:
            typer.echo(
                f"  {unmatched.student_name} ({unmatched.student_id}): {_why(unmatched.why)}"
            )


def _why(reason: str) -> str:
    """Why a student got no suggestion, in words."""
    from bot.domain.matching import (
        NO_MENTOR_WITH_ROOM,
        NO_SHARED_LANGUAGE,
        NOT_REACHABLE,
        ONLY_ENDED_PAIRS,
        PLACES_TAKEN,
    )

    return {
        NO_MENTOR_WITH_ROOM: "no mentor has room for another mentee",
        NO_SHARED_LANGUAGE: "no mentor with room speaks their language",
        ONLY_ENDED_PAIRS: "the mentors with room who speak their language were paired with "
        "them before",
        PLACES_TAKEN: "the mentors who would fit have no places left after the other suggestions",
        NOT_REACHABLE: "they blocked the bot or left",
    }[reason]


def _explain(declined: Declined) -> str:
    template = REFUSALS.get(declined.reason, "refused ({reason})")
    return template.format(reason=declined.reason, **declined.details) + " Nothing changed."
