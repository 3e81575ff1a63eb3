"""The "My work" page: what waits for the signed-in user. Each capability adds its section."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from branchwork.access.scoping import scope_for
from branchwork.activities import selectors as activity_selectors
from branchwork.org import selectors as org_selectors


@login_required
@require_GET
def my_work(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    context = {
        "roots": org_selectors.root_units(request.user),
        "terms_ending": list(org_selectors.terms_ending_for(request.user)[:20]),
        "vacancies": org_selectors.vacancies_for(request.user, limit=20),
        "follow_ups": list(activity_selectors.follow_ups_due_for(request.user)[:20]),
        "suggested": _suggested_contacts(request.user, scope),
        "my_cases": _my_cases(request.user, scope),
        "my_sweeps": _my_sweeps(request.user),
        "approvals": _approvals(request.user, scope),
        "today": timezone.localdate(),
        "no_grants": scope.is_empty,
    }
    return render(request, "home/my_work.html", context)


SUGGESTED = 10


def _my_sweeps(user: Any) -> list[tuple[Any, int]]:
    """The open sweeps with households on the user's list, and how many are left."""
    from django.db.models import Count

    from branchwork.care.models import Sweep
    from branchwork.care.sweeps import my_targets

    counts = dict(my_targets(user).order_by().values_list("sweep").annotate(n=Count("pk")))
    return [(s, counts[s.pk]) for s in Sweep.objects.filter(pk__in=counts).order_by("-started_at")]


def _approvals(user: Any, scope: Any) -> list[Any]:
    """Allocations proposed by another treasurer, waiting for the user's decision."""
    from branchwork.money.selectors import approvals_waiting

    if "money" not in scope.all_permissions():
        return []
    return list(approvals_waiting(user)[:20])


def _my_cases(user: Any, scope: Any) -> list[Any]:
    """The user's open cases as case worker, overdue and nearest due first."""
    from branchwork.care.selectors import my_cases

    if "cases" not in scope.all_permissions():
        return []  # without the permission anywhere, no case is one's own to work
    return list(my_cases(user)[:20])


def _suggested_contacts(user: Any, scope: Any) -> list[Any]:
    """Life events nobody has been in touch about yet, for the officers of branches and
    groups (a region's staff open the page of the unit they want: it is long)."""
    from branchwork.activities.life_events import life_events
    from branchwork.org.models import UnitKind

    out: list[Any] = []
    for unit in org_selectors.root_units(user):
        if unit.kind in (UnitKind.BRANCH, UnitKind.GROUP) and scope.has("edit", unit):
            out += [e for e in life_events(user, unit) if not e.contacted and e.household_id]
    return sorted(out, key=lambda e: e.day)[:SUGGESTED]


def healthz(request: HttpRequest) -> HttpResponse:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
