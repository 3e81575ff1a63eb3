"""The spine of Branchwork: what a user may see and do, decided in one place.

A grant gives a role on a unit and covers the unit's subtree (a prefix of the materialised
path). Every queryset that reaches a view, an API route, an export or a report is filtered
here. The only other doors are explicit and named (public selectors, background tasks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, Q, QuerySet

from .models import PERMISSIONS, Grant

if TYPE_CHECKING:
    from branchwork.org.models import Unit

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class ScopeGrant:
    grant_id: int
    unit_id: int
    path: str
    permissions: frozenset[str]


@dataclass(frozen=True)
class Scope:
    """The grants in force for one user, loaded once per request."""

    user_id: int | None
    grants: tuple[ScopeGrant, ...]
    superuser: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.grants and not self.superuser

    def paths(self, perm: str = "view") -> list[str]:
        """Top-most paths where ``perm`` is held (nested grants collapse into their ancestor)."""
        assert perm in PERMISSIONS, perm
        paths = sorted({g.path for g in self.grants if perm in g.permissions})
        out: list[str] = []
        for p in paths:
            if not any(p.startswith(q) for q in out):
                out.append(p)
        return out

    def q(self, perm: str = "view", path_field: str = "path") -> Q:
        """A condition on ``path_field`` selecting rows under the user's grants with ``perm``."""
        if self.superuser:
            return Q()
        paths = self.paths(perm)
        if not paths:
            return Q(pk__in=[])
        cond = Q()
        for p in paths:
            cond |= (
                Q(path__startswith=p)
                if path_field.endswith("__path")
                else Q(**{f"{path_field}__startswith": p})
            )
        if not path_field.endswith("__path"):
            return cond
        # Rows of other tables: their unit among the units under the grants, one subquery over
        # the unit table (a few thousand rows). The database then reaches the rows through
        # their unit's index, instead of joining every row to its unit to test the path.
        from branchwork.org.models import Unit

        owner = path_field.removesuffix("__path")
        return Q(**{f"{owner}__in": Unit.objects.filter(cond).values("pk")})

    def filter(
        self, qs: QuerySet[M], perm: str = "view", path_field: str = "unit__path"
    ) -> QuerySet[M]:
        return qs.filter(self.q(perm, path_field))

    def permissions_on(self, unit: Unit) -> frozenset[str]:
        if self.superuser:
            return frozenset(PERMISSIONS)
        perms: set[str] = set()
        for g in self.grants:
            if unit.path.startswith(g.path):
                perms |= g.permissions
        return frozenset(perms)

    def has(self, perm: str, unit: Unit) -> bool:
        return perm in self.permissions_on(unit)

    def is_above_scope(self, unit: Unit) -> bool:
        """True for an ancestor of a granted unit: shown as a name and public contacts only."""
        return any(g.path.startswith(unit.path) and g.path != unit.path for g in self.grants)

    def all_permissions(self) -> frozenset[str]:
        if self.superuser:
            return frozenset(PERMISSIONS)
        out: set[str] = set()
        for g in self.grants:
            out |= g.permissions
        return frozenset(out)


EMPTY_SCOPE = Scope(user_id=None, grants=())


def load_scope(user: Any) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY_SCOPE
    grants = (
        Grant.objects.active()
        .filter(user_id=user.pk)
        .select_related("role", "unit")
        .only(
            "id",
            "unit__id",
            "unit__path",
            "role__can_view",
            "role__can_edit",
            "role__can_sensitive",
            "role__can_cases",
            "role__can_money",
            "role__can_admin",
        )
    )
    items = tuple(
        ScopeGrant(
            grant_id=g.pk, unit_id=g.unit.pk, path=g.unit.path, permissions=g.role.permissions
        )
        for g in grants
    )
    return Scope(user_id=user.pk, grants=items, superuser=bool(user.is_superuser))


def scope_for(user: Any) -> Scope:
    """The user's scope, cached on the user object for the rest of the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return EMPTY_SCOPE
    cached = getattr(user, "_branchwork_scope", None)
    if cached is None:
        cached = load_scope(user)
        user._branchwork_scope = cached
    return cached


def forget_scope(user: Any) -> None:
    if hasattr(user, "_branchwork_scope"):
        del user._branchwork_scope
