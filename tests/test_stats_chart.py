"""The statistics chart as a PNG: its size, "no data yet" in an empty panel, a quiet week
drawn unlike a hidden one (decoded pixels), and no text outside the picture."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image, ImageStat

from bot.reports.chart import NO_DATA, draw_chart, png_of, render_chart
from bot.services.stats import MonthFigures, ProgrammeStats, WeekFigures

MONDAY = date(2026, 9, 7)
SHOWN = WeekFigures(MONDAY, 70, (1, 2, 3, 4, 2), prompted=True, wrote=True)
HIDDEN = WeekFigures(MONDAY, None, None, prompted=True, wrote=True)
QUIET = WeekFigures(MONDAY, None, None, prompted=False, wrote=False, quiet_period=True)
A_MONTH = MonthFigures(date(2026, 9, 1), 22, 1.0, (1, 15, 6, 0), paired=True)
A_MONTH_HIDDEN = MonthFigures(date(2026, 9, 1), None, None, None, paired=True)


def programme(weeks: list[WeekFigures], months: list[MonthFigures]) -> ProgrammeStats:
    dated = [
        WeekFigures(
            MONDAY + timedelta(weeks=n),
            week.response_rate,
            week.moods,
            week.prompted,
            week.wrote,
            week.quiet_period,
        )
        for n, week in enumerate(weeks)
    ]
    return ProgrammeStats(
        programme="Demo programme",
        min_group_size=5,
        today=dated[-1].week if dated else MONDAY,
        since=None,
        figures=(),
        weeks=tuple(dated),
        months=tuple(months),
        attention=(),
        attention_counts={},
    )


# A programme in its first week: nobody prompted, no pair yet.
EMPTY = programme([WeekFigures(MONDAY, None, None, prompted=False, wrote=False)], [
    MonthFigures(date(2026, 9, 1), None, None, None, paired=False)
])  # fmt: skip
# The demo's shape: a first week too small to show, then weeks shown, two exam weeks.
LIVING = programme(
    [HIDDEN, SHOWN, SHOWN, SHOWN, QUIET, QUIET, SHOWN, SHOWN], [A_MONTH, A_MONTH, A_MONTH]
)
LONG = programme([SHOWN, HIDDEN, QUIET] * 70, [A_MONTH] * 48)  # four years


def decoded(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def texts_of(figure: Figure) -> list[Text]:
    return [
        text
        for text in figure.findobj(Text)
        if isinstance(text, Text) and text.get_visible() and text.get_text().strip()
    ]


def colour_at(image: Image.Image, axes: Axes, x: float, y: float) -> tuple[float, ...]:
    """The mean colour of a small square around data point (x, y) of `axes`."""
    left, bottom = axes.transData.transform((x, y))
    column, row = int(left), image.height - int(bottom)  # the PNG counts rows from the top
    square = image.crop((column - 6, row - 6, column + 7, row + 7))
    return tuple(ImageStat.Stat(square).mean)


def test_the_chart_is_a_png_of_900_by_1000_pixels() -> None:
    image = Image.open(io.BytesIO(render_chart(LIVING)))

    assert image.format == "PNG"
    assert image.size == (900, 1000)


def test_an_empty_panel_says_no_data_yet_instead_of_an_axis_around_zero() -> None:
    figure = draw_chart(EMPTY)
    png_of(figure)

    rate_axes, mood_axes, meeting_axes = figure.axes[:3]
    for axes in (rate_axes, mood_axes, meeting_axes):
        assert [text.get_text() for text in axes.texts] == [NO_DATA]
        assert [label.get_text() for label in axes.get_yticklabels()] == []
    assert meeting_axes.get_ylim() == (0, 1)
    assert not meeting_axes.get_legend()  # no month was hidden: there were no pairs


def test_a_panel_whose_figures_are_all_hidden_shows_them_hidden_without_an_axis() -> None:
    figure = draw_chart(programme([HIDDEN, HIDDEN], [A_MONTH_HIDDEN]))
    png_of(figure)

    for axes in figure.axes[:3]:
        legend = axes.get_legend()
        assert legend is not None
        assert "hidden: fewer than 5 people" in [text.get_text() for text in legend.get_texts()]
        assert [label.get_text() for label in axes.get_yticklabels()] == []
        assert NO_DATA not in [text.get_text() for text in axes.texts]
    assert figure.axes[2].get_ylim() == (0, 1)  # not an axis around zero


def test_a_panel_with_figures_has_no_no_data_text() -> None:
    figure = draw_chart(LIVING)
    png_of(figure)

    assert all(NO_DATA not in text.get_text() for text in texts_of(figure))


def test_a_quiet_week_and_a_hidden_week_are_drawn_differently() -> None:
    figure = draw_chart(LIVING)
    image = decoded(png_of(figure))
    rate_axes, mood_axes = figure.axes[:2]

    hidden = colour_at(image, rate_axes, 0, 85)  # the first week
    quiet = colour_at(image, rate_axes, 4.5, 85)  # between the two exam weeks
    shown = colour_at(image, rate_axes, 2.5, 85)  # above the line, between two shown weeks
    white = (255.0, 255.0, 255.0)
    assert shown == pytest.approx(white, abs=3)
    assert hidden != pytest.approx(white, abs=20) and quiet != pytest.approx(white, abs=20)
    assert sum(abs(h - q) for h, q in zip(hidden, quiet, strict=True)) > 60
    # The moods panel draws them the same way: nothing was written in the exam weeks.
    assert colour_at(image, mood_axes, 0, 50) == pytest.approx(hidden, abs=3)
    assert colour_at(image, mood_axes, 4.5, 50) == pytest.approx(quiet, abs=3)


def test_the_legend_says_which_gap_is_which() -> None:
    figure = draw_chart(LIVING)
    legend = figure.axes[0].get_legend()

    assert legend is not None
    assert [text.get_text() for text in legend.get_texts()] == [
        "hidden: fewer than 5 people",
        "quiet period: no prompts",
    ]


@pytest.mark.parametrize("stats", [EMPTY, LIVING, LONG], ids=["empty", "living", "long"])
def test_no_text_reaches_outside_the_picture(stats: ProgrammeStats) -> None:
    figure = draw_chart(stats)
    png_of(figure)  # lays the figure out, as the PNG is drawn
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    inside = figure.bbox

    texts = texts_of(figure)
    assert len(texts) > 10
    for text in texts:
        box = text.get_window_extent(renderer)
        assert box.x0 >= inside.x0 and box.x1 <= inside.x1, text.get_text()
        assert box.y0 >= inside.y0 and box.y1 <= inside.y1, text.get_text()
