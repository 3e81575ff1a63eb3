"""Provision pages: record one on a person, list them in the user's scope, download the list."""

from __future__ import annotations

import csv
import re
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from branchwork.access.scoping import scope_for
from branchwork.org.models import Unit
from branchwork.org.selectors import get_unit_for

from . import provisions
from .models import Person, Provision
from .privacy_forms import ProvisionFilterForm, ProvisionForm
from .views import _person_form

PAGE_SIZE = 25


@login_required
@require_http_methods(["GET", "POST"])
def provision_add(request: HttpRequest, pk: int) -> HttpResponse:
    def run(person: Person, data: dict[str, Any]) -> Provision:
        return provisions.record_provision(actor=request.user, person=person, **data)

    return _person_form(
        request,
        pk,
        ProvisionForm(request.POST or None, person_id=pk),
        _("Record a provision to a third party"),
        _("The provision is recorded."),
        run,
    )


def _filtered(request: HttpRequest) -> tuple[ProvisionFilterForm, Unit | None, Any]:
    """The filter form, the unit asked for (404 if out of scope) and the scoped provisions."""
    form = ProvisionFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    code = (data.get("unit") or "").strip()
    unit = get_unit_for(request.user, code) if code else None
    qs = provisions.visible_provisions(
        request.user,
        unit=unit,
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    return form, unit, qs


@login_required
@require_GET
def provision_list(request: HttpRequest) -> HttpResponse:
    form, unit, qs = _filtered(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    scope = scope_for(request.user)
    # The unit that provided is named only if the user sees it (a person may have moved since).
    rows = [(p, scope.has("view", p.unit)) for p in page.object_list]
    query = {k: str(v) for k, v in request.GET.items() if k in form.fields and v}
    return render(
        request,
        "people/provision_list.html",
        {
            "form": form,
            "unit": unit,
            "page": page,
            "rows": rows,
            "query": urlencode(query),
        },
    )


@login_required
@require_GET
def provision_csv(request: HttpRequest) -> HttpResponse:
    _form, unit, qs = _filtered(request)
    code = re.sub(r"[^A-Za-z0-9_-]", "", unit.code) if unit else "all"
    filename = f"provisions-{code}-{timezone.localdate():%Y%m%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so spreadsheet programs read UTF-8 (Korean, Japanese) correctly
    writer = csv.writer(response)
    for row in provisions.export_rows(actor=request.user, provisions=qs, unit=unit):
        writer.writerow(row)
    return response
