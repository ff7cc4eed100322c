"""The index's chart: articles per month per topic, as the geometry of an inline SVG. Pure.

Why computed here and drawn by a template: the numbers (scales, bar positions, ticks) are plain
arithmetic that tests can read, and the markup stays in one place with the other pages'
(templates/_chart.html), escaped like everything else. Coordinates are rounded to 0.1 so the
same counts always give the same bytes.

The window is the `MONTHS` months ending with the month of the regeneration's `now` (Vietnam
time), so the index changes with the calendar once a month, and otherwise only with the counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from core.clock import VIETNAM_TZ
from core.feed_types import MonthlyCount
from feeds.cards import vietnamese_int

MONTHS = 24
WIDTH, HEIGHT = 400.0, 200.0  # the viewBox: small, so its text stays legible on a phone
LEFT, RIGHT, TOP, BOTTOM = 30.0, 12.0, 8.0, 24.0  # margins for the axis labels
LABEL_EVERY = 3  # months between two labels of the time axis
SERIES_CLASSES = 4  # style.css colours .s0 … .s3; more topics reuse them


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int  # the topic's index: the CSS class s<series % SERIES_CLASSES>
    title: str  # "Môi trường, 11/2026: 12 bài" (a tooltip)


@dataclass(frozen=True)
class Tick:
    position: float  # y for the value axis, x for the time axis
    label: str


@dataclass(frozen=True)
class Series:
    label: str
    css: str  # "s0"
    total: int


@dataclass(frozen=True)
class Row:
    month: str  # "11/2026"
    counts: tuple[int, ...]  # per series


@dataclass(frozen=True)
class Chart:
    """Everything the template draws, and the same numbers as a table (for screen readers)."""

    width: float
    height: float
    plot_left: float
    plot_right: float
    baseline: float
    series: tuple[Series, ...]
    bars: tuple[Bar, ...]
    value_ticks: tuple[Tick, ...]
    month_ticks: tuple[Tick, ...]
    rows: tuple[Row, ...]  # oldest month first
    first: str  # "01/2025"
    last: str  # "12/2026"
    total: int


def months_ending(now: datetime, count: int = MONTHS) -> tuple[str, ...]:
    """The `count` months ("yyyy-mm") ending with the month of `now` in Vietnam time, oldest
    first."""
    local = now.astimezone(VIETNAM_TZ)
    index = local.year * 12 + local.month - 1
    return tuple(f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1))


def monthly_chart(
    counts: Iterable[MonthlyCount], topics: Sequence[tuple[str, str]], months: Sequence[str]
) -> Chart:
    """The chart of `counts` for `topics` ((name, label), in order) over `months`."""
    table = {(c.topic, c.month): c.articles for c in counts}
    values = [[table.get((topic, month), 0) for topic, _label in topics] for month in months]
    top = nice_ceiling(max((v for row in values for v in row), default=0))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height
    slot = plot_width / max(len(months), 1)
    gap = max(slot * 0.2, 1.0)
    bar_width = (slot - gap) / max(len(topics), 1)
    bars = []
    for m, (month, row) in enumerate(zip(months, values, strict=True)):
        for s, value in enumerate(row):
            if not value:
                continue
            height = plot_height * value / top
            bars.append(Bar(
                x=_r(LEFT + m * slot + gap / 2 + s * bar_width),
                y=_r(baseline - height),
                width=_r(bar_width),
                height=_r(height),
                series=s,
                title=f"{topics[s][1]}, {month_label(month)}: {vietnamese_int(value)} bài",
            ))  # fmt: skip
    value_ticks = tuple(
        Tick(_r(baseline - plot_height * value / top), vietnamese_int(value))
        for value in (0, top // 2, top)
    )
    month_ticks = tuple(
        Tick(_r(LEFT + m * slot + slot / 2), short_month(month))
        for m, month in enumerate(months)
        if (len(months) - 1 - m) % LABEL_EVERY == 0
    )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        baseline=_r(baseline),
        series=tuple(
            Series(label, f"s{s % SERIES_CLASSES}", sum(row[s] for row in values))
            for s, (_name, label) in enumerate(topics)
        ),
        bars=tuple(bars),
        value_ticks=value_ticks,
        month_ticks=month_ticks,
        rows=tuple(Row(month_label(month), tuple(row)) for month, row in zip(months, values)),
        first=month_label(months[0]) if months else "",
        last=month_label(months[-1]) if months else "",
        total=sum(v for row in values for v in row),
    )


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 × 10^k (k ≥ 0) not below `value`; at least 2, so that the
    middle tick is a whole number."""
    if value <= 2:
        return 2
    power = 10 ** int(math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # not reached


def month_label(month: str) -> str:
    """"2026-11" → "11/2026"."""
    return f"{month[5:7]}/{month[:4]}"


def short_month(month: str) -> str:
    """"2026-11" → "11/26": the time axis has little room."""
    return f"{int(month[5:7])}/{month[2:4]}"


def _r(value: float) -> float:
    return round(value, 1)
