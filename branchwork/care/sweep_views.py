"""Pages of welfare sweeps: a unit's sweeps (and starting one), a sweep's coverage down the
tree (refreshed as outcomes come in), an officer's list for a phone, and the closing report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError
from branchwork.core.forms import perform, submit
from branchwork.org.selectors import get_unit_for

from . import sweeps
from .forms import SweepForm
from .models import Outcome, Sweep, SweepTarget

PAGE = 50


@login_required
@require_http_methods(["GET", "POST"])
def unit_sweeps(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for(request.user, code)
    may_start = scope_for(request.user).has("edit", unit)
    form = SweepForm(
        request.POST or None,
        initial={"needs": "\n".join(sweeps.default_needs()), "retry_days": 2},
    )
    if request.method == "POST":
        if not may_start:
            return render(request, "403.html", status=403)

        def run(data: dict[str, Any]) -> Sweep:
            needs = [n for n in (data.get("needs") or "").splitlines() if n.strip()]
            return sweeps.start_sweep(
                actor=request.user,
                unit=unit,
                title=data["title"],
                needs=needs,
                retry_days=data["retry_days"],
            )

        done = submit(request, form, run, success=_("The sweep is started."))
        if done:
            return redirect("care:sweep", pk=done.result.pk)
    found = sweeps.visible_sweeps(request.user).filter(
        unit__path__in=[*unit.ancestor_paths(), unit.path]
    ) | sweeps.visible_sweeps(request.user).filter(unit__path__startswith=unit.path)
    return render(
        request,
        "care/sweeps.html",
        {
            "unit": unit,
            "sweeps": found.distinct().order_by("-started_at")[:50],
            "form": form if may_start else None,
        },
    )


def _sweep_for(request: HttpRequest, pk: int) -> Sweep:
    sweep = sweeps.visible_sweeps(request.user).filter(pk=pk).first()
    if sweep is None:
        raise Http404
    return sweep


def _coverage_context(request: HttpRequest, sweep: Sweep) -> dict[str, Any]:
    code = request.GET.get("unit", "")
    unit = sweep.unit
    if code:
        unit = get_unit_for(request.user, code)
    elif not scope_for(request.user).has("view", unit):
        # An officer of a branch looks at the region's sweep from their own unit.
        from branchwork.org.selectors import root_units

        roots = [u for u in root_units(request.user) if u.path.startswith(sweep.unit.path)]
        if roots:
            unit = roots[0]
    rows = sweeps.coverage(request.user, sweep, unit)
    total = sum(r["total"] for r in rows)
    reached = sum(r["reached"] for r in rows)
    return {
        "sweep": sweep,
        "unit": unit,
        "rows": rows,
        "total": total,
        "reached": reached,
        "share": reached / total if total else 0.0,
    }


@login_required
@require_GET
def sweep_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sweep = _sweep_for(request, pk)
    context = _coverage_context(request, sweep)
    context.update(
        may_run=scope_for(request.user).has("edit", sweep.unit),
        mine=sweeps.my_targets(request.user, sweep).count(),
        unassigned=sweeps.visible_targets(request.user, sweep)
        .filter(assigned_to__isnull=True)
        .count(),
        missed=Paginator(sweeps.never_reached(request.user, sweep), PAGE).get_page(
            request.GET.get("page")
        )
        if sweep.status == "closed"
        else None,
    )
    return render(request, "care/sweep_detail.html", context)


@login_required
@require_GET
def sweep_coverage(request: HttpRequest, pk: int) -> HttpResponse:
    """The coverage table alone, asked for every few seconds while the sweep runs."""
    sweep = _sweep_for(request, pk)
    return render(request, "care/_coverage.html", _coverage_context(request, sweep))


@login_required
@require_POST
def sweep_assign(request: HttpRequest, pk: int) -> HttpResponse:
    sweep = _sweep_for(request, pk)
    refused = perform(
        request,
        lambda: sweeps.assign_targets(actor=request.user, sweep=sweep),
        success=lambda count: (
            _("%(count)s households are put on officers' lists.") % {"count": count}
        ),
    )
    return refused or redirect("care:sweep", pk=pk)


@login_required
@require_POST
def sweep_close(request: HttpRequest, pk: int) -> HttpResponse:
    sweep = _sweep_for(request, pk)
    try:
        sweeps.close_sweep(actor=request.user, sweep=sweep)
    except PermissionDeniedError:
        return render(request, "403.html", status=403)
    messages.success(request, _("The sweep is closed: below are the households nobody reached."))
    return redirect("care:sweep", pk=pk)


@login_required
@require_GET
def my_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer's households to reach in this sweep: a phone page, one tap per outcome."""
    sweep = _sweep_for(request, pk)
    targets = sweeps.my_targets(request.user, sweep)
    return render(
        request,
        "care/my_list.html",
        {"sweep": sweep, "page": Paginator(targets, PAGE).get_page(request.GET.get("page"))},
    )


