"""Reads of cases, through the scoping in ``branchwork.access`` and the case's own rules.

A case that is not restricted is seen by its assigned case worker and by users holding the
cases permission on its owning unit or above (a grant whose unit is the case's unit or one of
its ancestors). A restricted case is seen only by its assigned worker and the people named on
it. The view permission alone shows no case: a branch's officer without the cases permission
sees none of its cases, and a parent unit's officer without it none either.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from branchwork.access.scoping import scope_for

from .models import OPEN_STATUSES, Case


def _condition(user: Any) -> Q:
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    scope = scope_for(user)
    mine = Q(assigned_to_id=user.pk)
    named = Q(access__user_id=user.pk)
    by_grant = scope.q("cases", "unit__path")
    if scope.superuser:  # the superuser is the system: restricted cases stay with their people
        by_grant = Q()
    return mine | (Q(restricted=True) & named) | (Q(restricted=False) & by_grant)


def visible_cases(user: Any) -> QuerySet[Case]:
    cond = _condition(user)
    ids = Case.objects.filter(cond).values("pk")  # the OR over a join, kept in a subquery
    return Case.objects.filter(pk__in=ids).select_related(
        "unit", "category", "person", "household", "assigned_to"
    )


def get_case_for(user: Any, pk: int) -> Case:
    case = visible_cases(user).filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def open_cases(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.filter(status__in=OPEN_STATUSES)


def overdue(qs: QuerySet[Case], today: dt.date | None = None) -> QuerySet[Case]:
    return open_cases(qs).filter(due_on__lt=today or timezone.localdate())


def my_cases(user: Any) -> QuerySet[Case]:
    """The user's open cases as case worker, the overdue and the nearest due first."""
    return open_cases(visible_cases(user).filter(assigned_to_id=user.pk)).order_by("due_on", "pk")


def overdue_by_unit(user: Any, unit: Any) -> list[tuple[str, int, int]]:
    """Per unit directly under ``unit`` (and the unit itself): open and overdue cases the user
    may see, rolled up from the whole subtree, counted in one query."""
    from django.db.models.functions import Substr

    from branchwork.org.models import PATH_STEP

    today = timezone.localdate()
    width = len(unit.path) + PATH_STEP
    rows = (
        open_cases(visible_cases(user))
        .filter(unit__path__startswith=unit.path)
        .annotate(branch=Substr("unit__path", 1, width))
        .values("branch")
        .annotate(
            open=Count("pk"),
            late=Count("pk", filter=Q(due_on__lt=today)),
        )
        .order_by()
    )
    return [(r["branch"], r["open"], r["late"]) for r in rows]


def case_workers(unit: Any) -> QuerySet[Any]:
    """The users who may be given a case of ``unit``: the cases permission there or above."""
    from branchwork.access.models import Grant, User

    paths = [*unit.ancestor_paths(), unit.path]
    grants = Grant.objects.active().filter(role__can_cases=True, unit__path__in=paths)
    return User.objects.filter(pk__in=grants.values("user_id"), is_active=True).order_by("username")
