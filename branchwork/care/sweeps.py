"""Welfare sweeps: reach every household of a unit's subtree and leave none behind.

Starting a sweep makes one target per household of the subtree where someone still lives,
written in bulk. Assigning puts each target on the list of an officer of the unit closest to
the household (the deepest unit whose officers hold the edit permission there), the least
loaded first, so each branch's households go to that branch's officers and the load is even.
An officer records one outcome per household; a household already reached keeps the first
result (a second officer sees it and nothing is counted twice). "Could not be reached" puts
the household back on the list for a later attempt; "needs help" opens a case. Coverage (the
share reached) is counted by the database per unit, down the tree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.models import Grant
from branchwork.access.scoping import scope_for
from branchwork.core import faults
from branchwork.core.bulk import bulk_insert
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.org.models import PATH_STEP, Unit
from branchwork.people.models import Household, HouseholdMember

from .models import (
    REACHED,
    Case,
    CaseCategory,
    CaseNote,
    NoteKind,
    Outcome,
    Priority,
    Sweep,
    SweepStatus,
    SweepTarget,
)

NEEDS_MAX = 12


def default_needs() -> list[str]:
    """The checklist a sweep starts with, in the language of whoever starts it."""
    return [_("food"), _("medicine"), _("a visit"), _("money"), _("information")]


def visible_sweeps(user: Any) -> QuerySet[Sweep]:
    """Sweeps of the user's units and of the units above them (theirs concern the user's
    households too)."""
    from branchwork.activities.selectors import paths_above

    cond = scope_for(user).q("view", "unit__path")
    above = paths_above(user)
    if above:
        cond |= Q(unit__path__in=above)
    return Sweep.objects.filter(cond).select_related("unit")


def visible_targets(user: Any, sweep: Sweep) -> QuerySet[SweepTarget]:
    return sweep.targets.filter(scope_for(user).q("view", "unit__path")).select_related(
        "household", "unit", "assigned_to"
    )


@transaction.atomic
def start_sweep(
    *, actor: Any, unit: Unit, title: str, needs: list[str] | None = None, retry_days: int = 2
) -> Sweep:
    if not scope_for(actor).has("edit", unit):
        raise PermissionDeniedError("edit")
    title = (title or "").strip()
    if not title:
        raise invalid("title", _("Give the sweep a title."))
    needs = [n.strip()[:60] for n in (needs if needs is not None else default_needs()) if n.strip()]
    if len(needs) > NEEDS_MAX:
        raise invalid("needs", _("Ask about at most %(max)s needs.") % {"max": NEEDS_MAX})
    if not 1 <= retry_days <= 14:
        raise invalid("retry_days", _("Try again after 1 to 14 days."))
    lived_in = HouseholdMember.objects.filter(household=OuterRef("pk"), until__isnull=True)
    households = list(
        Household.objects.filter(unit__path__startswith=unit.path)
        .filter(Exists(lived_in))
        .values_list("pk", "unit_id")
    )
    if not households:
        raise invalid(
            "unit", _("Nobody lives in this unit's territory: there is nothing to sweep.")
        )
    sweep = Sweep.objects.create(
        unit=unit,
        title=title,
        needs=needs,
        retry_days=retry_days,
        started_by=actor if getattr(actor, "pk", None) else None,
    )
    bulk_insert(
        SweepTarget,
        ("sweep", "household", "unit", "outcome", "needs", "note", "attempts"),
        ((sweep.pk, pk, unit_id, Outcome.PENDING, [], "", 0) for pk, unit_id in households),
    )
    audit.record(actor=actor, action="create", obj=sweep, unit_id=unit.pk, fields=["title"])
    return sweep


def _officers_by_path(unit: Unit) -> dict[str, list[int]]:
    """Users with the edit permission on units of the subtree (or above it), by the path of
    the unit they hold it on."""
    grants = (
        Grant.objects.active()
        .filter(role__can_edit=True, user__is_active=True)
        .filter(Q(unit__path__startswith=unit.path) | Q(unit__path__in=unit.ancestor_paths()))
        .values_list("unit__path", "user_id")
    )
    out: dict[str, list[int]] = defaultdict(list)
    for path, user_id in grants:
        if user_id not in out[path]:
            out[path].append(user_id)
    return out


@transaction.atomic
def assign_targets(*, actor: Any, sweep: Sweep) -> int:
    """Put every unassigned target on an officer's list: an officer of the deepest unit above
    the household that has officers, the least loaded of them first. Returns how many."""
    if not scope_for(actor).has("edit", sweep.unit):
        raise PermissionDeniedError("edit")
    if sweep.status != SweepStatus.OPEN:
        raise invalid("status", _("This sweep is closed."))
    officers = _officers_by_path(sweep.unit)
    load: dict[int, int] = defaultdict(int)
    for user_id, n in (
        sweep.targets.filter(assigned_to__isnull=False)
        .values_list("assigned_to")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        load[user_id] = n
    paths = dict(Unit.objects.filter(path__startswith=sweep.unit.path).values_list("pk", "path"))
    chosen: dict[int, list[int]] = defaultdict(list)
    for pk, unit_id in (
        sweep.targets.filter(assigned_to__isnull=True)
        .order_by("unit_id", "pk")
        .values_list("pk", "unit_id")
    ):
        path = paths.get(unit_id, "")
        candidates: list[int] = []
        for depth in range(len(path) // PATH_STEP, 0, -1):
            candidates = officers.get(path[: depth * PATH_STEP], [])
            if candidates:
                break
        if not candidates:
            continue
        user_id = min(candidates, key=lambda u: (load[u], u))
        load[user_id] += 1
        chosen[user_id].append(pk)
    count = 0
    for user_id, pks in chosen.items():
        for start in range(0, len(pks), 5000):
            count += SweepTarget.objects.filter(pk__in=pks[start : start + 5000]).update(
                assigned_to_id=user_id
            )
    audit.record(actor=actor, action="assign", obj=sweep, unit_id=sweep.unit_id, fields=["targets"])
    faults.point("sweep-assign-before-commit")  # every target assigned, nothing committed
    return count


def my_targets(user: Any, sweep: Sweep | None = None) -> QuerySet[SweepTarget]:
    """The user's open targets (not reached yet, or due for another attempt), in open sweeps."""
    today = timezone.localdate()
    targets = SweepTarget.objects.filter(
        assigned_to_id=user.pk,
        sweep__status=SweepStatus.OPEN,
    ).filter(
        Q(outcome=Outcome.PENDING) | Q(outcome=Outcome.UNREACHABLE, next_attempt_on__lte=today)
    )
    if sweep is not None:
        targets = targets.filter(sweep=sweep)
    return targets.select_related("household", "sweep", "unit").order_by(
        "unit_id", "household__address", "pk"
    )


