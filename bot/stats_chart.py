"""The statistics chart: weekly response rate and moods, meetings per pair per month.

Drawn headless with matplotlib's object API (no pyplot, no global state), so that the
bot can render it in a worker thread while it goes on answering people. Suppressed
weeks and months stay blank: the chart shows no more than the numbers do.
"""

from __future__ import annotations

import io
from datetime import date

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.services.stats import ProgrammeStats

MOOD_COLOURS = ("#b2182b", "#ef8a62", "#d9d9d9", "#67a9cf", "#2166ac")  # 1 (low) .. 5
BUCKET_COLOURS = ("#d9d9d9", "#a6dba0", "#5aae61", "#1b7837")  # 0, 1, 2, 3+ meetings
BUCKET_LABELS = ("no meeting", "1 meeting", "2 meetings", "3 or more")


def render_chart(stats: ProgrammeStats) -> bytes:
    """A PNG of three panels; the title names the programme and the group-size rule."""
    figure = Figure(figsize=(9, 10), dpi=100)
    FigureCanvasAgg(figure)
    rate_axes, mood_axes, meeting_axes = figure.subplots(3, 1)
    # Fixed margins, room on the right for the legends: a layout engine would measure
    # every label twice and cost more than the drawing.
    figure.subplots_adjust(left=0.08, right=0.83, top=0.91, bottom=0.08, hspace=0.55)
    figure.suptitle(
        f"{stats.programme} — statistics on {stats.today.isoformat()}\n"
        f"blank: fewer than {stats.min_group_size} people, not shown",
        fontsize=11,
    )
    _response_rate(rate_axes, stats)
    _moods(mood_axes, stats)
    _meetings(meeting_axes, stats)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def _response_rate(axes: Axes, stats: ProgrammeStats) -> None:
    weeks = list(range(len(stats.weeks)))
    rates = [float("nan") if w.response_rate is None else w.response_rate for w in stats.weeks]
    # Markers keep a week between two hidden ones visible; smaller on a long programme.
    axes.plot(weeks, rates, marker="o", markersize=6 if len(weeks) <= 30 else 2.5, color="#2166ac")
    axes.set_ylim(0, 100)
    axes.set_xlim(-0.5, len(weeks) - 0.5)
    axes.set_ylabel("% of prompts answered")
    axes.set_title("Prompt response rate per week", fontsize=10)
    axes.grid(alpha=0.3)
    _week_axis(axes, [week.week for week in stats.weeks])


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
    # One filled band per mood, stepped per week: hundreds of bars would draw slowly.
    axes.stackplot(
        *_blocks(len(weeks), shares),
        colors=MOOD_COLOURS,
        labels=[f"mood {mood + 1}" for mood in range(len(MOOD_COLOURS))],
        step="post",
    )
    axes.set_ylim(0, 100)
    axes.set_xlim(-0.5, len(weeks) - 0.5)
    axes.set_ylabel("% of entries")
    axes.set_title("Moods per week (1 low, 5 high)", fontsize=10)
    _week_axis(axes, [week.week for week in stats.weeks])
    axes.legend(loc="upper left", bbox_to_anchor=(1, 1), fontsize=8)


def _meetings(axes: Axes, stats: ProgrammeStats) -> None:
    labels = [month.month.strftime("%b %Y") for month in stats.months]
    positions = list(range(len(labels)))
    counts: list[list[float]] = [
        [month.buckets[bucket] if month.buckets else 0 for month in stats.months]
        for bucket in range(len(BUCKET_COLOURS))
    ]
    axes.stackplot(
        *_blocks(len(positions), counts), colors=BUCKET_COLOURS, labels=BUCKET_LABELS, step="post"
    )
    axes.set_xlim(-0.5, len(positions) - 0.5)
    shown = positions[:: max(1, len(positions) // 12)]  # about a dozen labels, as for weeks
    axes.set_xticks(shown, [labels[i] for i in shown], rotation=45, ha="right", fontsize=8)
    axes.set_ylabel("pairs")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title("Meetings per pair per month", fontsize=10)
    axes.legend(loc="upper left", bbox_to_anchor=(1, 1), fontsize=8)


def _blocks(count: int, series: list[list[float]]) -> list[list[float]]:
    """x and y of stacked bands that fill each position from -0.5 to +0.5, like bars."""
    edges = [position - 0.5 for position in range(count + 1)]
    return [edges, *([*values, values[-1]] if values else [] for values in series)]


def _week_axis(axes: Axes, weeks: list[date]) -> None:
    """Weeks as positions, labelled about a dozen times whatever the programme's length."""
    step = max(1, len(weeks) // 12)
    shown = list(range(0, len(weeks), step))
    axes.set_xticks(shown, [weeks[i].strftime("%d %b %y") for i in shown], rotation=45, ha="right")
    axes.tick_params(axis="x", labelsize=8)
