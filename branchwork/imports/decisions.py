"""Deciding a held row after the import: update the registry's record with it, record it as a
new person, or leave it out. Each goes through the registry's own services, so the decision is
checked against the decider's scope and audited as any edit is."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from branchwork.access.scoping import scope_for
from branchwork.core.errors import invalid
from branchwork.org.models import Unit
from branchwork.org.services import unit_for_postal_code
from branchwork.people import households
from branchwork.people import services as people
from branchwork.people.models import Household, Person
from branchwork.people.selectors import get_person_for

from .models import ImportIssue, ImportJob
from .people_import import address_key

DECISIONS = ("update", "new", "skip")
HELD = ("held", "held_in_file")


def _values(stored: dict[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in stored.items() if not k.startswith("_")}
    if values.get("birth_date"):
        values["birth_date"] = dt.date.fromisoformat(values["birth_date"])
    return values


def _unit_for(actor: Any, job: ImportJob, postal_code: str) -> Unit:
    found = unit_for_postal_code(postal_code) if postal_code else None
    scope = scope_for(actor)
    if (
        found is not None
        and scope.has("edit", found)
        and (job.unit is None or found.path.startswith(job.unit.path))
    ):
        return found
    if job.unit is None:
        raise invalid("__all__", _("No territory holds the address and the import names no unit."))
    return job.unit


@transaction.atomic
def decide(*, actor: Any, issue: ImportIssue, decision: str) -> Person | None:
    """Apply a person's decision on a held row; return the person it concerns."""
    issue = (
        ImportIssue.objects.select_for_update(of=("self",))
        .select_related("job__unit")
        .get(pk=issue.pk)
    )
    if decision not in DECISIONS:
        raise invalid("decision", _("Unknown decision."))
    if issue.code not in HELD or issue.resolved or issue.values is None:
        raise invalid("decision", _("This row is not waiting for a decision."))
    if issue.job.dry_run:
        raise invalid("decision", _("A check writes nothing: run the import first."))
    values = _values(issue.values)
    person: Person | None = None
    if decision == "update":
        if issue.code != "held" or issue.object_id is None:
            raise invalid("decision", _("Only a row held against a registry record can update it."))
        person = get_person_for(actor, issue.object_id, "edit")
        changes = {k: values[k] for k in issue.params.get("fields", []) if k in values}
        if "birth_date" in changes and "birth_precision" in values:
            changes["birth_precision"] = values["birth_precision"]
        # Against the record as the import read it: an edit made since wins (a conflict).
        version = int(issue.params.get("version") or person.version)
        person = people.update_person(actor=actor, person=person, version=version, **changes)
    elif decision == "new":
        unit = _unit_for(actor, issue.job, values.get("postal_code", ""))
        person = people.create_person(actor=actor, unit=unit, **values)
        if values.get("address"):
            key = address_key(values["address"])
            home = next(
                (
                    h
                    for h in Household.objects.filter(
                        unit=unit, postal_code=values.get("postal_code", "")
                    )
                    if address_key(h.address) == key
                ),
                None,
            )
            relation = issue.values.get("_relation") or "other"
            if home is None:
                home = households.create_household(
                    actor=actor,
                    address=values["address"],
                    postal_code=values.get("postal_code", ""),
                    unit=unit
                    if unit_for_postal_code(values.get("postal_code", "")) != unit
                    else None,
                )
                relation = issue.values.get("_relation") or "head"
            households.add_member(actor=actor, household=home, person=person, relation=relation)
    issue.resolved = decision
    issue.object_id = person.pk if person is not None else issue.object_id
    issue.values = None  # decided: the row's personal data is not kept beside the registry
    issue.save(update_fields=["resolved", "object_id", "values"])
    return person
