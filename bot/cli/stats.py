"""`frizon stats`: a programme's figures as a table, CSV or JSON, and its chart as a PNG.
Counts only; a figure about fewer than `privacy.min_group_size` people shows as
suppressed."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from bot.cli.support import command_now, config_from, fail, perform, transaction

# The services load inside each command, not here: see bot/cli/support.py.
if TYPE_CHECKING:
    from bot.services.stats import ProgrammeStats

LABELS = {
    "invited_students": "Students invited",
    "enrolled_students": "Students enrolled",
    "invited_mentors": "Mentors invited",
    "enrolled_mentors": "Mentors enrolled",
    "active_pairs": "Active pairs",
    "pairs_met_within_rhythm": "Pairs that met within their rhythm",
    "pairs_not_met_within_rhythm": "Pairs not met within their rhythm",
    "meetings_per_pair_month_median": "Meetings per pair per month (median)",
    "pair_months_0": "Pair-months with no meeting",
    "pair_months_1": "Pair-months with 1 meeting",
    "pair_months_2": "Pair-months with 2 meetings",
    "pair_months_3plus": "Pair-months with 3 or more",
    "prompts_sent": "Prompts sent to students",
    "response_rate_percent": "Prompts answered (%)",
    "entries": "Entries written",
    "mood_1": "Entries with mood 1 (low)",
    "mood_2": "Entries with mood 2",
    "mood_3": "Entries with mood 3",
    "mood_4": "Entries with mood 4",
    "mood_5": "Entries with mood 5 (high)",
    "help_uses": '"I need help" opened',
}
RECENT_WEEKS = 12  # the table shows the latest weeks; CSV and JSON have them all


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def stats_command(
    context: typer.Context,
    programme: str = typer.Argument(help="Programme name or id."),
    format: Format = typer.Option(Format.table, "--format", help="table, csv or json."),
    since: str | None = typer.Option(
        None, "--since", help="Count weeks, months and events from this day (YYYY-MM-DD)."
    ),
    chart: Path | None = typer.Option(None, "--chart", help="Also write the chart to this PNG."),
) -> None:
    """Show a programme's statistics (never anything anyone wrote)."""
    from zoneinfo import ZoneInfo

    from bot.reports.formats import as_csv, as_json
    from bot.services.programmes import find_programme
    from bot.services.stats import programme_stats

    config = config_from(context)
    first = _day(since) if since else None

    async def go() -> ProgrammeStats:
        async with transaction(config) as session:
            found = await find_programme(session, programme)
            today = (await command_now(session, config)).astimezone(ZoneInfo(found.timezone)).date()
            if first is not None and first > today:
                fail(f"--since {first} is in the future; nothing to count yet. Nothing changed.")
            return await programme_stats(
                session,
                programme=found,
                today=today,
                min_group_size=config.privacy.min_group_size,
                since=first,
            )

    stats = perform(go())
    if format is Format.json:
        typer.echo(as_json(stats), nl=False)
    elif format is Format.csv:
        typer.echo(as_csv(stats), nl=False)
    else:
        _print_tables(stats)
    if chart is not None:
        from bot.reports.chart import render_chart  # matplotlib loads only when asked for

        chart.write_bytes(render_chart(stats))
        typer.echo(f"Chart written to {chart}.", err=format is not Format.table)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--since {text!r} is not a day such as 2026-09-01. Nothing changed.")


def _print_tables(stats: ProgrammeStats) -> None:
    from rich.console import Console
    from rich.table import Table

    from bot.reports.formats import describe_attention, number_text

    console = Console()
    hidden = f"suppressed (< {stats.min_group_size})"
    window = f" since {stats.since}" if stats.since else ""
    figures = Table(title=f"{stats.programme} — {stats.today}{window}")
    figures.add_column("Figure")
    figures.add_column("Value", justify="right")
    for f in stats.figures:
        figures.add_row(
            LABELS.get(f.key, f.key), hidden if f.value is None else number_text(f.value)
        )
    console.print(figures)

    weeks = Table(title=f"Latest {RECENT_WEEKS} weeks")
    weeks.add_column("Week of")
    weeks.add_column("Answered %", justify="right")
    weeks.add_column("Moods 1·2·3·4·5", justify="right")
    for week in stats.weeks[-RECENT_WEEKS:]:
        weeks.add_row(
            week.week.isoformat(),
            _shown(week.response_rate, week.prompted, hidden),
            _shown(week.moods and " · ".join(map(str, week.moods)), week.wrote, hidden),
        )
    console.print(weeks)

    months = Table(title="Meetings per pair per month")
    months.add_column("Month")
    months.add_column("Pairs", justify="right")
    months.add_column("Median", justify="right")
    months.add_column("Pairs with 0·1·2·3+", justify="right")
    for month in stats.months:
        months.add_row(
            month.month.strftime("%Y-%m"),
            hidden if month.pairs is None else str(month.pairs),
            hidden if month.median is None else number_text(month.median),
            hidden if month.buckets is None else " · ".join(map(str, month.buckets)),
        )
    console.print(months)

    attention = Table(title="Needs attention")
    attention.add_column("Concern")
    attention.add_column("Who")
    for item in stats.attention:
        attention.add_row(item.concern.value.replace("_", " "), describe_attention(item))
    if not stats.attention:
        attention.add_row("—", "Nothing: every pair met within its rhythm.")
    console.print(attention)
    unnamed = sum(stats.attention_counts.values()) - len(stats.attention)
    if unnamed:
        counts = ", ".join(
            f"{count} {concern.value.replace('_', ' ')}"
            for concern, count in stats.attention_counts.items()
            if count
        )
        console.print(
            f"In all: {counts}. The {len(stats.attention)} most urgent are named above; "
            "`frizon export --what pairs` lists every pair."
        )


def _shown(value: object, happened: bool, hidden: str) -> str:
    """A week's value; "—" when nothing happened, which is not the same as hidden."""
    if not happened:
        return "—"
    return hidden if value is None else str(value)
