"""Writes to the contact log and to events. Each goes through the scoping of the unit,
household or person it is about, and is audited (ids and field names, never the values)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.org.models import Unit
from branchwork.people.households import current_household
from branchwork.people.models import Household, HouseholdMember, Person
from branchwork.people.services import refuse_if_erased

from .models import (
    NOTE_MAX,
    Audience,
    Contact,
    ContactChannel,
    Event,
    EventKind,
    EventSeries,
    EventStatus,
    PartnerOrganisation,
    Registration,
    RegistrationRole,
    RegistrationStatus,
)

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


# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------

TITLE_FIELDS = ("title_ko", "title_ja", "title_en")
TEXT_FIELDS = (*TITLE_FIELDS, "description_ko", "description_ja", "description_en")
MAX_SESSIONS = 60  # a weekly class over a school year and a bit


def _new_key() -> str:
    return secrets.token_urlsafe(18)[:24]


def _check_event(
    *, starts_at: dt.datetime, ends_at: dt.datetime, capacity: int | None, texts: dict[str, str]
) -> None:
    if not any((texts.get(f) or "").strip() for f in TITLE_FIELDS):
        raise invalid("title_ja", _("Give the event a title in at least one language."))
    if ends_at <= starts_at:
        raise invalid("ends_at", _("An event ends after it starts."))
    if ends_at - starts_at > dt.timedelta(days=14):
        raise invalid("ends_at", _("An event lasts at most two weeks; make a series instead."))
    if capacity is not None and capacity < 1:
        raise invalid("capacity", _("Give at least one place, or leave it empty for no limit."))


@transaction.atomic
def create_event(
    *,
    actor: Any,
    unit: Unit,
    kind: EventKind,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    venue: str = "",
    capacity: int | None = None,
    audience: str = Audience.MEMBERS,
    partners: Sequence[PartnerOrganisation] = (),
    series: EventSeries | None = None,
    **texts: str,
) -> Event:
    """An event organised by ``unit`` (any level); the actor needs edit there."""
    if not scope_for(actor).has("edit", unit):
        raise PermissionDeniedError("edit")
    unknown = set(texts) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown event fields: {sorted(unknown)}")
    if not unit.is_active:
        raise invalid("unit", _("This unit is no longer active (merged or dissolved)."))
    if not kind.active:
        raise invalid("kind", _("This kind of event is no longer in use."))
    if audience not in Audience.values:
        raise invalid("audience", _("Choose who the event is open to."))
    _check_event(starts_at=starts_at, ends_at=ends_at, capacity=capacity, texts=texts)
    if partners:
        from .partners import partners_for_unit

        allowed = set(partners_for_unit(actor, unit).values_list("pk", flat=True))
        if any(p.pk not in allowed for p in partners):
            raise invalid("partners", _("No partner organisation with this number in your units."))
    event = Event.objects.create(
        unit=unit,
        kind=kind,
        series=series,
        starts_at=starts_at,
        ends_at=ends_at,
        venue=venue.strip(),
        capacity=capacity,
        audience=audience,
        public_key=_new_key(),
        created_by=actor if getattr(actor, "pk", None) else None,
        **{f: (texts.get(f) or "").strip() for f in TEXT_FIELDS},
    )
    if partners:
        event.partners.set(partners)
    audit.record(
        actor=actor,
        action="create",
        obj=event,
        unit_id=unit.pk,
        fields=["starts_at", "ends_at", "audience", *(f for f in TEXT_FIELDS if texts.get(f))],
    )
    return event


@transaction.atomic
def create_series(
    *,
    actor: Any,
    unit: Unit,
    kind: EventKind,
    first_starts_at: dt.datetime,
    duration: dt.timedelta,
    sessions: int,
    every_days: int = 7,
    venue: str = "",
    capacity: int | None = None,
    audience: str = Audience.MEMBERS,
    partners: Sequence[PartnerOrganisation] = (),
    **texts: str,
) -> EventSeries:
    """A recurring class: ``sessions`` events, ``every_days`` apart (a week by default)."""
    if not 1 <= sessions <= MAX_SESSIONS:
        raise invalid("sessions", _("A series has 1 to %(max)s sessions.") % {"max": MAX_SESSIONS})
    if not 1 <= every_days <= 31:
        raise invalid("every_days", _("Sessions are 1 to 31 days apart."))
    if not scope_for(actor).has("edit", unit):
        raise PermissionDeniedError("edit")
    series = EventSeries.objects.create(
        unit=unit, kind=kind, **{f: (texts.get(f) or "").strip() for f in TEXT_FIELDS}
    )
    for n in range(sessions):
        starts = first_starts_at + dt.timedelta(days=every_days * n)
        create_event(
            actor=actor,
            unit=unit,
            kind=kind,
            starts_at=starts,
            ends_at=starts + duration,
            venue=venue,
            capacity=capacity,
            audience=audience,
            series=series,
            partners=partners,
            **texts,  # only the text fields (checked there)
        )
    return series


def _locked(event: Event) -> Event:
    """The event row locked: registrations to one event are decided one at a time, so two
    officers taking the last place at once cannot both have it."""
    return Event.objects.select_for_update().get(pk=event.pk)


def _taken(event: Event) -> int:
    return event.registrations.filter(status=RegistrationStatus.REGISTERED).count()


@transaction.atomic
def register(
    *, actor: Any, event: Event, person: Person, role: str = RegistrationRole.PARTICIPANT
) -> Registration:
    """An officer registers a person of their units for an event they may see, taking part,
    helping or organising; at capacity the person goes on the waiting list. Registering twice
    returns the first registration (with the role given the second time)."""
    if not scope_for(actor).has("edit", person.unit):
        raise PermissionDeniedError("edit")
    refuse_if_erased(person, "person")
    if role not in RegistrationRole.values:
        raise invalid("role", _("Choose what the person does at the event."))
    event = _locked(event)
    _refuse_closed(event)
    current = event.registrations.filter(person=person).exclude(status=RegistrationStatus.CANCELLED)
    found = current.first()
    if found is not None:
        if found.role != role:
            found.role = role
            found.save(update_fields=["role"])
            audit.record(
                actor=actor, action="update", obj=found, unit_id=person.unit_id, fields=["role"]
            )
        return found
    full = event.capacity is not None and _taken(event) >= event.capacity
    registration = Registration.objects.create(
        event=event,
        person=person,
        status=RegistrationStatus.WAITING if full else RegistrationStatus.REGISTERED,
        code=_new_key(),
        role=role,
        registered_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        actor=actor,
        action="create",
        obj=registration,
        unit_id=person.unit_id,
        fields=["status", "role"],
    )
    return registration


@transaction.atomic
def register_guest(*, event: Event, name: str, contact: str) -> Registration:
    """Someone registers from the event's public link (events open to the public only)."""
    event = _locked(event)
    if event.audience != Audience.PUBLIC:
        raise invalid("event", _("This event is not open to the public."))
    _refuse_closed(event)
    name, contact = name.strip(), contact.strip()
    if not name:
        raise invalid("name", _("Give your name."))
    if not contact:
        raise invalid("contact", _("Give an e-mail address or a phone number to reach you."))
    full = event.capacity is not None and _taken(event) >= event.capacity
    registration = Registration.objects.create(
        event=event,
        guest_name=name[:200],
        guest_contact=contact[:200],
        status=RegistrationStatus.WAITING if full else RegistrationStatus.REGISTERED,
        code=_new_key(),
    )
    audit.record(
        actor=None, action="create", obj=registration, unit_id=event.unit_id, fields=["status"]
    )
    return registration


