"""Reads of the unit tree, always through the user's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, OuterRef, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from branchwork.access.scoping import Scope, scope_for
from branchwork.core.db import SubqueryCount
from branchwork.core.errors import invalid
from branchwork.people.models import Person

from .models import PATH_STEP, Post, Term, TerritoryArea, Unit

TERMS_ENDING_DAYS = 90


@dataclass(frozen=True)
class UnitView:
    """A unit as one user may see it: fully (in scope) or as a card (an ancestor)."""

    unit: Unit
    full: bool
    permissions: frozenset[str]


def visible_units(user: Any, perm: str = "view") -> QuerySet[Unit]:
    return scope_for(user).filter(Unit.objects.all(), perm, path_field="path")


def get_unit(user: Any, code: str) -> UnitView:
    """The unit with ``code`` if the user may see it; 404 otherwise (existence is not leaked)."""
    scope = scope_for(user)
    unit = Unit.objects.select_related("parent", "merged_into").filter(code=code).first()
    if unit is None:
        raise Http404
    perms = scope.permissions_on(unit)
    if "view" in perms:
        return UnitView(unit=unit, full=True, permissions=perms)
    if scope.is_above_scope(unit):
        return UnitView(unit=unit, full=False, permissions=frozenset())
    raise Http404


def get_unit_for(user: Any, code: str) -> Unit:
    """A unit the user may see in full (404 otherwise); callers check further permissions."""
    view = get_unit(user, code)
    if not view.full:
        raise Http404
    return view.unit


def unit_in_scope(user: Any, code: str, field: str) -> Unit:
    """A unit named in a form or payload: the user's, or a field error (never a 404 page)."""
    try:
        return get_unit_for(user, code.strip())
    except Http404:
        raise invalid(field, _("No unit with this code in your scope.")) from None


def root_units(user: Any) -> list[Unit]:
    scope = scope_for(user)
    if scope.superuser:
        return list(Unit.objects.filter(parent__isnull=True))
    paths = scope.paths("view")
    return list(Unit.objects.filter(path__in=paths).order_by("path"))


def breadcrumbs(unit: Unit) -> list[Unit]:
    return list(unit.ancestors())


def children_with_counts(scope: Scope, unit: Unit) -> list[Unit]:
    """Sub-units with the number of units below each and of people recorded in each subtree.

    Three queries whatever the number of children: the children, then two GROUP BYs over the
    unit's subtree keyed by the child's path prefix. The subtree filter is a literal prefix, so
    the path index answers it; a correlated ``LIKE child.path || '%'`` per child cannot use an
    index and made the federation page 40 times slower (docs/benchmarks.md).
    """
    children = list(
        scope.filter(Unit.objects.filter(parent=unit), "view", path_field="path").order_by(
            "status", "kind", "code"
        )
    )
    if not children:
        return children
    width = (unit.depth + 2) * PATH_STEP
    units_below = dict(
        Unit.objects.filter(path__startswith=unit.path, depth__gt=unit.depth + 1)
        .annotate(prefix=Substr("path", 1, width))
        .values("prefix")
        .annotate(n=Count("pk"))
        .values_list("prefix", "n")
        .order_by()
    )
    people_below = dict(
        Person.objects.filter(unit__path__startswith=unit.path, unit__depth__gt=unit.depth)
        .annotate(prefix=Substr("unit__path", 1, width))
        .values("prefix")
        .annotate(n=Count("pk"))
        .values_list("prefix", "n")
        .order_by()
    )
    for child in children:
        child.units_below = units_below.get(child.path, 0)  # type: ignore[attr-defined]
        child.people_below = people_below.get(child.path, 0)  # type: ignore[attr-defined]
    return children


@dataclass(frozen=True)
class PostSummary:
    post: Post
    holders: list[Term]
    vacancies: int


def officers(unit: Unit, today: dt.date | None = None) -> tuple[list[PostSummary], list[Term]]:
    """Posts with current holders and vacancies, and the terms ending within 90 days."""
    day = today or timezone.localdate()
    current = Term.objects.current(day).filter(unit=unit).select_related("person", "post_type")
    posts = list(
        Post.objects.filter(unit=unit).select_related("post_type").order_by("post_type__order")
    )
    by_type: dict[int, list[Term]] = {}
    all_current = list(current)
    for term in all_current:
        by_type.setdefault(term.post_type_id, []).append(term)
    summaries = [
        PostSummary(
            post=p,
            holders=by_type.get(p.post_type_id, []),
            vacancies=max(p.seats - len(by_type.get(p.post_type_id, [])), 0),
        )
        for p in posts
    ]
    horizon = day + dt.timedelta(days=TERMS_ENDING_DAYS)
    ending = sorted(
        (t for t in all_current if t.end is not None and t.end <= horizon),
        key=lambda t: t.end or day,
    )
    return summaries, ending


def past_terms(unit: Unit, today: dt.date | None = None, limit: int = 50) -> list[Term]:
    day = today or timezone.localdate()
    return list(
        Term.objects.filter(unit=unit, end__lt=day)
        .select_related("person", "post_type", "origin_unit")
        .order_by("-end")[:limit]
    )


def territory(unit: Unit) -> list[TerritoryArea]:
    return list(TerritoryArea.objects.filter(unit=unit).order_by("kind", "value"))


def terms_ending_for(user: Any, days: int = TERMS_ENDING_DAYS) -> QuerySet[Term]:
    """Current terms ending soon in the units the user may edit (for "My work")."""
    day = timezone.localdate()
    return (
        scope_for(user)
        .filter(Term.objects.current(day), "edit", path_field="unit__path")
        .filter(end__isnull=False, end__lte=day + dt.timedelta(days=days))
        .select_related("person", "post_type", "unit")
        .order_by("end")
    )


def vacancies_for(user: Any, limit: int = 20) -> list[tuple[Post, int]]:
    """Posts with fewer current holders than seats, in units the user may edit."""
    day = timezone.localdate()
    holders = Term.objects.current(day).filter(
        unit=OuterRef("unit"), post_type=OuterRef("post_type")
    )
    qs = (
        scope_for(user)
        .filter(Post.objects.filter(unit__status="active"), "edit", path_field="unit__path")
        .annotate(held=SubqueryCount(holders))
        .filter(held__lt=F("seats"))
        .select_related("unit", "post_type")
        .order_by("unit__path", "post_type__order")[:limit]
    )
    return [(post, post.seats - post.held) for post in qs]


__all__ = [
    "UnitView",
    "breadcrumbs",
    "children_with_counts",
    "get_unit",
    "get_unit_for",
    "unit_in_scope",
    "officers",
    "past_terms",
    "root_units",
    "terms_ending_for",
    "territory",
    "vacancies_for",
    "visible_units",
]
