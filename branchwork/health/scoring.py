"""A unit's health score: a weighted mean of indicators, each a share of 0–100 read from the
month's snapshots, with an explanation in plain words.

Each indicator is a rate, so a small branch and a large one are measured alike: households in
touch, the share of young participants, the last sweep's coverage, newsletter reach, dues
collected, cases not overdue, officer seats filled, and members gained against lost. An
indicator a unit has nothing to measure by (no households, no sweep yet) is left out and the
other weights share its place. The weights are the administrators' (``Weights``: every change
is a new row, so a past score can be explained by the weights then in force).

The explanation names the three indicators that pull the score down most: those with the
largest weight × shortfall from 100.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Figures = Mapping[str, tuple[float | None, int, int | None]]  # metric: value, num, den


@dataclass(frozen=True)
class Indicator:
    code: str
    label: Promise
    # A 0–100 reading from the unit's figures for the month, or None when there is nothing to
    # measure by.
    read: Callable[[Figures], float | None]
    # How a low reading is said, with %(value)s the reading rounded.
    low: Promise


def _share(metric: str, full: float = 1.0) -> Callable[[Figures], float | None]:
    def read(figures: Figures) -> float | None:
        value = figures.get(metric, (None, 0, None))[0]
        if value is None:
            return None
        return max(0.0, min(100.0, 100.0 * value / full))

    return read


def _not_overdue(figures: Figures) -> float | None:
    open_cases = figures.get("open_cases", (0.0, 0, None))[1]
    if not open_cases:
        return None
    overdue = figures.get("overdue_cases", (0.0, 0, None))[1]
    return 100.0 * (open_cases - overdue) / open_cases


def _growth(figures: Figures) -> float | None:
    """Members gained against lost in the month: 50 when they balance, 100 when a month adds
    2 % of the members, 0 when it loses 2 %."""
    members = figures.get("members", (0.0, 0, None))[1]
    if not members:
        return None
    joins = figures.get("joins", (0.0, 0, None))[1]
    leaves = figures.get("leaves", (0.0, 0, None))[1]
    return max(0.0, min(100.0, 50.0 + 2500.0 * (joins - leaves) / members))


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "contacted",
        _("households in touch"),
        _share("contacted"),
        _("Only %(value)s%% of households were in touch in the last 90 days."),
    ),
    Indicator(
        "youth",
        _("young participants"),
        _share("youth", full=0.3),  # a third of participants under 30 counts as full marks
        _("Few young people take part (%(value)s%% of the mark)."),
    ),
    Indicator(
        "sweep_coverage",
        _("welfare sweep coverage"),
        _share("sweep_coverage"),
        _("The last welfare sweep reached only %(value)s%% of households."),
    ),
    Indicator(
        "newsletter_reach",
        _("newsletter reach"),
        _share("newsletter_reach"),
        _("The newsletter reaches only %(value)s%% of members."),
    ),
    Indicator(
        "dues",
        _("dues collected"),
        _share("dues"),
        _("Only %(value)s%% of this year's dues are collected."),
    ),
    Indicator(
        "cases_on_time",
        _("cases on time"),
        _not_overdue,
        _("Only %(value)s%% of open cases are within their due date."),
    ),
    Indicator(
        "growth",
        _("membership growth"),
        _growth,
        _("More members left than joined this month (%(value)s of 100)."),
    ),
)
BY_CODE = {i.code: i for i in INDICATORS}
DEFAULT_WEIGHTS: dict[str, float] = {
    "contacted": 3,
    "youth": 1,
    "sweep_coverage": 2,
    "newsletter_reach": 1,
    "dues": 2,
    "cases_on_time": 2,
    "growth": 1,
}


@dataclass(frozen=True)
class Score:
    value: float | None  # 0–100, or None when no indicator can be read
    readings: dict[str, float]  # the indicators read, 0–100
    weights: dict[str, float]

    def pulling_down(self, count: int = 3) -> list[tuple[str, float]]:
        """The indicators that cost the score most (weight × shortfall), worst first."""
        costs = [
            (code, self.weights.get(code, 0.0) * (100.0 - reading))
            for code, reading in self.readings.items()
            if reading < 100.0 and self.weights.get(code, 0.0) > 0
        ]
        costs.sort(key=lambda item: (-item[1], item[0]))
        return [(code, self.readings[code]) for code, _cost in costs[:count]]

    def explanation(self, count: int = 3) -> list[str]:
        """The reasons, in plain words, in the active language."""
        return [
            str(BY_CODE[code].low) % {"value": round(reading)}
            for code, reading in self.pulling_down(count)
        ]


def score(figures: Figures, weights: Mapping[str, float]) -> Score:
    readings: dict[str, float] = {}
    for indicator in INDICATORS:
        reading = indicator.read(figures)
        if reading is not None:
            readings[indicator.code] = reading
    used = {code: float(weights.get(code, 0.0)) for code in readings}
    total = sum(w for w in used.values() if w > 0)
    if not total:
        return Score(None, readings, dict(weights))
    value = sum(used[code] * readings[code] for code in readings if used[code] > 0) / total
    return Score(round(value, 1), readings, dict(weights))


def current_weights(on: dt.datetime | None = None) -> dict[str, float]:
    """The weights in force (the newest set, or the newest before ``on``)."""
    from .models import Weights

    rows: Any = Weights.objects.order_by("-created_at", "-pk")
    if on is not None:
        rows = rows.filter(created_at__lte=on)
    found = rows.first()
    if found is None:
        return dict(DEFAULT_WEIGHTS)
    return {code: float(found.weights.get(code, 0.0)) for code in BY_CODE}
