"""A scoped selection of the registry, as exports and printed lists take it: a unit's subtree
(or everything the user may see), narrowed by a name search and by membership status.

Every queryset here starts from ``people.selectors.visible_people`` or the scoping in
``branchwork.access``: a selection can never reach past the user's grants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from branchwork.access.scoping import scope_for
from branchwork.org.models import Unit
from branchwork.org.selectors import get_unit_for
from branchwork.people.models import Household, HouseholdMember, Membership, Person
from branchwork.people.search import search
from branchwork.people.selectors import visible_people


@dataclass(frozen=True)
class Selection:
    unit: str = ""  # a unit code: its subtree; empty: everything in scope
    q: str = ""  # a name, phone or e-mail search, as on the people list
    members: str = ""  # "" everyone, or a membership status (member, supporter, former)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Selection:
        return cls(
            unit=str(data.get("unit") or "").strip()[:40],
            q=str(data.get("q") or "").strip()[:100],
            members=str(data.get("members") or "").strip()[:20],
        )

    def as_dict(self) -> dict[str, str]:
        return {"unit": self.unit, "q": self.q, "members": self.members}

    def unit_for(self, user: Any) -> Unit | None:
        """The selection's unit, in the user's scope (404 otherwise)."""
        return get_unit_for(user, self.unit) if self.unit else None


def selected_people(user: Any, selection: Selection, perm: str = "view") -> QuerySet[Person]:
    """The people of a selection the user may see (erased records left out), in name order."""
    people = visible_people(user, perm).filter(erased_at__isnull=True)
    unit = selection.unit_for(user)
    if unit is not None:
        people = people.filter(unit__path__startswith=unit.path)
    if selection.members:
        people = people.filter(
            Exists(
                Membership.objects.filter(
                    person=OuterRef("pk"), status=selection.members, left__isnull=True
                )
                if selection.members != "former"
                else Membership.objects.filter(person=OuterRef("pk"), status="former")
            )
        )
    if selection.q:
        people = search(people, selection.q)
    return people.order_by("unit__path", "family_name_kana", "given_name_kana", "id")


def selected_households(user: Any, selection: Selection) -> QuerySet[Household]:
    """The households of a selection: those in scope with at least one selected current
    member (all of them when the selection names no search or membership)."""
    households = scope_for(user).filter(
        Household.objects.select_related("unit"), "view", path_field="unit__path"
    )
    unit = selection.unit_for(user)
    if unit is not None:
        households = households.filter(unit__path__startswith=unit.path)
    if selection.q or selection.members:
        people = selected_people(user, selection).order_by().values("pk")
        households = households.filter(
            Exists(
                HouseholdMember.objects.filter(
                    household=OuterRef("pk"), until__isnull=True, person__in=people
                )
            )
        )
    return households.order_by("unit__path", "postal_code", "address", "id")


def selected_units(user: Any, selection: Selection) -> QuerySet[Unit]:
    units = scope_for(user).filter(Unit.objects.all(), "view", path_field="path")
    unit = selection.unit_for(user)
    if unit is not None:
        units = units.filter(path__startswith=unit.path)
    return units.order_by("path")
