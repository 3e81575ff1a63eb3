"""Reads of people, always through the scoping in ``branchwork.access``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from branchwork.access.scoping import scope_for
from branchwork.core.errors import invalid

from .models import Household, Person


def visible_people(user: Any, perm: str = "view") -> QuerySet[Person]:
    return scope_for(user).filter(Person.objects.select_related("unit"), perm)


def get_person_for(user: Any, pk: int, perm: str = "view") -> Person:
    """A person in the user's scope (404 otherwise, so existence is not leaked)."""
    person = visible_people(user, perm).filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def person_in_scope(user: Any, pk: int, field: str) -> Person:
    """A person named by number in a form or payload: the user's, or a field error."""
    try:
        return get_person_for(user, pk)
    except Http404:
        raise invalid(field, _("No person with this number in your units.")) from None


def relations_of(user: Any, person: Person) -> list[tuple[str, Person]]:
    """The person's relatives as (how they relate to the person, relative), both directions,
    limited to relatives the user may see."""
    from .models import INVERSE_LABELS, RelationKind, Relationship

    scope = scope_for(user)
    out: list[tuple[str, Person]] = []
    links = Relationship.objects.filter(person=person).select_related("relative__unit")
    for link in links:  # person is the <kind> of relative: relative is the inverse to person
        if scope.has("view", link.relative.unit):
            out.append((str(INVERSE_LABELS[RelationKind(link.kind)]), link.relative))
    back = Relationship.objects.filter(relative=person).select_related("person__unit")
    for link in back:  # link.person is the <kind> of this person
        if scope.has("view", link.person.unit):
            out.append((str(RelationKind(link.kind).label), link.person))
    return out


def get_household_for(user: Any, pk: int) -> Household:
    """A household in the user's scope (404 otherwise)."""
    household = (
        scope_for(user)
        .filter(Household.objects.select_related("unit"), "view", path_field="unit__path")
        .filter(pk=pk)
        .first()
    )
    if household is None:
        raise Http404
    return household
