"""Pages of support plans: a unit's plans, opening one (officers of a unit above), and a plan
with its goals' progress, helpers, visits, review date and closing."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branchwork.core.forms import perform, submit
from branchwork.org.selectors import get_unit_for

from . import plans
from .forms import ExtendForm, PlanForm, VisitForm
from .models import SupportPlan


@login_required
@require_GET
def unit_plans(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for(request.user, code)
    return render(
        request,
        "health/plans.html",
        {
            "unit": unit,
            "plans": plans.visible_plans(request.user).filter(unit=unit),
            "may_open": plans.may_open(request.user, unit),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for(request.user, code)
    if not plans.may_open(request.user, unit):
        return render(request, "403.html", status=403)
    form = PlanForm(request.POST or None, helpers=plans.possible_helpers(unit))

    def run(data: dict[str, Any]) -> SupportPlan:
        return plans.open_plan(
            actor=request.user,
            unit=unit,
            title=data["title"],
            review_on=data["review_on"],
            goals=form.goals(),
            helpers=list(data.get("helpers") or []),
        )

    done = submit(request, form, run, success=_("The support plan is opened."))
    if done:
        return redirect("health:plan", pk=done.result.pk)
    return render(request, "health/plan_form.html", {"unit": unit, "form": form})


def _plan_for(request: HttpRequest, pk: int) -> SupportPlan:
    plan = plans.visible_plans(request.user).filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan


@login_required
@require_http_methods(["GET", "POST"])
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for(request, pk)
    visit = VisitForm(request.POST if request.POST.get("form") == "visit" else None, prefix="visit")
    extend = ExtendForm(
        request.POST if request.POST.get("form") == "extend" else None, prefix="extend"
    )
    if request.method == "POST":
        if request.POST.get("form") == "visit":
            done = submit(
                request,
                visit,
                lambda d: plans.log_visit(
                    actor=request.user, plan=plan, on=d.get("on"), note=d["note"]
                ),
                success=_("The visit is logged."),
            )
        elif request.POST.get("form") == "extend":
            done = submit(
                request,
                extend,
                lambda d: plans.extend(
                    actor=request.user, plan=plan, review_on=d["review_on"], reason=d["reason"]
                ),
                success=_("The review date is moved."),
            )
        else:
            return HttpResponse(status=400)
        if done:
            return redirect("health:plan", pk=plan.pk)
    from branchwork.access.scoping import scope_for

    may_lead = scope_for(request.user).has("edit", plan.by_unit)
    progress = plans.progress(plan)
    return render(
        request,
        "health/plan.html",
        {
            "plan": plan,
            "unit": plan.unit,
            "progress": progress,
            "helpers": plan.helpers.order_by("username"),
            "events": plan.events.select_related("by"),
            "visit": visit if plans.may_work(request.user, plan) else None,
            "extend": extend if may_lead else None,
            # Closing is offered once every goal is met (the service refuses it before).
            "may_close": may_lead and plan.status == "open" and all(p.met for p in progress),
        },
    )


@login_required
@require_POST
def plan_close(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for(request, pk)
    refused = perform(
        request,
        lambda: plans.close(actor=request.user, plan=plan),
        success=_("The plan is closed: its goals are met."),
    )
    return refused or redirect("health:plan", pk=pk)