def _refuse_closed(event: Event) -> None:
    if event.status == EventStatus.CANCELLED:
        raise invalid("event", _("This event is cancelled."))
    if event.ends_at <= timezone.now():
        raise invalid("event", _("This event is over."))


@transaction.atomic
def cancel_registration(*, actor: Any, registration: Registration) -> Registration | None:
    """The registration is cancelled; the first on the waiting list takes the place. Returns
    the registration that moved up, if one did."""
    _require_event_edit(actor, registration)
    event = _locked(registration.event)
    registration.refresh_from_db()
    if registration.status == RegistrationStatus.CANCELLED:
        return None
    had_place = registration.status == RegistrationStatus.REGISTERED
    registration.status = RegistrationStatus.CANCELLED
    registration.save(update_fields=["status"])
    audit.record(
        actor=actor, action="update", obj=registration, unit_id=event.unit_id, fields=["status"]
    )
    if not had_place:
        return None
    waiting = event.registrations.filter(status=RegistrationStatus.WAITING).order_by(
        "created_at", "pk"
    )
    moved = waiting.first()
    if moved is not None:
        moved.status = RegistrationStatus.REGISTERED
        moved.save(update_fields=["status"])
        audit.record(
            actor=actor, action="update", obj=moved, unit_id=event.unit_id, fields=["status"]
        )
    return moved


