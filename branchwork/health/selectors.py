"""Reads of units' health, from the snapshots only (a fixed number of queries per page,
whatever the number of people and activity rows behind them).

A user sees the health of a unit they may view in full (its subtree is theirs) and of the units
under it; not of its siblings (``get_unit_for`` refuses those).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from branchwork.org.models import Unit

from .metrics import METRICS
from .models import Snapshot
from .scoring import Score, current_weights, score
from .snapshots import months_back

TREND_MONTHS = 12


def threshold() -> float:
    return float(getattr(settings, "BRANCHWORK_HEALTH_THRESHOLD", 40))


def falling_months() -> int:
    return int(getattr(settings, "BRANCHWORK_HEALTH_FALLING_MONTHS", 3))


@dataclass
class UnitHealth:
    unit: Unit
    month: dt.date
    figures: dict[str, tuple[float | None, int, int | None]] = field(default_factory=dict)
    trend: list[float | None] = field(default_factory=list)  # scores, oldest first
    score: Score | None = None
    percentile: float | None = None  # share of peers (same kind) scoring lower
    flag: str = ""  # why the unit is flagged, or ""

    @property
    def value(self) -> float | None:
        """The score stored with the month (scored by the weights then in force)."""
        if "score" in self.figures:
            return self.figures["score"][0]
        return self.score.value if self.score else None


def latest_month() -> dt.date | None:
    found = Snapshot.objects.order_by("-month").values_list("month", flat=True).first()
    return found


def _flag(trend: list[float | None]) -> str:
    """Why a unit is flagged: its score is below the threshold, or has fallen month after
    month."""
    current = trend[-1] if trend else None
    if current is None:
        return ""
    if current < threshold():
        return _("The score is below %(mark)s.") % {"mark": round(threshold())}
    n = falling_months()
    recent = trend[-(n + 1) :]
    if len(recent) == n + 1 and all(v is not None for v in recent):
        values = [float(v) for v in recent if v is not None]
        if all(b < a for a, b in zip(values, values[1:], strict=False)):
            return _("The score has fallen for %(n)s months in a row.") % {"n": n}
    return ""


def health_of(units: list[Unit], month: dt.date) -> dict[int, UnitHealth]:
    """The health of the given units for a month: figures, score with explanation, trend,
    flag, and percentile among the units of the same kind. Three queries."""
    ids = [u.pk for u in units]
    out = {u.pk: UnitHealth(unit=u, month=month) for u in units}
    for unit_id, metric, value, numerator, denominator in Snapshot.objects.filter(
        unit_id__in=ids, month=month
    ).values_list("unit_id", "metric", "value", "numerator", "denominator"):
        out[unit_id].figures[metric] = (value, numerator, denominator)
    months = months_back(month, TREND_MONTHS)
    series: dict[int, dict[dt.date, float | None]] = defaultdict(dict)
    for unit_id, when, value in Snapshot.objects.filter(
        unit_id__in=ids, month__in=months, metric="score"
    ).values_list("unit_id", "month", "value"):
        series[unit_id][when] = value
    weights = current_weights()
    for unit_id, health in out.items():
        health.score = score(health.figures, weights) if health.figures else None
        health.trend = [series[unit_id].get(m) for m in months]
        health.flag = _flag(health.trend)
    # Percentile among peers of the same kind (all of them, not only the user's: the figure
    # is a rank, it names nobody).
    kinds = {u.kind for u in units}
    peers: dict[str, list[float]] = defaultdict(list)
    for kind, value in Snapshot.objects.filter(
        month=month, metric="score", unit__kind__in=kinds, value__isnull=False
    ).values_list("unit__kind", "value"):
        if value is not None:
            peers[kind].append(value)
    for health in out.values():
        values = peers.get(health.unit.kind, [])
        mine = health.value
        if mine is not None and len(values) > 1:
            below = sum(1 for v in values if v < mine)
            health.percentile = 100.0 * below / (len(values) - 1)
    return out


def unit_page(unit: Unit, month: dt.date) -> tuple[UnitHealth, list[UnitHealth]]:
    """A unit's health and that of the units directly under it (worst score first)."""
    children = list(unit.children.filter(status="active").order_by("code"))
    found = health_of([unit, *children], month)
    rows = [found[c.pk] for c in children]
    rows.sort(key=lambda h: (h.value is None, h.value if h.value is not None else 0, h.unit.code))
    return found[unit.pk], rows


def metric_rows(health: UnitHealth) -> list[tuple[Any, float | None, int, int | None, bool]]:
    """The month's figures in the metrics' order: label, value, numerator, denominator,
    whether a share."""
    return [
        (m.label, *health.figures.get(m.code, (None, 0, None)), m.share)
        for m in METRICS
        if m.code in health.figures
    ]
