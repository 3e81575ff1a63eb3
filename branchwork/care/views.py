"""Pages of cases: a unit's cases with the overdue roll-up, opening a case, and a case with
its timeline and the actions on it. Every case page read is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError
from branchwork.core.forms import apply_errors, submit
from branchwork.org.models import Unit
from branchwork.org.selectors import get_unit_for
from branchwork.people.selectors import get_household_for, person_in_scope

from . import selectors, services
from .forms import CaseForm, NoteForm, StatusForm
from .models import OPEN_STATUSES, TRANSITIONS, Case, CaseStatus

PAGE = 30


@login_required
@require_GET
def unit_cases(request: HttpRequest, code: str) -> HttpResponse:
    """The cases of a unit and its subtree the user may see: open ones by due date (or the
    overdue, or the closed), and the open and overdue counts of each unit under it."""
    unit = get_unit_for(request.user, code)
    show = request.GET.get("show", "open")
    cases = selectors.visible_cases(request.user).filter(unit__path__startswith=unit.path)
    if show == "overdue":
        cases = selectors.overdue(cases)
    elif show == "closed":
        cases = cases.exclude(status__in=OPEN_STATUSES).order_by("-closed_at", "-pk")
    else:
        show = "open"
        cases = selectors.open_cases(cases)
    roll_up = selectors.overdue_by_unit(request.user, unit)
    names = dict(
        Unit.objects.filter(path__in=[p for p, _o, _l in roll_up]).values_list("path", "pk")
    )
    units = {u.pk: u for u in Unit.objects.filter(pk__in=names.values())}
    rows = [(units[names[p]], n, late) for p, n, late in roll_up if p in names]
    return render(
        request,
        "care/unit_cases.html",
        {
            "unit": unit,
            "show": show,
            "page": Paginator(cases, PAGE).get_page(request.GET.get("page")),
            "rows": sorted(rows, key=lambda r: r[0].path),
            "may_open": scope_for(request.user).has("cases", unit),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for(request.user, code)
    if not scope_for(request.user).has("cases", unit):
        return render(request, "403.html", status=403)
    initial = {"priority": "normal"}
    if request.GET.get("person", "").isdigit():
        initial["person"] = request.GET["person"]
    form = CaseForm(request.POST or None, initial=initial, workers=selectors.case_workers(unit))

    def run(data: dict[str, Any]) -> Case:
        person = household = None
        if data.get("person"):
            person = person_in_scope(request.user, data["person"], "person")
        if data.get("household"):
            try:
                household = get_household_for(request.user, data["household"])
            except Http404:
                raise ValidationError(
                    {"household": _("No household with this number in your units.")}
                ) from None
        return services.open_case(
            actor=request.user,
            unit=unit,
            person=person,
            household=household,
            category=data["category"],
            subject=data["subject"],
            priority=data["priority"],
            due_on=data.get("due_on"),
            assigned_to=data.get("assigned_to"),
            restricted=bool(data.get("restricted")),
            note=data.get("note") or "",
        )

    done = submit(request, form, run, success=_("The case is opened."))
    if done:
        return redirect("care:case", pk=done.result.pk)
    return render(request, "care/case_form.html", {"unit": unit, "form": form})


def _case_page(request: HttpRequest, case: Case, **forms: Any) -> HttpResponse:
    services.read_case(actor=request.user, case=case)
    from branchwork.activities.partners import visible_partners

    from . import aid

    return render(
        request,
        "care/case_detail.html",
        {
            "case": case,
            "notes": list(case.notes.select_related("author")),
            "note_form": forms.get("note_form") or NoteForm(),
            "status_form": forms.get("status_form") or StatusForm(),
            "next_statuses": [CaseStatus(s) for s in TRANSITIONS.get(case.status, ())],
            "workers": selectors.case_workers(case.unit),
            "partners": visible_partners(request.user).filter(active=True).order_by("name")[:100],
            "may_work": services.may_work(request.user, case),
            "nearby": aid.nearby_offers(request.user, case)[:5] if case.is_open else [],
            "matches": list(case.matches.select_related("offer__person")),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_page(request, selectors.get_case_for(request.user, pk))


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = selectors.get_case_for(request.user, pk)
    note_form = status_form = None
    try:
        if action == "note":
            note_form = NoteForm(request.POST)
            if not note_form.is_valid():
                return _case_page(request, case, note_form=note_form)
            services.add_note(actor=request.user, case=case, text=note_form.cleaned_data["text"])
            messages.success(request, _("The note is added."))
        elif action == "status":
            status_form = StatusForm(request.POST)
            if not status_form.is_valid():
                return _case_page(request, case, status_form=status_form)
            services.change_status(
                actor=request.user,
                case=case,
                status=status_form.cleaned_data["status"],
                outcome=status_form.cleaned_data["outcome"],
            )
            messages.success(request, _("The status is changed."))
        elif action == "assign":
            worker = selectors.case_workers(case.unit).filter(pk=request.POST.get("worker") or 0)
            chosen = worker.first()
            if chosen is None and request.POST.get("worker"):
                raise ValidationError({"assigned_to": _("Choose a case worker of this unit.")})
            services.assign(actor=request.user, case=case, worker=chosen)
            messages.success(request, _("The case worker is changed."))
        elif action == "escalate":
            services.escalate(actor=request.user, case=case, note=request.POST.get("note", ""))
            messages.success(request, _("The case is handed to the unit above."))
        elif action == "match":
            from . import aid

            offer = aid.visible_offers(request.user).filter(pk=request.POST.get("offer") or 0)
            chosen = offer.first()
            if chosen is None:
                raise ValidationError(
                    {"offer": _("No offer of help with this number in your units.")}
                )
            aid.match(
                actor=request.user, offer=chosen, case=case, note=request.POST.get("note", "")
            )
            messages.success(request, _("The offer of help is matched to the case."))
        elif action == "refer":
            from branchwork.activities.partners import visible_partners

            partner = (
                visible_partners(request.user).filter(pk=request.POST.get("partner") or 0).first()
            )
            if partner is None:
                raise ValidationError({"partner": _("Choose a partner organisation.")})
            services.refer(actor=request.user, case=case, partner=partner)
            messages.success(request, _("The case is referred."))
    except PermissionDeniedError:
        return render(request, "403.html", status=403)
    except ValidationError as exc:
        if status_form is not None:
            apply_errors(status_form, exc)
            return _case_page(request, case, status_form=status_form)
        for message in exc.messages:
            messages.error(request, message)
    if selectors.visible_cases(request.user).filter(pk=pk).exists():
        return redirect("care:case", pk=pk)
    return redirect("care:unit-cases", code=case.unit.code)  # escalated out of sight


@login_required
@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ("note", "status", "assign", "escalate", "refer", "match"):
        raise Http404
    return _act(request, pk, action)


@login_required
@require_http_methods(["GET", "POST"])
def unit_offers(request: HttpRequest, code: str) -> HttpResponse:
    """The offers of help of a unit's people (its subtree), and recording a new one."""
    from . import aid
    from .forms import OfferForm

    unit = get_unit_for(request.user, code)
    may_edit = scope_for(request.user).has("edit", unit)
    form = OfferForm(request.POST or None)
    if request.method == "POST":
        if not may_edit:
            return render(request, "403.html", status=403)

        def run(data: dict[str, Any]) -> object:
            person = person_in_scope(request.user, data["person"], "person")
            return aid.offer_help(
                actor=request.user,
                person=person,
                kinds=data["kinds"],
                description=data.get("description") or "",
                area=data.get("area") or "",
                availability=data.get("availability") or "",
            )

        if submit(request, form, run, success=_("The offer of help is recorded.")):
            return redirect("care:unit-offers", code=unit.code)
    offers = aid.visible_offers(request.user).filter(person__unit__path__startswith=unit.path)
    return render(
        request,
        "care/offers.html",
        {
            "unit": unit,
            "page": Paginator(offers.filter(active=True), PAGE).get_page(request.GET.get("page")),
            "form": form if may_edit else None,
        },
    )