def _require_event_edit(actor: Any, registration: Registration) -> None:
    scope = scope_for(actor)
    person = registration.person
    if scope.has("edit", registration.event.unit):
        return
    if person is not None and scope.has("edit", person.unit):
        return
    raise PermissionDeniedError("edit")


@transaction.atomic
def check_in(*, actor: Any, event: Event, code: str) -> Registration:
    """The person whose QR code (or code) this is came to ``event``. A code of another event,
    or one that was never given, is refused and changes nothing."""
    if not scope_for(actor).has("edit", event.unit):
        raise PermissionDeniedError("edit")
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .filter(code=code.strip()[:32], event=event)
        .select_related("person")
        .first()
    )
    if registration is None:
        raise invalid("code", _("This code is not a registration for this event."))
    if registration.status == RegistrationStatus.CANCELLED:
        raise invalid("code", _("This registration was cancelled."))
    return _attend(actor, registration)


def _attend(actor: Any, registration: Registration) -> Registration:
    if registration.attended_at is None:
        registration.attended_at = timezone.now()
        registration.save(update_fields=["attended_at"])
        audit.record(
            actor=actor,
            action="update",
            obj=registration,
            unit_id=registration.event.unit_id,
            fields=["attended_at"],
        )
    return registration


@transaction.atomic
def walk_in(*, actor: Any, event: Event, person: Person) -> Registration:
    """Someone who came without registering, added at the door and marked present (a walk-in
    takes a place even when the event is full: they are in the hall)."""
    if not scope_for(actor).has("edit", event.unit):
        raise PermissionDeniedError("edit")
    if not scope_for(actor).has("view", person.unit):
        raise invalid("person", _("No person with this number in your units."))
    refuse_if_erased(person, "person")
    event = _locked(event)
    if event.status == EventStatus.CANCELLED:
        raise invalid("event", _("This event is cancelled."))
    registration = (
        event.registrations.filter(person=person)
        .exclude(status=RegistrationStatus.CANCELLED)
        .first()
    )
    if registration is None:
        registration = Registration.objects.create(
            event=event,
            person=person,
            status=RegistrationStatus.REGISTERED,
            walk_in=True,
            code=_new_key(),
            registered_by=actor if getattr(actor, "pk", None) else None,
        )
        audit.record(
            actor=actor,
            action="create",
            obj=registration,
            unit_id=event.unit_id,
            fields=["status", "walk_in"],
        )
    elif registration.status == RegistrationStatus.WAITING:
        registration.status = RegistrationStatus.REGISTERED
        registration.save(update_fields=["status"])
    return _attend(actor, registration)


@transaction.atomic
def record_attendance(*, actor: Any, event: Event, present: set[int]) -> int:
    """The ticks of a paper attendance sheet, entered afterwards in one screen: the event's
    registrations in ``present`` attended, the others did not. Returns how many attended."""
    if not scope_for(actor).has("edit", event.unit):
        raise PermissionDeniedError("edit")
    registrations = event.registrations.exclude(status=RegistrationStatus.CANCELLED)
    known = set(registrations.values_list("pk", flat=True))
    stray = present - known
    if stray:
        raise invalid("present", _("A ticked line is not a registration for this event."))
    now = timezone.now()
    changed = registrations.filter(pk__in=present, attended_at__isnull=True).update(attended_at=now)
    changed += (
        registrations.exclude(pk__in=present)
        .filter(attended_at__isnull=False)
        .update(attended_at=None)
    )
    if changed:
        audit.record(
            actor=actor,
            action="attendance",
            obj=event,
            unit_id=event.unit_id,
            fields=["attended_at"],
        )
    return registrations.filter(attended_at__isnull=False).count()
