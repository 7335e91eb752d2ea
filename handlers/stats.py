"""/stats: a coordinator reads a programme's figures, then its chart.

The same `programme_stats` as `frizon stats`, so the numbers agree; the chart is drawn in
a worker thread, so everyone else's messages keep flowing while it renders.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update

from bot.buttons import stats as stats_buttons
from bot.buttons.data import day_number, day_of
from bot.reports.formats import number_text
from bot.services.members import MemberView
from bot.services.programmes import get_programme
from bot.services.stats import ProgrammeStats, programme_stats
from handlers.context import FrizonContext
from handlers.coordination import (
    Step,
    ask_programme_then,
    coordinator_or_explain,
    on_coordinator_button,
)
from handlers.replies import reply

BUTTONS = stats_buttons.BUTTONS
PATTERN = BUTTONS.pattern
CANCEL = stats_buttons.cancel()
SHOWN_WEEKS = 4
SHOWN_MONTHS = 3
SHOWN_ATTENTION = 8  # the rest: `frizon stats` or the pairs export
NAME_LIMIT = 60  # long names are cut, so that the summary stays within one message


async def show_stats(update: Update, context: FrizonContext) -> None:
    """Ask which programme (if several), then show its statistics and chart.
    `/stats 2026-09-01` counts from that day, as `frizon stats --since` does."""
    member = await coordinator_or_explain(update, context)
    if member is None:
        return
    since = 0
    if context.args:
        try:
            since = day_number(date.fromisoformat(context.args[0]))
        except ValueError:
            await reply(update, context, "stats/bad_since", locale=member.locale)
            return
    await ask_programme_then(
        update,
        context,
        member,
        lambda programme_id: stats_buttons.programme(programme_id, since),
        lambda c, m, programme_id: _statistics(c, m, programme_id, since),
        cancel=CANCEL,
    )


async def on_button(update: Update, context: FrizonContext) -> None:
    """st:p:programme:since — the programme picked; since is YYYYMMDD, or 0 for all."""
    await on_coordinator_button(
        update,
        context,
        buttons=BUTTONS,
        steps={"p": lambda c, m, ids: _statistics(c, m, ids[0], ids[1])},
    )


class StatsStep(Step):
    """The figures as a message, then the chart as a photo."""

    def __init__(self, stats: ProgrammeStats, **variables: Any) -> None:
        super().__init__("stats/summary", new_message=True, **variables)
        self.stats = stats

    async def show(self, update: Update, context: FrizonContext, locale: str) -> None:
        await super().show(update, context, locale)
        chat = update.effective_chat
        if chat is None:
            return
        from bot.reports.chart import render_chart  # matplotlib loads on the first /stats

        png = await asyncio.to_thread(render_chart, self.stats)
        caption = context.services.texts.render(
            "stats/chart_caption", locale, programme=self.stats.programme
        )
        await context.bot.send_photo(chat.id, png, caption=caption, parse_mode="HTML")


async def _statistics(
    context: FrizonContext, member: MemberView, programme_id: int, since: int
) -> Step:
    async with context.services.sessionmaker() as session, session.begin():
        programme = await get_programme(session, programme_id)
        today = context.services.clock.now().astimezone(ZoneInfo(programme.timezone)).date()
        first = day_of(since) if since else None
        if first is not None and first > today:
            return Step("stats/bad_since", new_message=True)
        stats = await programme_stats(
            session,
            programme=programme,
            today=today,
            min_group_size=context.services.config.privacy.min_group_size,
            since=first,
        )
    return StatsStep(stats, **summary_variables(stats))


def summary_variables(stats: ProgrammeStats) -> dict[str, Any]:
    """What the summary template shows: the figures, the latest weeks and months, and the
    first of what needs attention."""
    return {
        "programme": stats.programme,
        "today": stats.today.isoformat(),
        "since": stats.since.isoformat() if stats.since else "",
        "min_group_size": stats.min_group_size,
        "figures": {
            figure.key: None if figure.value is None else number_text(figure.value)
            for figure in stats.figures
        },
        "weeks": [
            {
                "week": week.week.isoformat(),
                "prompted": week.prompted,
                "rate": week.response_rate,
                "wrote": week.wrote,
                "moods": list(week.moods) if week.moods else None,
            }
            for week in stats.weeks[-SHOWN_WEEKS:]
        ],
        "months": [
            {
                "month": month.month.strftime("%Y-%m"),
                "pairs": month.pairs,
                "median": None if month.median is None else number_text(month.median),
                "buckets": list(month.buckets) if month.buckets else None,
            }
            for month in stats.months[-SHOWN_MONTHS:]
        ],
        "attention": [
            {
                "concern": item.concern.value,
                "name": _cut(item.name),
                "other": _cut(item.other or ""),
                "since": item.since.isoformat() if item.since else "",
                "who": item.who or "",
                "expired": item.expired,
            }
            for item in stats.attention[:SHOWN_ATTENTION]
        ],
        "more_attention": sum(stats.attention_counts.values())
        - len(stats.attention[:SHOWN_ATTENTION]),
    }


def _cut(name: str) -> str:
    return name if len(name) <= NAME_LIMIT else name[: NAME_LIMIT - 1] + "…"
