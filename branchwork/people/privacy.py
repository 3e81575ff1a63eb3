"""Erasing a person: the personal data goes, the row and the counts stay.

What is kept: the row itself (so memberships, household sizes and historical officer terms still
count), the unit, the sex, the birth *year*, the generation and the year of death, which are
what the association's statistics use and identify no one on their own. What goes: every name
form, contact detail, address, note and free text; the sensitive record; the search keys; the
relationships (they name family ties to other people); the consents (nothing is processed any
more). Provision records stay, as the law expects, pointing at the erased row. The audit log,
which never held values, records the erasure.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from branchwork.access import audit
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError

from .models import (
    Consent,
    DatePrecision,
    Person,
    PersonSearchKey,
    PersonSensitive,
    Relationship,
)
from .services import NAME_FIELDS

# Blanked on erasure (every CharField/TextField of the person that is not a choice).
ERASED_FIELDS = (
    *NAME_FIELDS,
    "occupation",
    "family_business",
    "phone",
    "mobile",
    "email",
    "postal_code",
    "address",
    "notes",
    "search_text",
)


@transaction.atomic
def erase_person(*, actor: Any, person: Person, reason: str = "request") -> Person:
    """Erase ``person``. ``actor`` needs the admin permission on the person's unit; ``None`` is
    the system itself (a retention rule run from the command line)."""
    if actor is not None and not scope_for(actor).has("admin", person.unit):
        raise PermissionDeniedError("admin")
    # Read the stored row, locked: the object in hand may be stale (an edit saved since, or a
    # second erasure running at the same time), and what is kept is computed from it.
    current = Person.objects.select_for_update().get(pk=person.pk)
    if current.erased_at is not None:
        person.refresh_from_db()
        return person
    values: dict[str, Any] = dict.fromkeys(ERASED_FIELDS, "")
    values["languages"] = []
    if current.birth_date is not None:
        values["birth_date"] = dt.date(current.birth_date.year, 1, 1)
        values["birth_precision"] = DatePrecision.YEAR
    if current.deceased_date is not None:
        values["deceased_date"] = dt.date(current.deceased_date.year, 1, 1)
    values["erased_at"] = timezone.now()
    Person.objects.filter(pk=person.pk, erased_at__isnull=True).update(
        version=F("version") + 1, updated_at=values["erased_at"], **values
    )
    PersonSensitive.objects.filter(person=person).delete()
    PersonSearchKey.objects.filter(person=person).delete()
    Relationship.objects.filter(Q(person=person) | Q(relative=person)).delete()
    Consent.objects.filter(person=person).delete()
    # Later apps' rows about the person keep their facts (a contact's date) but lose their
    # text: a model names the fields in ``erase_with_person``.
    for rel in Person._meta.related_objects:
        model = rel.related_model
        blank = getattr(model, "erase_with_person", ()) if isinstance(model, type) else ()
        if blank:
            model._default_manager.filter(**{rel.field.name: person.pk}).update(
                **dict.fromkeys(blank, "")
            )
    audit.record(
        actor=actor,
        action=f"erase_{reason}"[:40],  # erase_request, erase_retention
        obj=person,
        unit_id=person.unit_id,
        fields=sorted(values),
    )
    person.refresh_from_db()
    return person
