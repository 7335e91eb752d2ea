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
    figure = Figure(figsize=(9, 10), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    rate_axes, mood_axes, meeting_axes = figure.subplots(3, 1)
    figure.suptitle(
        f"{stats.programme} — statistics on {stats.today.isoformat()}\n"
        f"blank: fewer than {stats.min_group_size} people, not shown",
        fontsize=11,
    )
    _response_rate(rate_axes, stats)
    _moods(mood_axes, stats)
    _meetings(meeting_axes, stats)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _response_rate(axes: Axes, stats: ProgrammeStats) -> None:
    weeks = list(range(len(stats.weeks)))
    rates = [float("nan") if w.response_rate is None else w.response_rate for w in stats.weeks]
    axes.plot(weeks, rates, marker="o", color="#2166ac")
    axes.set_ylim(0, 100)
    axes.set_xlim(-0.5, len(weeks) - 0.5)
    axes.set_ylabel("% of prompts answered")
    axes.set_title("Prompt response rate per week", fontsize=10)
    axes.grid(alpha=0.3)
    _week_axis(axes, [week.week for week in stats.weeks])


def _moods(axes: Axes, stats: ProgrammeStats) -> None:
    weeks = list(range(len(stats.weeks)))
    bottoms = [0.0] * len(weeks)
    for mood, colour in enumerate(MOOD_COLOURS):
        shares = []
        for week in stats.weeks:
            total = sum(week.moods) if week.moods else 0
            shares.append(100 * week.moods[mood] / total if week.moods and total else 0.0)
        axes.bar(weeks, shares, bottom=bottoms, width=0.8, color=colour, label=f"mood {mood + 1}")
        bottoms = [b + s for b, s in zip(bottoms, shares, strict=True)]
    axes.set_ylim(0, 100)
    axes.set_xlim(-0.5, len(weeks) - 0.5)
    axes.set_ylabel("% of entries")
    axes.set_title("Moods per week (1 low, 5 high)", fontsize=10)
    _week_axis(axes, [week.week for week in stats.weeks])
    axes.legend(loc="upper left", bbox_to_anchor=(1, 1), fontsize=8)


def _meetings(axes: Axes, stats: ProgrammeStats) -> None:
    labels = [month.month.strftime("%b %Y") for month in stats.months]
    positions = list(range(len(labels)))
    bottoms = [0.0] * len(labels)
    for bucket, (colour, label) in enumerate(zip(BUCKET_COLOURS, BUCKET_LABELS, strict=True)):
        counts = [m.buckets[bucket] if m.buckets else 0 for m in stats.months]
        axes.bar(positions, counts, bottom=bottoms, color=colour, label=label)
        bottoms = [b + c for b, c in zip(bottoms, counts, strict=True)]
    axes.set_xticks(positions, labels, rotation=45, ha="right", fontsize=8)
    axes.set_ylabel("pairs")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title("Meetings per pair per month", fontsize=10)
    axes.legend(loc="upper left", bbox_to_anchor=(1, 1), fontsize=8)


def _week_axis(axes: Axes, weeks: list[date]) -> None:
    """Weeks as positions, labelled about a dozen times whatever the programme's length."""
    step = max(1, len(weeks) // 12)
    shown = list(range(0, len(weeks), step))
    axes.set_xticks(shown, [weeks[i].strftime("%d %b %y") for i in shown], rotation=45, ha="right")
    axes.tick_params(axis="x", labelsize=8)
