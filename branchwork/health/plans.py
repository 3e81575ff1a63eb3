"""Support plans: a higher unit's plan to bring a unit back, with metric goals, helpers from
higher units, support visits, and a review date; progress is read from the snapshots, and a
plan closes only when its goals are met (or its review is moved, with a reason)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.models import Grant
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.org.models import Unit

from .metrics import BY_CODE
from .models import Goal, PlanEvent, PlanStatus, Snapshot, SupportPlan

TITLE_MAX = 200


def may_open(actor: Any, unit: Unit) -> bool:
    """Officers of a unit above (with edit there) open plans for the units under it."""
    parent = unit.parent
    return parent is not None and scope_for(actor).has("edit", parent)


def visible_plans(user: Any) -> QuerySet[SupportPlan]:
    """Plans of units the user may view, and those they help with."""
    return (
        SupportPlan.objects.filter(
            scope_for(user).q("view", "unit__path") | Q(helpers=getattr(user, "pk", None))
        )
        .distinct()
        .select_related("unit", "by_unit")
    )


def possible_helpers(unit: Unit) -> QuerySet[Any]:
    """Users with a grant in force on a unit above this one."""
    from branchwork.access.models import User

    above = Grant.objects.active().filter(unit__path__in=unit.ancestor_paths()).values("user")
    return User.objects.filter(pk__in=above, is_active=True).order_by("username")


def _goals(goals: list[tuple[str, Any, dt.date]]) -> list[tuple[str, float, dt.date]]:
    today = timezone.localdate()
    if not goals:
        raise invalid("goals", _("Give the plan at least one goal."))
    out = []
    for metric, target, deadline in goals:
        found = BY_CODE.get(metric)
        if found is None:
            raise invalid("goals", _("Choose a metric for each goal."))
        try:
            value = float(target)
        except (TypeError, ValueError):
            raise invalid("goals", _("A goal's target is a number.")) from None
        if value < 0 or (found.share and value > 100):
            raise invalid(
                "goals", _("A target is at least 0, and a share's at most 100 (per cent).")
            )
        if deadline < today or deadline > today + dt.timedelta(days=3 * 365):
            raise invalid("goals", _("A goal's deadline is within the next three years."))
        out.append((metric, value, deadline))
    return out


@transaction.atomic
def open_plan(
    *,
    actor: Any,
    unit: Unit,
    title: str,
    review_on: dt.date,
    goals: list[tuple[str, Any, dt.date]],
    helpers: list[Any] | None = None,
) -> SupportPlan:
    if not may_open(actor, unit):
        raise PermissionDeniedError("edit")
    title = (title or "").strip()
    if not title:
        raise invalid("title", _("Give the plan a title."))
    today = timezone.localdate()
    if not today <= review_on <= today + dt.timedelta(days=3 * 365):
        raise invalid("review_on", _("The review date is within the next three years."))
    clean = _goals(goals)
    allowed = set(possible_helpers(unit).values_list("pk", flat=True))
    chosen = list(helpers or [])
    if any(h.pk not in allowed for h in chosen):
        raise invalid("helpers", _("Helpers come from the units above this one."))
    assert unit.parent is not None
    plan = SupportPlan.objects.create(
        unit=unit,
        by_unit=unit.parent,
        title=title[:TITLE_MAX],
        review_on=review_on,
        opened_by=actor if getattr(actor, "pk", None) else None,
    )
    Goal.objects.bulk_create([Goal(plan=plan, metric=m, target=t, deadline=d) for m, t, d in clean])
    plan.helpers.set(chosen)
    audit.record(
        actor=actor,
        action="create",
        obj=plan,
        unit_id=unit.pk,
        fields=["title", "goals", "helpers", "review_on"],
    )
    return plan


def may_work(actor: Any, plan: SupportPlan) -> bool:
    """The plan's helpers, and the officers of the unit that opened it."""
    helper = actor.pk is not None and plan.helpers.filter(pk=actor.pk).exists()
    return helper or scope_for(actor).has("edit", plan.by_unit)


@transaction.atomic
def log_visit(*, actor: Any, plan: SupportPlan, on: dt.date | None = None, note: str) -> PlanEvent:
    if not may_work(actor, plan):
        raise PermissionDeniedError("edit")
    if plan.status != PlanStatus.OPEN:
        raise invalid("note", _("This plan is closed."))
    note = (note or "").strip()
    if not note:
        raise invalid("note", _("Say what the visit was about."))
    day = on or timezone.localdate()
    if day > timezone.localdate():
        raise invalid("on", _("A visit is logged once it has happened."))
    event = PlanEvent.objects.create(
        plan=plan, kind=PlanEvent.Kind.VISIT, on=day, note=note[:500], by=actor
    )
    audit.record(actor=actor, action="create", obj=event, unit_id=plan.unit_id, fields=["note"])
    return event


@dataclass(frozen=True)
class Progress:
    goal: Goal
    label: str
    current: float | None  # the latest snapshot's value (a share in per cent)
    met: bool


def progress(plan: SupportPlan) -> list[Progress]:
    """Each goal against the unit's latest snapshot (one query)."""
    goals = list(plan.goals.all())
    latest = (
        Snapshot.objects.filter(unit=plan.unit).order_by("-month").values_list("month", flat=True)
    ).first()
    values: dict[str, float | None] = {}
    if latest is not None:
        values = dict(
            Snapshot.objects.filter(
                unit=plan.unit, month=latest, metric__in=[g.metric for g in goals]
            ).values_list("metric", "value")
        )
    out = []
    for goal in goals:
        metric = BY_CODE[goal.metric]
        raw = values.get(goal.metric)
        current = None if raw is None else (raw * 100 if metric.share else raw)
        met = current is not None and (
            current >= goal.target if metric.better > 0 else current <= goal.target
        )
        out.append(Progress(goal, str(metric.label), current, met))
    return out


@transaction.atomic
def extend(*, actor: Any, plan: SupportPlan, review_on: dt.date, reason: str) -> SupportPlan:
    if not scope_for(actor).has("edit", plan.by_unit):
        raise PermissionDeniedError("edit")
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason", _("Say why the review is moved."))
    if review_on <= plan.review_on:
        raise invalid("review_on", _("Move the review to a later date."))
    plan.review_on = review_on
    plan.save(update_fields=["review_on"])
    PlanEvent.objects.create(
        plan=plan,
        kind=PlanEvent.Kind.EXTENDED,
        on=timezone.localdate(),
        note=reason[:500],
        by=actor,
    )
    audit.record(actor=actor, action="update", obj=plan, unit_id=plan.unit_id, fields=["review_on"])
    return plan


@transaction.atomic
def close(*, actor: Any, plan: SupportPlan) -> SupportPlan:
    if not scope_for(actor).has("edit", plan.by_unit):
        raise PermissionDeniedError("edit")
    if plan.status != PlanStatus.OPEN:
        raise invalid("status", _("This plan is closed."))
    missing = [p.label for p in progress(plan) if not p.met]
    if missing:
        raise invalid(
            "status",
            _("Not every goal is met yet: %(goals)s. Move the review date instead.")
            % {"goals": ", ".join(missing)},
        )
    plan.status = PlanStatus.CLOSED
    plan.closed_at = timezone.now()
    plan.save(update_fields=["status", "closed_at"])
    PlanEvent.objects.create(
        plan=plan, kind=PlanEvent.Kind.CLOSED, on=timezone.localdate(), by=actor
    )
    audit.record(actor=actor, action="close", obj=plan, unit_id=plan.unit_id, fields=["status"])
    return plan
