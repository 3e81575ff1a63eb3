"""A unit's health over the API, as its page shows it: the score, its percentile among units of
its kind, the flag and the reasons, the month's figures, and the units under it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from branchwork.health import plans, selectors
from branchwork.health.metrics import Period
from branchwork.health.models import SupportPlan
from branchwork.org.selectors import get_unit_for

router = Router(tags=["health"])


class Figure(Schema):
    metric: str
    value: float | None
    numerator: int
    denominator: int | None


class ChildOut(Schema):
    unit: str
    score: float | None
    flag: str
    trend: list[float | None]


class HealthOut(Schema):
    unit: str
    month: dt.date
    score: float | None
    percentile: float | None
    flag: str
    reasons: list[str]
    trend: list[float | None]
    figures: list[Figure]
    children: list[ChildOut]


@router.get("/units/{code}/health", response=HealthOut)
def unit_health(request: HttpRequest, code: str, month: str | None = None) -> dict[str, Any]:
    """The unit's health for a month (YYYY-MM; the latest measured by default)."""
    unit = get_unit_for(request.user, code)
    latest = selectors.latest_month()
    if latest is None:
        raise Http404
    when = latest
    if month:
        asked = Period.parse(month)
        if asked is None:
            raise Http404
        when = min(asked, latest)
    health, children = selectors.unit_page(unit, when)
    return {
        "unit": unit.code,
        "month": when,
        "score": health.value,
        "percentile": health.percentile,
        "flag": health.flag,
        "reasons": health.score.explanation() if health.score else [],
        "trend": health.trend,
        "figures": [
            {"metric": m, "value": v, "numerator": n, "denominator": d}
            for m, (v, n, d) in sorted(health.figures.items())
        ],
        "children": [
            {"unit": c.unit.code, "score": c.value, "flag": c.flag, "trend": c.trend}
            for c in children
        ],
    }


# --------------------------------------------------------------------------------------------
# Support plans
# --------------------------------------------------------------------------------------------


class GoalIn(Schema):
    metric: str
    target: float
    deadline: dt.date


class PlanIn(Schema):
    title: str = Field(max_length=200)
    review_on: dt.date
    goals: list[GoalIn] = Field(min_length=1, max_length=10)
    helpers: list[str] = Field(default_factory=list, max_length=20)


class ProgressOut(Schema):
    metric: str
    target: float
    deadline: dt.date
    current: float | None
    met: bool


class EventOut(Schema):
    kind: str
    on: dt.date
    note: str


class PlanOut(Schema):
    id: int
    unit: str
    by_unit: str
    title: str
    status: str
    review_on: dt.date
    helpers: list[str]
    goals: list[ProgressOut]
    events: list[EventOut]


class VisitIn(Schema):
    on: dt.date | None = None
    note: str = Field(min_length=1, max_length=500)


class ExtendIn(Schema):
    review_on: dt.date
    reason: str = Field(min_length=1, max_length=500)


def _plan_out(plan: SupportPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "unit": plan.unit.code,
        "by_unit": plan.by_unit.code,
        "title": plan.title,
        "status": plan.status,
        "review_on": plan.review_on,
        "helpers": list(plan.helpers.order_by("username").values_list("username", flat=True)),
        "goals": [
            {
                "metric": p.goal.metric,
                "target": p.goal.target,
                "deadline": p.goal.deadline,
                "current": p.current,
                "met": p.met,
            }
            for p in plans.progress(plan)
        ],
        "events": [{"kind": e.kind, "on": e.on, "note": e.note} for e in plan.events.all()],
    }


def _plan_for(request: HttpRequest, plan_id: int) -> SupportPlan:
    plan = plans.visible_plans(request.user).filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    return plan


@router.get("/units/{code}/plans", response=list[PlanOut])
def unit_plans(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    unit = get_unit_for(request.user, code)
    return [_plan_out(p) for p in plans.visible_plans(request.user).filter(unit=unit)]


@router.post("/units/{code}/plans", response={201: PlanOut})
def open_plan(request: HttpRequest, code: str, payload: PlanIn) -> Status[dict[str, Any]]:
    unit = get_unit_for(request.user, code)
    helpers = list(plans.possible_helpers(unit).filter(username__in=payload.helpers))
    if len(helpers) != len(set(payload.helpers)):
        from django.utils.translation import gettext as _

        from branchwork.core.errors import invalid

        raise invalid("helpers", _("Helpers come from the units above this one."))
    plan = plans.open_plan(
        actor=request.user,
        unit=unit,
        title=payload.title,
        review_on=payload.review_on,
        goals=[(g.metric, g.target, g.deadline) for g in payload.goals],
        helpers=helpers,
    )
    return Status(201, _plan_out(plan))


@router.get("/plans/{plan_id}", response=PlanOut)
def get_plan(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    return _plan_out(_plan_for(request, plan_id))


@router.post("/plans/{plan_id}/visits", response={201: PlanOut})
def log_visit(request: HttpRequest, plan_id: int, payload: VisitIn) -> Status[dict[str, Any]]:
    plan = _plan_for(request, plan_id)
    plans.log_visit(actor=request.user, plan=plan, on=payload.on, note=payload.note)
    return Status(201, _plan_out(plan))


@router.post("/plans/{plan_id}/extend", response=PlanOut)
def extend(request: HttpRequest, plan_id: int, payload: ExtendIn) -> dict[str, Any]:
    plan = _plan_for(request, plan_id)
    return _plan_out(
        plans.extend(
            actor=request.user, plan=plan, review_on=payload.review_on, reason=payload.reason
        )
    )


@router.post("/plans/{plan_id}/close", response=PlanOut)
def close(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    plan = _plan_for(request, plan_id)
    return _plan_out(plans.close(actor=request.user, plan=plan))
