"""Households: placed in a unit by the territories (postal code), moved with history.

A household's members are recorded in its unit: when the household moves to another branch's
territory, its current members move with it. A unit chosen by hand is remembered and wins
over the territory on later moves.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.org.models import Unit
from branchwork.org.services import unit_for_postal_code

from .models import Household, HouseholdMember, HouseholdMove, HouseholdRelation, Person
from .services import clean_postal_code, refuse_if_erased


def _place(actor: Any, postal_code: str, unit: Unit | None) -> tuple[Unit, bool]:
    """The unit for an address: the one chosen by hand, else the territory's."""
    scope = scope_for(actor)
    if unit is not None:
        if not scope.has("edit", unit):
            raise invalid("unit", _("Choose a unit within your own units."))
        return unit, True
    found = unit_for_postal_code(postal_code) if postal_code else None
    if found is None:
        raise invalid(
            "postal_code", _("No unit's territory holds this postal code; choose the unit by hand.")
        )
    if not scope.has("edit", found):
        raise invalid(
            "postal_code", _("This address lies outside your units; ask the unit it belongs to.")
        )
    return found, False


@transaction.atomic
def create_household(
    *, actor: Any, address: str, postal_code: str = "", unit: Unit | None = None
) -> Household:
    code = clean_postal_code(postal_code)
    if not address.strip():
        raise invalid("address", _("Give the household's address."))
    placed, override = _place(actor, code, unit)
    household = Household.objects.create(
        unit=placed, unit_override=override, postal_code=code, address=address.strip()
    )
    audit.record(
        actor=actor,
        action="create",
        obj=household,
        unit_id=placed.pk,
        fields=["unit", "postal_code", "address"],
    )
    return household


@transaction.atomic
def add_member(
    *, actor: Any, household: Household, person: Person, relation: str, since: dt.date | None = None
) -> HouseholdMember:
    scope = scope_for(actor)
    if not (scope.has("edit", household.unit) and scope.has("edit", person.unit)):
        raise PermissionDeniedError("edit")
    refuse_if_erased(person)
    if relation not in HouseholdRelation.values:
        raise invalid("relation", _("Unknown relation to the household."))
    day = since or timezone.localdate()
    HouseholdMember.objects.filter(person=person, until__isnull=True).update(until=day)
    member = HouseholdMember.objects.create(
        household=household, person=person, relation=relation, since=day
    )
    if person.unit_id != household.unit_id:
        Person.objects.filter(pk=person.pk).update(unit=household.unit)
    audit.record(
        actor=actor,
        action="join_household",
        obj=person,
        unit_id=household.unit_id,
        fields=["household", "relation", "unit"],
    )
    return member


@transaction.atomic
def move_household(
    *,
    actor: Any,
    household: Household,
    address: str,
    postal_code: str = "",
    on: dt.date | None = None,
) -> Household:
    if not scope_for(actor).has("edit", household.unit):
        raise PermissionDeniedError("edit")
    code = clean_postal_code(postal_code)
    if not address.strip():
        raise invalid("address", _("Give the household's address."))
    before = Household.objects.select_for_update().get(pk=household.pk)
    new_unit = before.unit
    if not before.unit_override:
        new_unit, _override = _place(actor, code, None)
    HouseholdMove.objects.create(
        household=before,
        moved_on=on or timezone.localdate(),
        from_postal_code=before.postal_code,
        from_address=before.address,
        from_unit=before.unit,
        to_unit=new_unit,
    )
    before.postal_code, before.address, before.unit = code, address.strip(), new_unit
    before.save(update_fields=["postal_code", "address", "unit"])
    current = HouseholdMember.objects.filter(household=before, until__isnull=True)
    Person.objects.filter(pk__in=current.values("person_id")).update(unit=new_unit)
    audit.record(
        actor=actor,
        action="move",
        obj=before,
        unit_id=new_unit.pk,
        fields=["postal_code", "address", "unit"],
    )
    return before


def current_household(person: Person) -> HouseholdMember | None:
    return (
        HouseholdMember.objects.filter(person=person, until__isnull=True)
        .select_related("household__unit")
        .first()
    )
