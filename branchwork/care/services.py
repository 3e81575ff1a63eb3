"""Writes to cases. Each is checked against the case's rules and audited (ids and field
names, never the text). The timeline records every action as a note."""

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
from branchwork.people.models import Household, Person
from branchwork.people.services import refuse_if_erased

from .models import (
    DUE_AFTER,
    OPEN_STATUSES,
    TRANSITIONS,
    Case,
    CaseAccess,
    CaseCategory,
    CaseNote,
    CaseStatus,
    NoteKind,
    Priority,
)

SUBJECT_MAX = 200
NOTE_MAX = 4000
OUTCOME_MAX = 2000


def may_work(actor: Any, case: Case) -> bool:
    """The case worker, or a holder of the cases permission on the owning unit or above (for
    a restricted case: its worker or someone named on it)."""
    actor_id = getattr(actor, "pk", None)
    if actor_id is not None and case.assigned_to_id == actor_id:
        return True
    if case.restricted:
        return (
            actor_id is not None and CaseAccess.objects.filter(case=case, user_id=actor_id).exists()
        )
    return scope_for(actor).has("cases", case.unit)


def _require(actor: Any, case: Case) -> None:
    if not may_work(actor, case):
        raise PermissionDeniedError("cases")


def _note(case: Case, actor: Any, kind: str, text: str = "") -> CaseNote:
    return CaseNote.objects.create(
        case=case,
        kind=kind,
        text=text,
        author=actor if getattr(actor, "pk", None) else None,
    )


def _check_worker(worker: Any, unit: Unit) -> None:
    if worker is not None and not scope_for(worker).has("cases", unit):
        raise invalid("assigned_to", _("The case worker needs the cases permission on this unit."))


@transaction.atomic
def open_case(
    *,
    actor: Any,
    unit: Unit,
    category: CaseCategory,
    subject: str,
    person: Person | None = None,
    household: Household | None = None,
    priority: str = Priority.NORMAL,
    due_on: dt.date | None = None,
    assigned_to: Any = None,
    restricted: bool = False,
    note: str = "",
) -> Case:
    """A case of ``unit`` about a person or a household of the unit's subtree."""
    if not scope_for(actor).has("cases", unit):
        raise PermissionDeniedError("cases")
    if person is None and household is None:
        raise invalid("person", _("Choose the person or the household the case is about."))
    for about in (person, household):
        if about is not None and not about.unit.path.startswith(unit.path):
            raise invalid("person", _("The case is about someone of this unit's territory."))
    if person is not None:
        refuse_if_erased(person, "person")
    subject = (subject or "").strip()
    if not subject:
        raise invalid("subject", _("Give the case a subject."))
    if len(subject) > SUBJECT_MAX:
        raise invalid("subject", _("Keep the subject short; the details go in a note."))
    if not category.active:
        raise invalid("category", _("This category is no longer in use."))
    if priority not in Priority.values:
        raise invalid("priority", _("Choose a priority."))
    today = timezone.localdate()
    if due_on is None:
        due_on = today + DUE_AFTER[Priority(priority)]
    elif due_on < today:
        raise invalid("due_on", _("A due date cannot be in the past."))
    _check_worker(assigned_to, unit)
    case = Case.objects.create(
        unit=unit,
        person=person,
        household=household,
        category=category,
        subject=subject,
        priority=priority,
        due_on=due_on,
        assigned_to=assigned_to,
        restricted=restricted,
        opened_by=actor if getattr(actor, "pk", None) else None,
    )
    if restricted and getattr(actor, "pk", None) and actor != assigned_to:
        CaseAccess.objects.create(case=case, user=actor)  # who opened it keeps sight of it
    if note.strip():
        _note(case, actor, NoteKind.NOTE, note.strip()[:NOTE_MAX])
    audit.record(
        actor=actor,
        action="create",
        obj=case,
        unit_id=unit.pk,
        fields=["subject", "category", "priority", "due_on"]
        + (["assigned_to"] if assigned_to else [])
        + (["restricted"] if restricted else []),
    )
    return case


def read_case(*, actor: Any, case: Case) -> Case:
    """Record that ``actor`` read the case (every page or API read of a case calls this)."""
    audit.record(actor=actor, action="read", obj=case, unit_id=case.unit_id)
    return case


@transaction.atomic
def add_note(*, actor: Any, case: Case, text: str) -> CaseNote:
    _require(actor, case)
    text = (text or "").strip()
    if not text:
        raise invalid("text", _("Write the note."))
    if len(text) > NOTE_MAX:
        raise invalid("text", _("Keep a note to %(max)s characters.") % {"max": NOTE_MAX})
    note = _note(case, actor, NoteKind.NOTE, text)
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    audit.record(actor=actor, action="create", obj=note, unit_id=case.unit_id, fields=["text"])
    return note


