"""Pages of partner organisations: a unit's partners, one partner with the people to reach
there and the joint events held with it, and writing them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError
from branchwork.core.forms import submit
from branchwork.org.selectors import get_unit_for

from . import partners as svc
from . import selectors
from .forms import PartnerContactForm, PartnerForm
from .models import PartnerOrganisation

PAGE = 30
EVENTS_PAGE = 20


@login_required
@require_GET
def unit_partners(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for(request.user, code)
    found = (
        svc.visible_partners(request.user)
        .filter(unit__path__startswith=unit.path)
        .order_by("-active", "name", "pk")
    )
    return render(
        request,
        "activities/partners.html",
        {
            "unit": unit,
            "page": Paginator(found, PAGE).get_page(request.GET.get("page")),
            "may_edit": scope_for(request.user).has("edit", unit),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def partner_create(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for(request.user, code)
    if not scope_for(request.user).has("edit", unit):
        return render(request, "403.html", status=403)
    form = PartnerForm(request.POST or None)

    def run(data: dict[str, Any]) -> PartnerOrganisation:
        values = {f: data.get(f) for f in svc.PARTNER_FIELDS}
        return svc.create_partner(actor=request.user, unit=unit, **values)

    done = submit(request, form, run, success=_("The partner organisation is saved."))
    if done:
        return redirect("activities:partner", pk=done.result.pk)
    return render(request, "activities/partner_form.html", {"unit": unit, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def partner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partner = svc.get_partner_for(request.user, pk)
    if not scope_for(request.user).has("edit", partner.unit):
        return render(request, "403.html", status=403)
    initial = {f: getattr(partner, f) for f in (*svc.PARTNER_FIELDS, "active")}
    form = PartnerForm(request.POST or None, initial=initial)

    def run(data: dict[str, Any]) -> PartnerOrganisation:
        values = {f: data.get(f) for f in svc.PARTNER_FIELDS}
        return svc.update_partner(
            actor=request.user, partner=partner, active=data.get("active", False), **values
        )

    done = submit(request, form, run, success=_("The partner organisation is saved."))
    if done:
        return redirect("activities:partner", pk=partner.pk)
    return render(
        request,
        "activities/partner_form.html",
        {"unit": partner.unit, "form": form, "partner": partner},
    )


@login_required
@require_http_methods(["GET", "POST"])
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A partner, the people to reach there (and adding one), and the joint events held with
    it that the user may see, the latest first."""
    partner = svc.get_partner_for(request.user, pk)
    may_edit = scope_for(request.user).has("edit", partner.unit)
    form = PartnerContactForm(request.POST or None)
    if request.method == "POST":
        if not may_edit:
            return render(request, "403.html", status=403)

        def run(data: dict[str, Any]) -> object:
            values = {f: data.get(f) for f in svc.CONTACT_FIELDS}
            return svc.add_contact(actor=request.user, partner=partner, **values)

        if submit(request, form, run, success=_("The contact is saved.")):
            return redirect("activities:partner", pk=partner.pk)
    events = (
        selectors.visible_events(request.user)
        .filter(partners=partner)
        .order_by("-starts_at", "-pk")
    )
    return render(
        request,
        "activities/partner_detail.html",
        {
            "partner": partner,
            "contacts": list(partner.contacts.all()),
            "events": Paginator(events, EVENTS_PAGE).get_page(request.GET.get("page")),
            "form": form if may_edit else None,
            "may_edit": may_edit,
        },
    )


@login_required
@require_POST
def partner_contact_remove(request: HttpRequest, pk: int, cid: int) -> HttpResponse:
    partner = svc.get_partner_for(request.user, pk)
    contact = partner.contacts.filter(pk=cid).first()
    if contact is None:
        raise Http404
    try:
        svc.remove_contact(actor=request.user, contact=contact)
    except PermissionDeniedError:
        return render(request, "403.html", status=403)
    messages.success(request, _("The contact is removed."))
    return redirect("activities:partner", pk=partner.pk)
