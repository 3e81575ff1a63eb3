"""The "My work" page: what waits for the signed-in user. Each capability adds its section."""

from __future__ import annotations

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
        "today": timezone.localdate(),
        "no_grants": scope.is_empty,
    }
    return render(request, "home/my_work.html", context)


def healthz(request: HttpRequest) -> HttpResponse:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