@transaction.atomic
def change_status(*, actor: Any, case: Case, status: str, outcome: str = "") -> Case:
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    _require(actor, case)
    if status not in TRANSITIONS.get(case.status, ()):
        raise invalid(
            "status",
            _("A case that is %(now)s cannot become %(next)s.")
            % {
                "now": CaseStatus(case.status).label,
                "next": CaseStatus(status).label if status in CaseStatus.values else status,
            },
        )
    outcome = (outcome or "").strip()
    if status == CaseStatus.CLOSED:
        if not (outcome or case.outcome):
            raise invalid("outcome", _("Say how the case ended before closing it."))
        if len(outcome) > OUTCOME_MAX:
            raise invalid("outcome", _("Keep the outcome short."))
        case.closed_at = timezone.now()
    if outcome:
        case.outcome = outcome
    if status in OPEN_STATUSES:
        case.closed_at = None
    before = case.status
    case.status = status
    case.save(update_fields=["status", "outcome", "closed_at", "updated_at"])
    _note(case, actor, NoteKind.STATUS, f"{before} → {status}")
    audit.record(
        actor=actor,
        action="update",
        obj=case,
        unit_id=case.unit_id,
        fields=["status"] + (["outcome"] if outcome else []),
    )
    return case


@transaction.atomic
def assign(*, actor: Any, case: Case, worker: Any) -> Case:
    """Give the case to a case worker (who needs the cases permission on its unit)."""
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if not (scope_for(actor).has("cases", case.unit) and may_work(actor, case)):
        raise PermissionDeniedError("cases")
    _check_worker(worker, case.unit)
    case.assigned_to = worker
    case.save(update_fields=["assigned_to", "updated_at"])
    _note(case, actor, NoteKind.ASSIGNED, worker.get_username() if worker else "")
    audit.record(
        actor=actor, action="update", obj=case, unit_id=case.unit_id, fields=["assigned_to"]
    )
    return case


@transaction.atomic
def escalate(*, actor: Any, case: Case, note: str = "") -> Case:
    """Hand the case to the parent unit: its owning unit moves up one level; the history stays.
    The case worker stays until the parent unit assigns another."""
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    _require(actor, case)
    if not case.is_open:
        raise invalid("status", _("Only an open case can be escalated."))
    parent = case.unit.parent
    if parent is None:
        raise invalid("unit", _("The federation has no unit above it to escalate to."))
    before = case.unit
    case.unit = parent
    case.save(update_fields=["unit", "updated_at"])
    _note(
        case,
        actor,
        NoteKind.ESCALATED,
        f"{before.code} → {parent.code}" + (f"\n{note.strip()[:NOTE_MAX]}" if note.strip() else ""),
    )
    audit.record(actor=actor, action="escalate", obj=case, unit_id=parent.pk, fields=["unit"])
    return case


@transaction.atomic
def refer(*, actor: Any, case: Case, partner: Any, note: str = "") -> Case:
    """Refer the case to a partner organisation (the status becomes "referred")."""
    from branchwork.activities.partners import visible_partners

    if not visible_partners(actor).filter(pk=partner.pk).exists():
        raise invalid("partner", _("No partner organisation with this number in your units."))
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    _require(actor, case)
    if CaseStatus.REFERRED not in TRANSITIONS.get(case.status, ()):
        raise invalid("status", _("This case cannot be referred now."))
    case.referred_to = partner
    case.status = CaseStatus.REFERRED
    case.save(update_fields=["referred_to", "status", "updated_at"])
    _note(
        case, actor, NoteKind.REFERRED, partner.name + (f"\n{note.strip()}" if note.strip() else "")
    )
    audit.record(
        actor=actor,
        action="update",
        obj=case,
        unit_id=case.unit_id,
        fields=["referred_to", "status"],
    )
    return case


@transaction.atomic
def set_restricted(
    *, actor: Any, case: Case, restricted: bool, named: tuple[Any, ...] = ()
) -> Case:
    """Restrict a case to its worker and the people named (or lift the restriction)."""
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    _require(actor, case)
    case.restricted = restricted
    case.save(update_fields=["restricted", "updated_at"])
    CaseAccess.objects.filter(case=case).delete()
    if restricted:
        people = {u.pk: u for u in named}
        if getattr(actor, "pk", None) and actor.pk != case.assigned_to_id:
            people[actor.pk] = actor
        CaseAccess.objects.bulk_create([CaseAccess(case=case, user=u) for u in people.values()])
    _note(case, actor, NoteKind.ACCESS, "restricted" if restricted else "open")
    audit.record(
        actor=actor, action="update", obj=case, unit_id=case.unit_id, fields=["restricted"]
    )
    return case
