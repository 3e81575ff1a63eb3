"""Computing a month's snapshots: every metric's own rows per unit, added up the tree, written
for every unit in one transaction (a recomputed month replaces what was there)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction

from branchwork.org.models import PATH_STEP, Unit

from .metrics import METRICS, Metric, Period
from .models import Snapshot
from .scoring import current_weights, score


def roll_up(metric: Metric, period: Period, paths: dict[int, str]) -> dict[int, tuple[int, int]]:
    """The metric's (numerator, denominator) for every unit's subtree: each owning unit's
    figures added to it and to every unit above it."""
    by_path = {path: pk for pk, path in paths.items()}
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for unit_id, numerator, denominator in metric.rows(period):
        path = paths.get(unit_id)
        if path is None:
            continue
        for depth in range(1, len(path) // PATH_STEP + 1):
            above = by_path.get(path[: depth * PATH_STEP])
            if above is None:
                continue
            totals[above][0] += numerator
            totals[above][1] += denominator or 0
    return {pk: (n, d) for pk, (n, d) in totals.items()}


@transaction.atomic
def compute(month: dt.date) -> int:
    """Write the month's snapshots for every unit; returns how many rows."""
    period = Period.of(month)
    paths = dict(Unit.objects.values_list("pk", "path"))
    rows: list[Snapshot] = []
    for metric in METRICS:
        if metric.per_subtree:  # a median: each unit's row is its whole subtree's already
            for unit_id, median, count in metric.rows(period):
                rows.append(
                    Snapshot(
                        unit_id=unit_id,
                        month=period.start,
                        metric=metric.code,
                        value=float(median),
                        numerator=median,
                        denominator=count,
                    )
                )
            continue
        totals = roll_up(metric, period, paths)
        for unit_id in paths:
            numerator, denominator = totals.get(unit_id, (0, 0))
            if metric.share:
                share = numerator / denominator if denominator else None
                rows.append(
                    Snapshot(
                        unit_id=unit_id,
                        month=period.start,
                        metric=metric.code,
                        value=share,
                        numerator=numerator,
                        denominator=denominator,
                    )
                )
            else:
                rows.append(
                    Snapshot(
                        unit_id=unit_id,
                        month=period.start,
                        metric=metric.code,
                        value=float(numerator),
                        numerator=numerator,
                    )
                )
    rows += _scores(rows, period)
    Snapshot.objects.filter(month=period.start).delete()
    Snapshot.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _scores(rows: list[Snapshot], period: Period) -> list[Snapshot]:
    """Each unit's score for the month, from the month's figures and the weights in force."""
    weights = current_weights()
    figures: dict[int, dict[str, tuple[float | None, int, int | None]]] = defaultdict(dict)
    for row in rows:
        figures[row.unit_id][row.metric] = (row.value, row.numerator, row.denominator)
    return [
        Snapshot(
            unit_id=unit_id,
            month=period.start,
            metric="score",
            value=score(found, weights).value,
            numerator=0,
        )
        for unit_id, found in figures.items()
    ]


def months_back(today: dt.date, count: int) -> list[dt.date]:
    """The first days of the ``count`` months up to and including today's, oldest first."""
    out: list[dt.date] = []
    month = today.replace(day=1)
    for _ in range(count):
        out.append(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return out[::-1]
