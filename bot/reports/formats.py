"""Statistics as JSON or as one long CSV, for `frizon stats` and files a coordinator keeps.

The CSV has one value per row (section, period, measure, value), which spreadsheets
pivot easily; a suppressed value is written as the word "suppressed". Every number is
printed by `number_text` (here, in `frizon stats` and in `/stats`), so a median reads the
same everywhere: 2, not 2.0; 1.5.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from bot.services.attention import Attention, Concern
from bot.services.stats import ProgrammeStats

SUPPRESSED = "suppressed"
MOODS = range(1, 6)
BUCKETS = ("0", "1", "2", "3+")


def as_json(stats: ProgrammeStats) -> str:
    document: dict[str, Any] = {
        "programme": stats.programme,
        "today": stats.today.isoformat(),
        "since": stats.since.isoformat() if stats.since else None,
        "min_group_size": stats.min_group_size,
        "figures": {figure.key: number_value(figure.value) for figure in stats.figures},
        "weeks": [
            {
                "week": week.week.isoformat(),
                "prompted": week.prompted,
                "response_rate_percent": week.response_rate,
                "moods": dict(zip(map(str, MOODS), week.moods, strict=True))
                if week.moods
                else None,
            }
            for week in stats.weeks
        ],
        "months": [
            {
                "month": month.month.isoformat()[:7],
                "active_pairs": month.pairs,
                "median_meetings": number_value(month.median),
                "pairs_by_meetings": dict(zip(BUCKETS, month.buckets, strict=True))
                if month.buckets
                else None,
            }
            for month in stats.months
        ],
        "attention_counts": {
            concern.value: count for concern, count in stats.attention_counts.items()
        },
        "attention": [
            {
                "concern": item.concern.value,
                "name": item.name,
                "other": item.other,
                "since": item.since.isoformat() if item.since else None,
                "who": item.who,
                "expired": item.expired,
            }
            for item in stats.attention
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def as_csv(stats: ProgrammeStats) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "period", "measure", "value"])
    for figure in stats.figures:
        writer.writerow(["figure", "", figure.key, _cell(figure.value)])
    for week in stats.weeks:
        period = week.week.isoformat()
        rate = _cell(week.response_rate) if week.prompted else ""
        writer.writerow(["week", period, "response_rate_percent", rate])
        for mood in MOODS:
            value = week.moods[mood - 1] if week.moods else None
            writer.writerow(["week", period, f"mood_{mood}", _cell(value) if week.wrote else ""])
    for month in stats.months:
        period = month.month.isoformat()[:7]
        writer.writerow(["month", period, "active_pairs", _cell(month.pairs)])
        writer.writerow(["month", period, "median_meetings", _cell(month.median)])
        for bucket, label in enumerate(BUCKETS):
            value = month.buckets[bucket] if month.buckets else None
            writer.writerow(["month", period, f"pairs_with_{label}_meetings", _cell(value)])
    for concern, count in stats.attention_counts.items():
        writer.writerow(["attention_count", "", concern.value, count])
    for item in stats.attention:
        writer.writerow(["attention", "", item.concern.value, describe_attention(item)])
    return buffer.getvalue()


def describe_attention(item: Attention) -> str:
    """One plain line about a pair or invite that needs attention (for CSV and tables)."""
    name = item.name or "(no name)"
    if item.concern is Concern.NO_MEETING:
        return f"{name} and {item.other}: last met or paired {_day(item.since)}"
    if item.concern in (Concern.BLOCKED, Concern.LEFT):
        verb = "blocked the bot" if item.concern is Concern.BLOCKED else "left"
        return f"{name} and {item.other}: the {item.who} {verb}"
    state = "expired" if item.expired else "open"
    return f"{name} ({item.other}): invited {_day(item.since)}, never used, {state}"


def number_value(value: int | float | None) -> int | float | None:
    """A figure at most one decimal long, whole when it is whole (2, not 2.0). A median of
    whole numbers is whole or a half, so nothing is lost; JSON keeps it a number."""
    if value is None:
        return None
    rounded = round(value, 1)
    return int(rounded) if float(rounded).is_integer() else rounded


def number_text(value: int | float) -> str:
    """A figure as text: "2", "1.5" — with a point; a chat template in a locale that
    writes a decimal comma swaps it (prompts/messages/sv/stats/summary.j2)."""
    return str(number_value(value))


def _cell(value: int | float | None) -> str:
    return SUPPRESSED if value is None else number_text(value)


def _day(day: date | None) -> str:
    return day.isoformat() if day else "?"
