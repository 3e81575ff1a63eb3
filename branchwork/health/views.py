"""A unit's health page: its score with the reasons, its month's figures, and the units under
it with their scores, trends and flags, each a link one level down."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from branchwork.org.selectors import get_unit_for

from . import selectors
from .metrics import Period
from .snapshots import months_back


def _month(request: HttpRequest) -> dt.date | None:
    latest = selectors.latest_month()
    asked = request.GET.get("month", "")
    month = Period.parse(asked) if asked else None
    if month is None or latest is None:
        return latest
    return min(month, latest)


@login_required
@require_GET
def unit_health(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for(request.user, code)
    month = _month(request)
    if month is None:
        return render(request, "health/unit_health.html", {"unit": unit, "month": None})
    health, children = selectors.unit_page(unit, month)
    from django.utils.safestring import mark_safe

    from . import charts

    drawn = []
    for metric in CHARTED:
        found, data = _chart(unit, metric, month)
        markup = charts.svg(data, f"{unit.name}: {found.label}")
        drawn.append((metric, found.label, mark_safe(markup)))  # noqa: S308 - escaped in svg()
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
            "charts": drawn,
        },
    )


# Score bands of the map, worst first: (upper bound, colour). Colour-blind safe (viridis-like),
# and every band is also named in the legend and the table beside the map.
BANDS = (
    (40.0, "#d7301f"),
    (55.0, "#fc8d59"),
    (70.0, "#fdcc8a"),
    (85.0, "#a6d96a"),
    (101.0, "#1a9641"),
)
NO_SCORE = "#d9d9d9"


def _band(value: float | None) -> str:
    if value is None:
        return NO_SCORE
    return next(colour for bound, colour in BANDS if value < bound)


@login_required
@require_GET
def region_map(request: HttpRequest) -> HttpResponse:
    """The regions on a map of Japan, coloured by score; each a link to its health page. A
    region is placed by the prefecture code (JIS 01–47) at the end of its unit code (R27)."""
    from branchwork.access.scoping import scope_for
    from branchwork.org.models import Unit, UnitKind

    from .japan import outlines

    month = _month(request)
    scope = scope_for(request.user)
    regions = [
        u
        for u in Unit.objects.filter(kind=UnitKind.REGION, status="active").order_by("code")
        if scope.has("view", u)
    ]
    found = selectors.health_of(regions, month) if month and regions else {}
    by_pref: dict[int, Any] = {}
    for unit in regions:
        match = re.search(r"(\d{2})$", unit.code)
        if match and 1 <= int(match[1]) <= 47:
            by_pref[int(match[1])] = found.get(unit.pk)
    view_box, paths = outlines()
    shapes = []
    for number, path in enumerate(paths, start=1):
        health = by_pref.get(number)
        shapes.append(
            {
                "path": path,
                "health": health,
                "fill": _band(health.value) if health else NO_SCORE,
            }
        )
    rows = sorted(
        (h for h in found.values()),
        key=lambda h: (h.value is None, h.value if h.value is not None else 0, h.unit.code),
    )
    return render(
        request,
        "health/map.html",
        {
            "month": month,
            "view_box": view_box,
            "shapes": shapes,
            "rows": rows,
            "bands": [(colour, bound) for bound, colour in BANDS],
            "no_score": NO_SCORE,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def weights(request: HttpRequest) -> HttpResponse:
    """The score's weights: shown to every user who may see a health page; changed by the
    federation's administrators, every change kept with who made it and why."""
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    from branchwork.access.scoping import scope_for
    from branchwork.core.forms import submit
    from branchwork.org.models import Unit

    from . import services
    from .forms import WeightsForm
    from .models import Weights
    from .scoring import INDICATORS, current_weights

    root = Unit.objects.filter(parent__isnull=True).order_by("pk").first()
    may_change = root is not None and scope_for(request.user).has("admin", root)
    now = current_weights()
    form = WeightsForm(request.POST or None, initial=now)
    if request.method == "POST":
        if not may_change:
            return render(request, "403.html", status=403)
        done = submit(
            request,
            form,
            lambda d: services.set_weights(
                actor=request.user,
                weights={i.code: d[i.code] for i in INDICATORS},
                note=d.get("note") or "",
            ),
            success=_("The new weights score the months computed from now on."),
        )
        if done:
            return redirect("health:weights")
    return render(
        request,
        "health/weights.html",
        {
            "rows": [(i.label, now.get(i.code, 0.0)) for i in INDICATORS],
            "history": Weights.objects.select_related("created_by")[:20],
            "form": form if may_change else None,
        },
    )


CHARTED = ("members", "households", "events", "attendance")
CHART_MONTHS = 24


def _chart(unit: Any, metric: str, month: dt.date) -> tuple[Any, Any]:
    from .charts import series
    from .metrics import BY_CODE

    found = BY_CODE[metric]
    return found, series(unit.pk, metric, found.share, months_back(month, CHART_MONTHS))


@login_required
@require_GET
def chart(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """One chart of the unit's health page as SVG, PNG or its data as CSV."""
    from django.http import Http404

    from . import charts

    unit = get_unit_for(request.user, code)
    metric = request.GET.get("metric", "members")
    month = _month(request)
    if fmt not in ("svg", "png", "csv") or (metric not in CHARTED and metric != "score"):
        raise Http404
    if month is None:
        raise Http404
    if metric == "score":
        from .charts import series

        found_label = _("score")
        data = series(unit.pk, "score", False, months_back(month, CHART_MONTHS))
    else:
        found, data = _chart(unit, metric, month)
        found_label = str(found.label)
    name = f"{unit.code}-{metric}-{month:%Y-%m}"
    if fmt == "svg":
        body: bytes | str = charts.svg(data, f"{unit.name}: {found_label}")
        kind = "image/svg+xml"
    elif fmt == "png":
        body, kind = charts.png(data), "image/png"
    else:
        body, kind = "\ufeff" + charts.csv_text(data), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