@transaction.atomic
def record_outcome(
    *,
    actor: Any,
    target: SweepTarget,
    outcome: str,
    needs: list[str] | None = None,
    note: str = "",
) -> tuple[SweepTarget, bool]:
    """Record what became of a household. Returns the target and whether this call recorded
    it (False when another officer had reached the household first: their result stands)."""
    target = (
        SweepTarget.objects.select_for_update(of=("self",))
        .select_related("sweep", "household", "unit")
        .get(pk=target.pk)
    )
    if not (
        target.assigned_to_id == getattr(actor, "pk", None)
        or scope_for(actor).has("edit", target.unit)
    ):
        raise PermissionDeniedError("edit")
    if target.sweep.status != SweepStatus.OPEN:
        raise invalid("outcome", _("This sweep is closed."))
    if outcome not in (Outcome.OK, Outcome.NEEDS_HELP, Outcome.UNREACHABLE):
        raise invalid("outcome", _("Choose what happened."))
    if target.outcome in REACHED:
        return target, False
    needs = [n for n in (needs or []) if n in target.sweep.needs]
    now = timezone.now()
    target.outcome = outcome
    target.needs = needs if outcome == Outcome.NEEDS_HELP else []
    target.note = (note or "").strip()[:300]
    target.attempts += 1
    target.recorded_at = now
    target.recorded_by = actor if getattr(actor, "pk", None) else None
    target.next_attempt_on = (
        timezone.localdate() + dt.timedelta(days=target.sweep.retry_days)
        if outcome == Outcome.UNREACHABLE
        else None
    )
    if outcome == Outcome.NEEDS_HELP and target.case_id is None:
        target.case = _open_case_for(target, needs)
    target.save()
    audit.record(
        actor=actor,
        action="update",
        obj=target,
        unit_id=target.unit_id,
        fields=["outcome"]
        + (["needs"] if target.needs else [])
        + (["note"] if target.note else []),
    )
    return target, True


