"""A unit's health page: its score with the reasons, its month's figures, and the units under
it with their scores, trends and flags, each a link one level down."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from branchwork.org.selectors import get_unit_for

from . import selectors
from .snapshots import months_back


def _month(request: HttpRequest) -> dt.date | None:
    latest = selectors.latest_month()
    asked = request.GET.get("month", "")
    if asked and latest is not None:
        try:
            year, number = (int(part) for part in asked.split("-"))
            month = dt.date(year, number, 1)
        except ValueError:
            return latest
        return month if month <= latest else latest
    return latest


@login_required
@require_GET
def unit_health(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for(request.user, code)
    month = _month(request)
    if month is None:
        return render(request, "health/unit_health.html", {"unit": unit, "month": None})
    health, children = selectors.unit_page(unit, month)
    return render(
        request,
        "health/unit_health.html",
        {
            "unit": unit,
            "month": month,
            "months": months_back(selectors.latest_month() or month, 12)[::-1],
            "health": health,
            "rows": selectors.metric_rows(health),
            "children": children,
            "flagged": [c for c in children if c.flag],
        },
    )
