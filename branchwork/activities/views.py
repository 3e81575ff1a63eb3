"""Pages of the contact log: a household's contacts (and the form to record one), a unit's
quiet households, and marking a follow-up done."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.db.models.functions import Substr
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError
from branchwork.core.forms import submit
from branchwork.org.selectors import get_unit_for
from branchwork.people.selectors import get_household_for

from . import selectors, services
from .forms import ContactForm, QuietForm
from .models import NOTE_MAX

PAGE = 50


@login_required
@require_http_methods(["GET", "POST"])
def household_contacts(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_household_for(request.user, pk)
    may_edit = scope_for(request.user).has("edit", household.unit)
    members = [
        (m.person.pk, m.person.display_name)
        for m in household.members.filter(until__isnull=True, person__erased_at__isnull=True)
        .select_related("person")
        .order_by("pk")
    ]
    suggested = {  # from a suggested contact (a life event): the person and a note
        k: request.GET[k][: NOTE_MAX if k == "note" else 20]
        for k in ("person", "note")
        if request.GET.get(k)
    }
    initial = {"contacted_on": timezone.localdate(), "channel": "visit", **suggested}
    form = ContactForm(request.POST or None, members=members, initial=initial)
    if request.method == "POST":
        if not may_edit:
            return render(request, "403.html", status=403)

        def run(data: dict[str, Any]) -> object:
            person = None
            if data["person"]:
                person = household.members.get(person_id=data["person"], until__isnull=True).person
            return services.record_contact(
                actor=request.user,
                household=household,
                person=person,
                contacted_on=data["contacted_on"],
                channel=data["channel"],
                note=data["note"],
                follow_up_on=data["follow_up_on"],
            )

        if submit(request, form, run, success=_("The contact is recorded.")):
            return redirect("activities:household-contacts", pk=household.pk)
    contacts = Paginator(selectors.contacts_of_household(request.user, household), PAGE)
    return render(
        request,
        "activities/household_contacts.html",
        {
            "household": household,
            "page": contacts.get_page(request.GET.get("page")),
            "last": selectors.last_contacted(household),
            "form": form if may_edit else None,
        },
    )


@login_required
@require_GET
def quiet_households(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for(request.user, code)
    form = QuietForm(request.GET or None)
    days = (form.cleaned_data["days"] if form.is_valid() else None) or selectors.DEFAULT_QUIET_DAYS
    households = Paginator(selectors.quiet_households(request.user, unit, days), PAGE)
    return render(
        request,
        "activities/quiet_households.html",
        {
            "unit": unit,
            "days": days,
            "form": form,
            "page": households.get_page(request.GET.get("page")),
        },
    )


@login_required
@require_POST
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.visible_contacts(request.user).filter(pk=pk).first()
    if contact is None:
        raise Http404
    try:
        services.complete_follow_up(actor=request.user, contact=contact)
    except PermissionDeniedError:
        return render(request, "403.html", status=403)
    messages.success(request, _("The follow-up is marked done."))
    target = request.POST.get("next", "")
    if target == "my-work":
        return redirect("home:my-work")
    if contact.household_id:
        return redirect("activities:household-contacts", pk=contact.household_id)
    return redirect("people:detail", pk=contact.person_id)


@login_required
@require_GET
def participation(request: HttpRequest, code: str) -> HttpResponse:
    """The participation ladder of a unit: how many of its people stand at each level, for the
    unit as a whole and for each unit directly under it (one query each)."""
    from branchwork.org.models import PATH_STEP, Unit
    from branchwork.people.selectors import visible_people

    from . import ladder

    unit = get_unit_for(request.user, code)
    people = visible_people(request.user).filter(
        unit__path__startswith=unit.path, erased_at__isnull=True, deceased_date__isnull=True
    )
    totals = ladder.level_counts(people)
    children = list(
        scope_for(request.user)
        .filter(Unit.objects.filter(parent=unit), "view", path_field="path")
        .order_by("path")
    )
    rows = []
    if children:
        width = len(unit.path) + PATH_STEP
        grouped = (
            ladder.with_level(people.exclude(unit=unit))
            .annotate(branch=Substr("unit__path", 1, width))
            .order_by()
            .values("branch", "level")
            .annotate(n=Count("pk"))
            .order_by()
        )
        by_child: dict[str, dict[int, int]] = {}
        for row in grouped:
            by_child.setdefault(row["branch"], {})[row["level"]] = row["n"]
        for child in children:
            found = by_child.get(child.path, {})
            counts = [found.get(level, 0) for level, _name in ladder.LEVELS]
            rows.append((child, counts, sum(counts)))
    return render(
        request,
        "activities/participation.html",
        {
            "unit": unit,
            "totals": totals,
            "total": sum(n for _l, _n, n in totals),
            "levels": ladder.LEVELS,
            "rows": rows,
            "window": ladder.WINDOW_DAYS,
        },
    )


@login_required
@require_GET
def life_events(request: HttpRequest, code: str) -> HttpResponse:
    """Births, deaths, marriages, children entering school and milestone birthdays around
    now: each a suggested contact, marked once someone has been in touch."""
    from . import life_events as events

    unit = get_unit_for(request.user, code)
    found = events.life_events(request.user, unit)
    return render(
        request,
        "activities/life_events.html",
        {
            "unit": unit,
            "events": found,
            "window": events.WINDOW_DAYS,
            "limited": len(found) >= events.LIMIT,
            "may_edit": scope_for(request.user).has("edit", unit),
        },
    )


@login_required
@require_GET
def activity(request: HttpRequest, code: str) -> HttpResponse:
    """A unit's last twelve months, month by month: events, attendance, contacts."""
    unit = get_unit_for(request.user, code)
    rows = selectors.activity_summary(request.user, unit)
    totals = {k: sum(r[k] for r in rows) for k in ("events", "attendances", "contacts")}
    return render(
        request, "activities/activity.html", {"unit": unit, "rows": rows, "totals": totals}
    )
