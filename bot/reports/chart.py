"""The statistics chart: weekly response rate and moods, meetings per pair per month.

Drawn headless with matplotlib's object API (no pyplot, no global state), so that the
bot can render it in a worker thread while it goes on answering people. The chart
shows no more than the numbers do, and says why a stretch is empty: a week hidden
because too few people were in it is cross-hatched grey, a quiet period (no prompts
were meant to go out) hatched blue, and a panel with nothing to show says "no data yet".
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from bot.services.stats import ProgrammeStats


class Shading(NamedTuple):
    """How a stretch without figures is drawn, behind the data and in the legend."""

    colour: str
    edge: str
    hatch: str


MOOD_COLOURS = ("#b2182b", "#ef8a62", "#d9d9d9", "#67a9cf", "#2166ac")  # 1 (low) .. 5
BUCKET_COLOURS = ("#d9d9d9", "#a6dba0", "#5aae61", "#1b7837")  # 0, 1, 2, 3+ meetings
BUCKET_LABELS = ("no meeting", "1 meeting", "2 meetings", "3 or more")
# Cross-hatched grey: there were figures, about too few people to show (a plain grey
# would read as mood 3 or "no meeting").
HIDDEN = Shading(colour="#d0d0d0", edge="#6e6e6e", hatch="xx")
QUIET = Shading(colour="#eef4fa", edge="#7fa7cc", hatch="//")  # hatched: no prompts
NO_DATA = "no data yet"
SIZE, DPI = (9, 10), 100  # 900 x 1000 pixels


def render_chart(stats: ProgrammeStats) -> bytes:
    """A PNG of three panels; the title names the programme and the group-size rule."""
    return png_of(draw_chart(stats))


def draw_chart(stats: ProgrammeStats) -> Figure:
    # Constrained layout makes room for every label and legend, so none is cut off.
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    rate_axes, mood_axes, meeting_axes = figure.subplots(3, 1)
    figure.suptitle(
        f"{stats.programme} — statistics on {stats.today.isoformat()}\n"
        f"figures about fewer than {stats.min_group_size} people are hidden",
        fontsize=11,
    )
    _response_rate(rate_axes, stats)
    _moods(mood_axes, stats)
    _meetings(meeting_axes, stats)
    return figure


def png_of(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def _response_rate(axes: Axes, stats: ProgrammeStats) -> None:
    weeks = list(range(len(stats.weeks)))
    rates = [float("nan") if w.response_rate is None else w.response_rate for w in stats.weeks]
    hidden = [w.prompted and w.response_rate is None for w in stats.weeks]
    quiet = [w.quiet_period and not w.prompted for w in stats.weeks]
    # Markers keep a week between two hidden ones visible; smaller on a long programme.
    axes.plot(weeks, rates, marker="o", markersize=6 if len(weeks) <= 30 else 2.5, color="#2166ac")
    axes.set_ylim(0, 100)
    axes.set_ylabel("% of prompts answered")
    axes.set_title("Prompt response rate per week", fontsize=10)
    axes.grid(alpha=0.3)
    gaps = _gaps(axes, hidden, quiet, stats.min_group_size)
    _week_axis(axes, [week.week for week in stats.weeks])
    shown = any(w.response_rate is not None for w in stats.weeks)
    _finish(axes, shown=shown, handles=gaps)


def _moods(axes: Axes, stats: ProgrammeStats) -> None:
    weeks = list(range(len(stats.weeks)))
    shares = []
    for mood in range(len(MOOD_COLOURS)):
        shares.append(
            [
                100 * week.moods[mood] / sum(week.moods) if week.moods and sum(week.moods) else 0.0
                for week in stats.weeks
            ]
        )
    shown = any(week.moods and sum(week.moods) for week in stats.weeks)
    hidden = [w.wrote and w.moods is None for w in stats.weeks]
    quiet = [w.quiet_period and not w.wrote for w in stats.weeks]
    if weeks:  # one filled band per mood, stepped per week: hundreds of bars draw slowly
        axes.stackplot(*_blocks(len(weeks), shares), colors=MOOD_COLOURS, step="post")
    axes.set_ylim(0, 100)
    axes.set_ylabel("% of entries")
    axes.set_title("Moods per week (1 low, 5 high)", fontsize=10)
    gaps = _gaps(axes, hidden, quiet, stats.min_group_size)
    _week_axis(axes, [week.week for week in stats.weeks])
    _finish(axes, shown=bool(shown), handles=_mood_handles() + gaps if shown else gaps)


def _meetings(axes: Axes, stats: ProgrammeStats) -> None:
    labels = [month.month.strftime("%b %Y") for month in stats.months]
    positions = list(range(len(labels)))
    counts: list[list[float]] = [
        [month.buckets[bucket] if month.buckets else 0 for month in stats.months]
        for bucket in range(len(BUCKET_COLOURS))
    ]
    shown = any(month.buckets is not None for month in stats.months)
    hidden = [month.paired and month.buckets is None for month in stats.months]
    if positions:
        axes.stackplot(*_blocks(len(positions), counts), colors=BUCKET_COLOURS, step="post")
    _positions(axes, len(positions))
    shown_at = positions[:: max(1, len(positions) // 12)]  # about a dozen labels, as for weeks
    axes.set_xticks(shown_at, [labels[i] for i in shown_at], rotation=45, ha="right", fontsize=8)
    axes.set_ylabel("pairs")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title("Meetings per pair per month", fontsize=10)
    gaps = _gaps(axes, hidden, [False] * len(hidden), stats.min_group_size)
    if not shown:
        axes.set_ylim(0, 1)
    buckets = [
        Patch(color=colour, label=label)
        for colour, label in zip(BUCKET_COLOURS, BUCKET_LABELS, strict=True)
    ]
    _finish(axes, shown=shown, handles=buckets + gaps if shown else gaps)


def _gaps(axes: Axes, hidden: Sequence[bool], quiet: Sequence[bool], smallest: int) -> list[Patch]:
    """Shade the hidden stretches grey and hatch the quiet ones, behind the data; the
    legend entries for those that occur."""
    return [
        *_shade(axes, hidden, HIDDEN, f"hidden: fewer than {smallest} people"),
        *_shade(axes, quiet, QUIET, "quiet period: no prompts"),
    ]


def _shade(axes: Axes, flags: Sequence[bool], shading: Shading, label: str) -> list[Patch]:
    """One shaded area per stretch where `flags` holds; its legend entry, if any."""
    if not any(flags):
        return []
    colour, edge, hatch = shading
    for start, end in _runs(flags):
        axes.axvspan(
            start - 0.5, end - 0.5, facecolor=colour, edgecolor=edge, hatch=hatch, lw=0, zorder=0
        )
    return [Patch(facecolor=colour, edgecolor=edge, hatch=hatch, lw=0, label=label)]


def _runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """The stretches [start, end) where `flags` holds: one shaded area each, not one a week."""
    runs, start = [], None
    for index, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            runs.append((start, index))
            start = None
    return runs


def _finish(axes: Axes, *, shown: bool, handles: list[Patch]) -> None:
    """The legend to the right of the panel; "no data yet" across a panel with nothing in
    it (one whose weeks are all hidden or quiet shows those, and its legend says why)."""
    if handles:
        axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    if not shown:
        axes.set_yticks([])
    if not shown and not handles:
        axes.text(
            0.5,
            0.5,
            NO_DATA,
            transform=axes.transAxes,
            ha="center",
            va="center",
            fontsize=12,
            color="#555555",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8},
        )


def _mood_handles() -> list[Patch]:
    return [Patch(color=c, label=f"mood {n + 1}") for n, c in enumerate(MOOD_COLOURS)]


def _blocks(count: int, series: list[list[float]]) -> list[list[float]]:
    """x and y of stacked bands that fill each position from -0.5 to +0.5, like bars."""
    edges = [position - 0.5 for position in range(count + 1)]
    return [edges, *([*values, values[-1]] if values else [] for values in series)]


def _positions(axes: Axes, count: int) -> None:
    """One slot per week or month; a programme without any still gets a (blank) axis."""
    if count:
        axes.set_xlim(-0.5, count - 0.5)
    else:
        axes.set_xlim(0, 1)
        axes.set_xticks([])


def _week_axis(axes: Axes, weeks: list[date]) -> None:
    """Weeks as positions, labelled about a dozen times whatever the programme's length."""
    _positions(axes, len(weeks))
    if not weeks:
        return
    step = max(1, len(weeks) // 12)
    shown = list(range(0, len(weeks), step))
    axes.set_xticks(shown, [weeks[i].strftime("%d %b %y") for i in shown], rotation=45, ha="right")
    axes.tick_params(axis="x", labelsize=8)
