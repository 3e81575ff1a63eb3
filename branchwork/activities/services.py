"""Writes to the contact log. Each goes through the scoping of the household or person it is
about, and is audited (ids and field names, never the note)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.people.households import current_household
from branchwork.people.models import Household, HouseholdMember, Person
from branchwork.people.services import refuse_if_erased

from .models import NOTE_MAX, Contact, ContactChannel

# How far ahead a follow-up may be set: a year covers "see them again after the new year".
FOLLOW_UP_MAX_DAYS = 366


@transaction.atomic
def record_contact(
    *,
    actor: Any,
    contacted_on: dt.date,
    channel: str,
    household: Household | None = None,
    person: Person | None = None,
    note: str = "",
    follow_up_on: dt.date | None = None,
) -> Contact:
    """A visit, call or message with a household, or with one person (then also with the
    household the person lives in, so that the household shows it as its last contact)."""
    if household is None and person is None:
        raise invalid("household", _("Choose the household or the person you were in touch with."))
    scope = scope_for(actor)
    if person is not None:
        refuse_if_erased(person, "person")
        if not scope.has("edit", person.unit):
            raise PermissionDeniedError("edit")
        if household is None:
            member = current_household(person)
            household = member.household if member is not None else None
        elif not HouseholdMember.objects.filter(
            household=household, person=person, until__isnull=True
        ).exists():
            raise invalid("person", _("This person does not live in this household."))
    if household is not None and not scope.has("edit", household.unit):
        raise PermissionDeniedError("edit")
    today = timezone.localdate()
    if contacted_on > today:
        raise invalid("contacted_on", _("A contact cannot be recorded for a day still to come."))
    if channel not in ContactChannel.values:
        raise invalid("channel", _("Choose how you were in touch."))
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise invalid(
            "note",
            _("Keep the note to %(max)s characters: a case holds longer stories.")
            % {"max": NOTE_MAX},
        )
    if follow_up_on is not None:
        if follow_up_on < contacted_on:
            raise invalid("follow_up_on", _("A follow-up comes after the contact, not before it."))
        if follow_up_on > today + dt.timedelta(days=FOLLOW_UP_MAX_DAYS):
            raise invalid("follow_up_on", _("A follow-up can be set at most a year ahead."))
    contact = Contact.objects.create(
        household=household,
        person=person,
        contacted_on=contacted_on,
        channel=channel,
        note=note,
        follow_up_on=follow_up_on,
        officer=actor if getattr(actor, "pk", None) else None,
    )
    unit = household.unit if household is not None else person.unit  # type: ignore[union-attr]
    audit.record(
        actor=actor,
        action="create",
        obj=contact,
        unit_id=unit.pk,
        fields=[f for f in ("note", "follow_up_on") if getattr(contact, f)] + ["channel"],
    )
    # Being in touch again is the follow-up the earlier contacts asked for.
    earlier = Contact.objects.filter(
        follow_up_on__isnull=False, follow_up_done_at__isnull=True, contacted_on__lte=contacted_on
    ).exclude(pk=contact.pk)
    earlier = (
        earlier.filter(household=household)
        if household is not None
        else earlier.filter(person=person, household__isnull=True)
    )
    for pk in earlier.values_list("pk", flat=True):
        Contact.objects.filter(pk=pk).update(follow_up_done_at=timezone.now())
        audit.record(
            actor=actor,
            action="update",
            object_type="activities.contact",
            object_id=pk,
            unit_id=unit.pk,
            fields=["follow_up_done_at"],
        )
    return contact


@transaction.atomic
def complete_follow_up(*, actor: Any, contact: Contact) -> Contact:
    """The follow-up is done (usually by recording the next contact as well)."""
    unit = contact.household.unit if contact.household_id else contact.person.unit  # type: ignore[union-attr]
    if not scope_for(actor).has("edit", unit):
        raise PermissionDeniedError("edit")
    if contact.follow_up_on is None:
        raise invalid("follow_up_on", _("This contact asked for no follow-up."))
    if contact.follow_up_done_at is None:
        Contact.objects.filter(pk=contact.pk, follow_up_done_at__isnull=True).update(
            follow_up_done_at=timezone.now()
        )
        contact.refresh_from_db()
        audit.record(
            actor=actor, action="update", obj=contact, unit_id=unit.pk, fields=["follow_up_done_at"]
        )
    return contact
