"""Reads of people, always through the scoping in ``branchwork.access``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from branchwork.access.scoping import scope_for

from .models import Person


def visible_people(user: Any, perm: str = "view") -> QuerySet[Person]:
    return scope_for(user).filter(Person.objects.select_related("unit"), perm)


def get_person_for(user: Any, pk: int, perm: str = "view") -> Person:
    """A person in the user's scope (404 otherwise, so existence is not leaked)."""
    person = visible_people(user, perm).filter(pk=pk).first()
    if person is None:
        raise Http404
    return person
