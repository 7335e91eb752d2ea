"""`frizon forget` (erase a member on their behalf) and `frizon research-export` (the
consenting students' entries, pseudonymised, for researchers)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from bot.cli.support import command_now, config_from, fail, perform, transaction

# The services load inside each command, not here: see bot/cli/support.py.
if TYPE_CHECKING:
    from bot.services.erasure import Erasure, ErasurePreview
    from bot.services.research import ResearchExport


def forget_command(
    context: typer.Context,
    member: int = typer.Argument(help="The member's id (see `frizon members`)."),
    yes: bool = typer.Option(False, "--yes", help="Erase without asking for confirmation."),
) -> None:
    """Erase a member's personal data and reflections for good; anonymous counts stay."""
    from bot.services.audit import CLI_ACTOR
    from bot.services.erasure import erase_member, preview_erasure

    config = config_from(context)

    async def look() -> ErasurePreview:
        async with transaction(config) as session:
            return await preview_erasure(session, member_id=member)

    async def erase() -> Erasure:
        async with transaction(config) as session:
            return await erase_member(
                session,
                now=await command_now(session, config),
                member_id=member,
                actor=CLI_ACTOR,
            )

    preview = perform(look())
    if not yes:
        roles = ", ".join(f"{role} in {programme}" for programme, role in preview.roles)
        typer.echo(
            f"Member {preview.member_id}: {preview.display_name} ({roles or 'no programme'}); "
            f"{preview.entries} entries, {preview.active_pairs} active pair(s)."
        )
        typer.echo(
            "Their name, Telegram account, settings and every reflection text are erased; "
            "active pairs end and the partner and coordinators are told. This cannot be undone."
        )
        if not typer.confirm("Erase?", default=False):
            fail("Nothing was erased.")
    erased = perform(erase())
    typer.echo(
        f"Erased member {erased.member_id}: {erased.reflections_erased} reflection(s) erased, "
        f"{erased.entries_kept_anonymously} entries kept as anonymous counts, "
        f"{erased.pairs_ended} pair(s) ended, {erased.deliveries_cancelled} message(s) cancelled."
    )


def research_export_command(
    context: typer.Context,
    programme: str = typer.Argument(help="Programme name or id."),
    output: Path | None = typer.Option(
        None, "--output", help="CSV file to write (default: standard output)."
    ),
) -> None:
    """Write the entries of students who consent to research use, pseudonymised, as CSV."""
    from bot.core.crypto import KeyProblem
    from bot.core.keys import reflection_cipher
    from bot.domain.catalogue import Catalogue, CatalogueError
    from bot.services.audit import CLI_ACTOR
    from bot.services.programmes import find_programme
    from bot.services.research import research_export, write_csv

    config = config_from(context)
    try:
        cipher = reflection_cipher(config)
        catalogue = Catalogue.load(config.prompts.folder)
    except KeyProblem as problem:
        fail(f"frizon: {problem}")
    except CatalogueError as problem:
        fail(f"frizon: prompt problem: {problem}")

    async def go() -> ResearchExport:
        async with transaction(config) as session:
            found = await find_programme(session, programme)
            return await research_export(
                session,
                now=await command_now(session, config),
                programme=found,
                cipher=cipher,
                catalogue=catalogue,
                actor=CLI_ACTOR,
            )

    export = perform(go())
    buffer = io.StringIO()
    write_csv(export.rows, buffer)
    if output is None:
        typer.echo(buffer.getvalue(), nl=False)
    else:
        output.write_text(buffer.getvalue(), encoding="utf-8")
        output.chmod(0o600)  # reflection text: readable by the operator only
    summary = f"{len(export.rows)} entries from {export.students} consenting student(s)."
    if export.unreadable:
        summary += f" {export.unreadable} could not be decrypted with this key: text left out."
    typer.echo(summary, err=True)
