"""`frizon stats`: a programme's figures as a table, CSV or JSON. Counts only; a figure
about fewer than `privacy.min_group_size` people shows as suppressed."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from bot.cli.support import config_from, perform, transaction
from bot.clock import SystemClock
from bot.services.programmes import find_programme
from bot.services.stats import ProgrammeStats, programme_stats

LABELS = {
    "invited_students": "Students invited",
    "enrolled_students": "Students enrolled",
    "invited_mentors": "Mentors invited",
    "enrolled_mentors": "Mentors enrolled",
    "active_pairs": "Active pairs",
    "pairs_met_within_rhythm": "Pairs that met within their rhythm",
    "help_uses": '"I need help" opened',
}


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def stats_command(
    context: typer.Context,
    programme: str = typer.Argument(help="Programme name or id."),
    format: Format = typer.Option(Format.table, "--format", help="table, csv or json."),
) -> None:
    """Show a programme's statistics (never anything anyone wrote)."""
    config = config_from(context)

    async def go() -> ProgrammeStats:
        async with transaction(config) as session:
            found = await find_programme(session, programme)
            today = SystemClock().now().astimezone(ZoneInfo(found.timezone)).date()
            return await programme_stats(
                session,
                programme=found,
                today=today,
                min_group_size=config.privacy.min_group_size,
            )

    stats = perform(go())
    if format is Format.json:
        figures = {f.key: f.value for f in stats.figures}
        typer.echo(json.dumps({"programme": stats.programme, "figures": figures}, indent=2))
    elif format is Format.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["figure", "value"])
        writer.writerows(
            [f.key, "suppressed" if f.value is None else f.value] for f in stats.figures
        )
        typer.echo(buffer.getvalue(), nl=False)
    else:
        table = Table(title=stats.programme)
        table.add_column("Figure")
        table.add_column("Value", justify="right")
        for f in stats.figures:
            shown = f"suppressed (< {stats.min_group_size})" if f.value is None else str(f.value)
            table.add_row(LABELS.get(f.key, f.key), shown)
        Console().print(table)
