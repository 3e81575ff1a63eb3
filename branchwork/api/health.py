"""A unit's health over the API, as its page shows it: the score, its percentile among units of
its kind, the flag and the reasons, the month's figures, and the units under it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from branchwork.health import selectors
from branchwork.org.selectors import get_unit_for

router = Router(tags=["health"])


class Figure(Schema):
    metric: str
    value: float | None
    numerator: int
    denominator: int | None


class ChildOut(Schema):
    unit: str
    score: float | None
    flag: str
    trend: list[float | None]


class HealthOut(Schema):
    unit: str
    month: dt.date
    score: float | None
    percentile: float | None
    flag: str
    reasons: list[str]
    trend: list[float | None]
    figures: list[Figure]
    children: list[ChildOut]


@router.get("/units/{code}/health", response=HealthOut)
def unit_health(request: HttpRequest, code: str, month: str | None = None) -> dict[str, Any]:
    """The unit's health for a month (YYYY-MM; the latest measured by default)."""
    unit = get_unit_for(request.user, code)
    latest = selectors.latest_month()
    if latest is None:
        raise Http404
    when = latest
    if month:
        try:
            year, number = (int(part) for part in month.split("-"))
            when = min(dt.date(year, number, 1), latest)
        except ValueError:
            raise Http404 from None
    health, children = selectors.unit_page(unit, when)
    return {
        "unit": unit.code,
        "month": when,
        "score": health.value,
        "percentile": health.percentile,
        "flag": health.flag,
        "reasons": health.score.explanation() if health.score else [],
        "trend": health.trend,
        "figures": [
            {"metric": m, "value": v, "numerator": n, "denominator": d}
            for m, (v, n, d) in sorted(health.figures.items())
        ],
        "children": [
            {"unit": c.unit.code, "score": c.value, "flag": c.flag, "trend": c.trend}
            for c in children
        ],
    }
