"""`frizon programme create|list`."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import typer

from bot.cli.support import command_now, config_from, fail, perform, transaction

# The services load inside each command, not here: see bot/cli/support.py.
if TYPE_CHECKING:
    from bot.core.durations import Period

app = typer.Typer(no_args_is_help=True, help="Create and list programmes.")


@app.command("create")
def create(
    context: typer.Context,
    name: str = typer.Argument(help="The programme's name, e.g. 'Clinical mentoring 2026'."),
    timezone: str = typer.Option(None, help="IANA time zone; default from the config."),
) -> None:
    """Create a programme."""
    from bot.services.audit import CLI_ACTOR
    from bot.services.programmes import create_programme

    config = config_from(context)

    async def go() -> str:
        async with transaction(config) as session:
            programme = await create_programme(
                session,
                now=await command_now(session, config),
                name=name,
                timezone=timezone or config.programme.timezone,
                actor=CLI_ACTOR,
            )
            return f"Created programme {programme.id}: {programme.name} ({programme.timezone})"

    typer.echo(perform(go()))


@app.command("list")
def list_command(context: typer.Context) -> None:
    """List programmes with their members and active pairs."""
    from rich.console import Console
    from rich.table import Table

    from bot.services.programmes import list_programmes

    config = config_from(context)

    async def go() -> Table:
        async with transaction(config) as session:
            summaries = await list_programmes(session)
        table = Table("id", "name", "time zone", "students", "mentors", "coordinators", "pairs")
        for s in summaries:
            table.add_row(
                str(s.id),
                s.name,
                s.timezone,
                str(s.students),
                str(s.mentors),
                str(s.coordinators),
                str(s.active_pairs),
            )
        return table

    Console().print(perform(go()))


def _shown(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M %Z}" if moment else "none within ten years"


def _day(option: str, text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        fail(f"{option}: {text!r} is not a date such as 2026-09-07")


def _period(text: str) -> tuple[date, date]:
    first, _, last = text.partition(":")
    try:
        return date.fromisoformat(first), date.fromisoformat(last or first)
    except ValueError:
        fail(f"--quiet-period: {text!r} is not FIRST:LAST, e.g. 2026-10-26:2026-11-01")


def _retention(text: str) -> Period:
    from bot.core.durations import parse_period

    try:
        return parse_period(text)
    except ValueError as error:
        fail(f"--retention: {error}. Nothing changed.")


@app.command("set")
def set_command(
    context: typer.Context,
    programme: str = typer.Argument(help="Programme name or id."),
    cadence: str | None = typer.Option(
        None, help="When prompts go out, e.g. 'weekly mon 18:00' or 'every 2 weeks thu 09:30'."
    ),
    first_day: str | None = typer.Option(
        None, help="The programme's first day (YYYY-MM-DD); cycles count from its week."
    ),
    quiet_period: list[str] = typer.Option(
        [], help="Days without prompts, FIRST:LAST (YYYY-MM-DD:YYYY-MM-DD); repeatable."
    ),
    clear_quiet_periods: bool = typer.Option(False, help="Remove the existing quiet periods."),
    last_day: str | None = typer.Option(
        None, help="The programme's last day (YYYY-MM-DD): no prompts after it."
    ),
    rotation_start: list[str] = typer.Option(
        [], help="A day a clinical rotation starts (YYYY-MM-DD); repeatable."
    ),
    clear_rotation_starts: bool = typer.Option(False, help="Remove the existing rotation days."),
    retention: str | None = typer.Option(
        None,
        help="How long personal data is kept after the last day: 12m (months, the default), "
        "2y, 8w or 90d; then it is erased as /forget erases it.",
    ),
) -> None:
    """Set a programme's prompt cadence, first and last day, quiet periods (exam weeks),
    rotation start days and retention."""
    from bot.services.audit import CLI_ACTOR
    from bot.services.programmes import find_programme
    from bot.services.retention import erasure_day, set_retention
    from bot.services.schedules import next_prompt_time, set_schedule

    config = config_from(context)
    periods = tuple(_period(text) for text in quiet_period)
    start = _day("--first-day", first_day)
    end = _day("--last-day", last_day)
    rotations = tuple(
        day for text in rotation_start if (day := _day("--rotation-start", text)) is not None
    )
    kept_for = _retention(retention) if retention else None

    async def go() -> str:
        async with transaction(config) as session:
            now = await command_now(session, config)
            found = await find_programme(session, programme)
            schedule = await set_schedule(
                session,
                now=now,
                programme=found,
                actor=CLI_ACTOR,
                cadence=cadence,
                first_day=start,
                add_quiet_periods=periods,
                clear_quiet_periods=clear_quiet_periods,
                last_day=end,
                add_rotation_starts=rotations,
                clear_rotation_starts=clear_rotation_starts,
            )
            if kept_for is not None:
                await set_retention(
                    session, now=now, programme=found, retention=kept_for, actor=CLI_ACTOR
                )
            erased_on = erasure_day(found)
            kept = found.retention
        quiet = ", ".join(f"{p.first_day}..{p.last_day}" for p in schedule.quiet_periods)
        rotations_text = ", ".join(day.isoformat() for day in schedule.rotation_starts)
        return (
            f"{schedule.programme_name}: prompts {schedule.cadence} ({schedule.timezone}), "
            f"counted from {schedule.anchor_day}"
            f"{f' until {schedule.last_day}' if schedule.last_day else ''}; "
            f"quiet periods: {quiet or 'none'}; rotations start: {rotations_text or 'none'}.\n"
            f"Next prompt: {_shown(next_prompt_time(schedule, now))}.\n"
            f"Personal data kept {kept} after the last day: "
            + (
                f"erased on {erased_on} (the coordinators are told a week before)."
                if erased_on
                else "no last day yet, so nothing is erased."
            )
        )

    typer.echo(perform(go()))