def _open_case_for(target: SweepTarget, needs: list[str]) -> Case:
    """A household that needs help gets a case of its unit, unassigned and due soon, for the
    unit's case workers to take up (the officer who reached it may not hold the cases
    permission, so the sweep opens it)."""
    category = (
        CaseCategory.objects.filter(code="livelihood").first() or CaseCategory.objects.first()
    )
    assert category is not None
    case = Case.objects.create(
        unit=target.unit,
        household=target.household,
        category=category,
        subject=f"{target.sweep.title}: " + (", ".join(needs) or _("needs help"))[:150],
        priority=Priority.HIGH,
        due_on=timezone.localdate() + dt.timedelta(days=7),
    )
    CaseNote.objects.create(case=case, kind=NoteKind.NOTE, text=target.note)
    return case


def coverage(user: Any, sweep: Sweep, unit: Unit) -> list[dict[str, Any]]:
    """Per unit directly under ``unit`` (and the unit's own households): households, reached,
    needing help, unreachable, and the share reached. One grouped query."""
    width = len(unit.path) + PATH_STEP
    rows = (
        visible_targets(user, sweep)
        .filter(unit__path__startswith=unit.path)
        .annotate(branch=Substr("unit__path", 1, width))
        .values("branch")
        .annotate(
            total=Count("pk"),
            reached=Count("pk", filter=Q(outcome__in=REACHED)),
            help=Count("pk", filter=Q(outcome=Outcome.NEEDS_HELP)),
            unreachable=Count("pk", filter=Q(outcome=Outcome.UNREACHABLE)),
        )
        .order_by("branch")
    )
    units = {u.path: u for u in Unit.objects.filter(path__in=[r["branch"] for r in rows])}
    out: list[dict[str, Any]] = []
    for row in rows:
        item: dict[str, Any] = dict(row)
        item["unit"] = units.get(row["branch"], unit)
        item["share"] = row["reached"] / row["total"] if row["total"] else 0.0
        out.append(item)
    return out


@transaction.atomic
def close_sweep(*, actor: Any, sweep: Sweep) -> Sweep:
    if not scope_for(actor).has("edit", sweep.unit):
        raise PermissionDeniedError("edit")
    if sweep.status == SweepStatus.CLOSED:
        return sweep
    sweep.status = SweepStatus.CLOSED
    sweep.closed_at = timezone.now()
    sweep.save(update_fields=["status", "closed_at"])
    audit.record(actor=actor, action="close", obj=sweep, unit_id=sweep.unit_id, fields=["status"])
    return sweep


def never_reached(user: Any, sweep: Sweep) -> QuerySet[SweepTarget]:
    """The households nobody reached: the closing report."""
    return (
        visible_targets(user, sweep)
        .exclude(outcome__in=REACHED)
        .order_by("unit__path", "household__address", "pk")
    )


def sheet_rows(user: Any, sweep: Sweep) -> list[tuple[int, SweepTarget]]:
    """The user's households in this sweep, numbered as the printed sheet numbers them (every
    household on the list, reached or not, in a fixed order: the same on paper and on the
    screen where the ticks are entered)."""
    targets = (
        sweep.targets.filter(assigned_to_id=user.pk)
        .select_related("household", "unit")
        .order_by("unit__path", "household__address", "pk")
    )
    return list(enumerate(targets, start=1))


@transaction.atomic
def record_ticks(
    *, actor: Any, sweep: Sweep, ticks: dict[int, str], needs: dict[int, list[str]]
) -> int:
    """Enter a printed sheet's ticks: ``ticks`` maps a sheet number to an outcome. Every
    number must be on the actor's sheet and every outcome known, or nothing is written.
    Returns how many were recorded (households someone had reached first keep their result)."""
    rows = dict(sheet_rows(actor, sweep))
    for number, outcome in ticks.items():
        if number not in rows:
            raise invalid("ticks", _("Line %(n)s is not on your sheet.") % {"n": number})
        if outcome not in (Outcome.OK, Outcome.NEEDS_HELP, Outcome.UNREACHABLE):
            raise invalid("ticks", _("Choose what happened."))
    count = 0
    for number, outcome in sorted(ticks.items()):
        _target, recorded = record_outcome(
            actor=actor, target=rows[number], outcome=outcome, needs=needs.get(number, [])
        )
        count += int(recorded)
    return count