@login_required
@require_POST
def record(request: HttpRequest, tid: int) -> HttpResponse:
    target = (
        SweepTarget.objects.filter(pk=tid)
        .filter(pk__in=SweepTarget.objects.filter(assigned_to_id=request.user.pk).values("pk"))
        .first()
    )
    if target is None:  # not on the officer's list: perhaps an officer of its unit
        target = (
            SweepTarget.objects.filter(pk=tid)
            .filter(scope_for(request.user).q("edit", "unit__path"))
            .first()
        )
    if target is None:
        raise Http404
    try:
        target, recorded = sweeps.record_outcome(
            actor=request.user,
            target=target,
            outcome=request.POST.get("outcome", ""),
            needs=request.POST.getlist("needs"),
            note=request.POST.get("note", ""),
        )
    except PermissionDeniedError:
        return render(request, "403.html", status=403)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("care:my-list", pk=target.sweep_id)
    if not recorded:
        messages.info(
            request,
            _("Someone had already reached this household: %(outcome)s.")
            % {"outcome": Outcome(target.outcome).label},
        )
    elif target.outcome == Outcome.UNREACHABLE:
        messages.info(request, _("Not reached: it comes back on your list for another try."))
    else:
        messages.success(request, _("Recorded."))
    return redirect("care:my-list", pk=target.sweep_id)


@login_required
@require_GET
def sweep_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer's list printed: numbered households with boxes to tick, for a sweep done on
    foot or by telephone without a phone to hand."""
    from django.utils import translation

    from branchwork.imports.paper import render_pdf

    sweep = _sweep_for(request, pk)
    lang = (translation.get_language() or "ja")[:2]
    pdf = render_pdf(
        "care/paper/sweep_sheet.html",
        {
            "sweep": sweep,
            "rows": sweeps.sheet_rows(request.user, sweep),
            "officer": request.user.get_username(),
        },
        title=sweep.title,
        lang=lang,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="sweep-{sweep.pk}.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def sweep_ticks(request: HttpRequest, pk: int) -> HttpResponse:
    """The printed sheet's ticks entered in one screen, line by line as numbered on paper."""
    sweep = _sweep_for(request, pk)
    rows = sweeps.sheet_rows(request.user, sweep)
    error = ""
    if request.method == "POST":
        ticks: dict[int, str] = {}
        needs: dict[int, list[str]] = {}
        try:
            for number, _target in rows:
                value = request.POST.get(f"t{number}", "")
                if value:
                    ticks[number] = value
                    needs[number] = request.POST.getlist(f"n{number}")
            count = sweeps.record_ticks(actor=request.user, sweep=sweep, ticks=ticks, needs=needs)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except PermissionDeniedError:
            return render(request, "403.html", status=403)
        else:
            messages.success(request, _("%(count)s households are recorded.") % {"count": count})
            return redirect("care:sweep", pk=sweep.pk)
    return render(request, "care/sweep_ticks.html", {"sweep": sweep, "rows": rows, "error": error})
