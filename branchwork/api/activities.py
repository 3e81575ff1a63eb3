"""Activities over the API: the contact log (a household's contacts, recording one, a unit's
quiet households, the caller's follow-ups) and events (listing, making one, registering,
checking in). Same scoping as the pages."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from branchwork.activities import partners as partner_services
from branchwork.activities import selectors, services
from branchwork.activities.models import (
    NOTE_MAX,
    Contact,
    Event,
    EventKind,
    PartnerContact,
    PartnerOrganisation,
    Registration,
)
from branchwork.activities.partners import visible_partners
from branchwork.core.errors import invalid
from branchwork.org.selectors import get_unit_for, unit_in_scope
from branchwork.people.models import Household
from branchwork.people.selectors import get_household_for, person_in_scope

router = Router(tags=["activities"])


class ContactOut(Schema):
    id: int
    household_id: int | None
    person_id: int | None
    contacted_on: dt.date
    channel: str
    note: str
    follow_up_on: dt.date | None
    follow_up_done: bool
    recorded_by: str | None

    @staticmethod
    def resolve_follow_up_done(obj: Contact) -> bool:
        return obj.follow_up_done_at is not None

    @staticmethod
    def resolve_recorded_by(obj: Contact) -> str | None:
        return obj.officer.get_username() if obj.officer is not None else None


class ContactIn(Schema):
    household_id: int | None = None
    person_id: int | None = None
    contacted_on: dt.date
    channel: str = Field(pattern=r"^(visit|call|message|meeting)$")
    note: str = Field("", max_length=NOTE_MAX)
    follow_up_on: dt.date | None = None


class QuietHouseholdOut(Schema):
    id: int
    unit: str
    postal_code: str
    address: str
    last_contacted: dt.date | None
    next_follow_up: dt.date | None

    @staticmethod
    def resolve_unit(obj: Household) -> str:
        return obj.unit.code


@router.get("/households/{household_id}/contacts", response=list[ContactOut])
@paginate(LimitOffsetPagination)
def household_contacts(request: HttpRequest, household_id: int):  # type: ignore[no-untyped-def]
    household = get_household_for(request.user, household_id)
    return selectors.contacts_of_household(request.user, household)


@router.post("/contacts", response={201: ContactOut})
def record_contact(request: HttpRequest, payload: ContactIn) -> Status[Contact]:
    household = person = None
    if payload.household_id is not None:
        try:
            household = get_household_for(request.user, payload.household_id)
        except Http404:
            raise invalid(
                "household_id", _("No household with this number in your units.")
            ) from None
    if payload.person_id is not None:
        person = person_in_scope(request.user, payload.person_id, "person_id")
    contact = services.record_contact(
        actor=request.user,
        household=household,
        person=person,
        contacted_on=payload.contacted_on,
        channel=payload.channel,
        note=payload.note,
        follow_up_on=payload.follow_up_on,
    )
    return Status(201, contact)


@router.post("/contacts/{contact_id}/follow-up-done", response=ContactOut)
def follow_up_done(request: HttpRequest, contact_id: int) -> Contact:
    contact = selectors.visible_contacts(request.user).filter(pk=contact_id).first()
    if contact is None:
        raise Http404
    return services.complete_follow_up(actor=request.user, contact=contact)


@router.get("/units/{code}/quiet-households", response=list[QuietHouseholdOut])
@paginate(LimitOffsetPagination)
def quiet_households(  # type: ignore[no-untyped-def]
    request: HttpRequest, code: str, days: int = selectors.DEFAULT_QUIET_DAYS
):
    if not 1 <= days <= 3650:
        raise invalid("days", _("Give a number of days between 1 and 3650."))
    unit = get_unit_for(request.user, code)
    return selectors.quiet_households(request.user, unit, days)


@router.get("/me/follow-ups", response=list[ContactOut])
@paginate(LimitOffsetPagination)
def my_follow_ups(  # type: ignore[no-untyped-def]
    request: HttpRequest, ahead_days: int = selectors.FOLLOW_UP_AHEAD_DAYS
):
    if not 0 <= ahead_days <= 366:
        raise invalid("ahead_days", _("Give a number of days between 0 and 366."))
    return selectors.follow_ups_due_for(request.user, ahead_days)


# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------


class EventOut(Schema):
    id: int
    unit: str
    kind: str
    title: str
    title_ko: str
    title_ja: str
    title_en: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    venue: str
    capacity: int | None
    audience: str
    status: str
    series_id: int | None

    @staticmethod
    def resolve_unit(obj: Event) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_kind(obj: Event) -> str:
        return obj.kind.code


class EventIn(Schema):
    unit: str
    kind: str
    title_ko: str = Field("", max_length=200)
    title_ja: str = Field("", max_length=200)
    title_en: str = Field("", max_length=200)
    description_ko: str = Field("", max_length=5000)
    description_ja: str = Field("", max_length=5000)
    description_en: str = Field("", max_length=5000)
    starts_at: dt.datetime
    ends_at: dt.datetime
    venue: str = Field("", max_length=300)
    capacity: int | None = Field(None, ge=1)
    audience: str = Field("members", pattern=r"^(members|residents|public)$")
    partners: list[int] = Field(default_factory=list, max_length=20)
    sessions: int = Field(1, ge=1, le=60)
    every_days: int = Field(7, ge=1, le=31)


class RegistrationOut(Schema):
    id: int
    person_id: int | None
    guest_name: str
    status: str
    role: str
    walk_in: bool
    attended: bool

    @staticmethod
    def resolve_attended(obj: Registration) -> bool:
        return obj.attended_at is not None


class RegistrationIn(Schema):
    person_id: int
    role: str = Field("participant", pattern=r"^(participant|helper|organiser)$")


class CheckInIn(Schema):
    code: str = Field(max_length=64)


@router.get("/events", response=list[EventOut])
@paginate(LimitOffsetPagination)
def list_events(  # type: ignore[no-untyped-def]
    request: HttpRequest, unit: str | None = None, past: bool = False
):
    events = selectors.visible_events(request.user)
    if unit:
        events = events.filter(unit__path__startswith=get_unit_for(request.user, unit).path)
    now = timezone.now()
    if past:
        return events.filter(ends_at__lt=now).order_by("-starts_at", "pk")
    return events.filter(ends_at__gte=now).order_by("starts_at", "pk")


@router.get("/events/{event_id}", response=EventOut)
def get_event(request: HttpRequest, event_id: int) -> Event:
    return selectors.get_event_for(request.user, event_id)


@router.post("/events", response={201: EventOut})
def create_event(request: HttpRequest, payload: EventIn) -> Status[Event]:
    unit = unit_in_scope(request.user, payload.unit, "unit")
    kind = EventKind.objects.filter(code=payload.kind).first()
    if kind is None:
        raise invalid("kind", _("No kind of event with this code."))
    texts = payload.dict(include=set(services.TEXT_FIELDS))
    chosen = list(visible_partners(request.user).filter(pk__in=payload.partners))
    if len(chosen) != len(set(payload.partners)):
        raise invalid("partners", _("No partner organisation with this number in your units."))
    if payload.sessions > 1:  # a recurring class: the first session is returned
        series = services.create_series(
            actor=request.user,
            unit=unit,
            kind=kind,
            first_starts_at=payload.starts_at,
            duration=payload.ends_at - payload.starts_at,
            sessions=payload.sessions,
            every_days=payload.every_days,
            venue=payload.venue,
            capacity=payload.capacity,
            audience=payload.audience,
            partners=chosen,
            **texts,
        )
        first = series.sessions.order_by("starts_at", "pk").first()
        assert first is not None
        return Status(201, first)
    event = services.create_event(
        actor=request.user,
        unit=unit,
        kind=kind,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        venue=payload.venue,
        capacity=payload.capacity,
        audience=payload.audience,
        partners=chosen,
        **texts,
    )
    return Status(201, event)


@router.get("/events/{event_id}/registrations", response=list[RegistrationOut])
@paginate(LimitOffsetPagination)
def list_registrations(request: HttpRequest, event_id: int):  # type: ignore[no-untyped-def]
    event = selectors.get_event_for(request.user, event_id)
    return selectors.visible_registrations(request.user, event).order_by("pk")


@router.post("/events/{event_id}/registrations", response={201: RegistrationOut})
def register(request: HttpRequest, event_id: int, payload: RegistrationIn) -> Status[Registration]:
    event = selectors.get_event_for(request.user, event_id)
    person = person_in_scope(request.user, payload.person_id, "person_id")
    return Status(
        201,
        services.register(actor=request.user, event=event, person=person, role=payload.role),
    )


@router.post("/events/{event_id}/check-in", response=RegistrationOut)
def check_in(request: HttpRequest, event_id: int, payload: CheckInIn) -> Registration:
    event = selectors.get_event_for(request.user, event_id)
    return services.check_in(actor=request.user, event=event, code=payload.code)


# --------------------------------------------------------------------------------------------
# Life events and the participation ladder
# --------------------------------------------------------------------------------------------


class LifeEventOut(Schema):
    kind: str
    day: dt.date
    person_id: int
    person: str
    detail: str
    household_id: int | None
    contacted: bool


class LevelOut(Schema):
    level: int
    name: str
    count: int


class PersonLevelOut(Schema):
    person_id: int
    level: int
    name: str


@router.get("/units/{code}/life-events", response=list[LifeEventOut])
def unit_life_events(request: HttpRequest, code: str) -> list[dict[str, object]]:
    """Births, deaths and marriages of the last month, children entering school next April
    and the coming month's milestone birthdays of the unit's people (its subtree)."""
    from branchwork.activities.life_events import life_events

    unit = get_unit_for(request.user, code)
    return [
        {
            "kind": e.kind,
            "day": e.day,
            "person_id": e.person.pk,
            "person": e.person.display_name,
            "detail": e.detail,
            "household_id": e.household_id,
            "contacted": e.contacted,
        }
        for e in life_events(request.user, unit)
    ]


@router.get("/units/{code}/participation", response=list[LevelOut])
def unit_participation(request: HttpRequest, code: str) -> list[dict[str, object]]:
    """How many of the unit's people (its subtree) stand at each step of the ladder."""
    from branchwork.activities import ladder
    from branchwork.people.selectors import visible_people

    unit = get_unit_for(request.user, code)
    people = visible_people(request.user).filter(
        unit__path__startswith=unit.path, erased_at__isnull=True, deceased_date__isnull=True
    )
    return [
        {"level": level, "name": name, "count": n} for level, name, n in ladder.level_counts(people)
    ]


@router.get("/people/{person_id}/participation", response=PersonLevelOut)
def person_participation(request: HttpRequest, person_id: int) -> dict[str, object]:
    from branchwork.activities import ladder
    from branchwork.people.selectors import get_person_for

    person = get_person_for(request.user, person_id)
    level = ladder.level_of(person)
    return {"person_id": person.pk, "level": level, "name": str(ladder.LEVEL_NAMES[level])}


# --------------------------------------------------------------------------------------------
# Partner organisations
# --------------------------------------------------------------------------------------------


class PartnerContactOut(Schema):
    id: int
    name: str
    role: str
    email: str
    phone: str


class PartnerOut(Schema):
    id: int
    unit: str
    name: str
    kind: str
    contact_name: str
    email: str
    phone: str
    notes: str
    active: bool

    @staticmethod
    def resolve_unit(obj: PartnerOrganisation) -> str:
        return obj.unit.code


class PartnerDetailOut(PartnerOut):
    contacts: list[PartnerContactOut]
    joint_events: list[int]

    @staticmethod
    def resolve_contacts(obj: PartnerOrganisation) -> list[PartnerContact]:
        return list(obj.contacts.all())


class PartnerIn(Schema):
    unit: str
    name: str = Field(max_length=200)
    kind: str = Field("", max_length=100)
    contact_name: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=30)
    notes: str = Field("", max_length=1000)


class PartnerContactIn(Schema):
    name: str = Field(max_length=200)
    role: str = Field("", max_length=100)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=30)


@router.get("/partners", response=list[PartnerOut])
@paginate(LimitOffsetPagination)
def list_partners(request: HttpRequest, unit: str | None = None):  # type: ignore[no-untyped-def]
    found = visible_partners(request.user)
    if unit:
        found = found.filter(unit__path__startswith=get_unit_for(request.user, unit).path)
    return found.order_by("name", "pk")


@router.get("/partners/{partner_id}", response=PartnerDetailOut)
def get_partner(request: HttpRequest, partner_id: int) -> PartnerOrganisation:
    """A partner with the people to reach there and the joint events the caller may see."""
    partner = partner_services.get_partner_for(request.user, partner_id)
    events = selectors.visible_events(request.user).filter(partners=partner).order_by("-starts_at")
    partner.joint_events = list(events.values_list("pk", flat=True)[:200])  # type: ignore[attr-defined]
    return partner


@router.post("/partners", response={201: PartnerOut})
def create_partner(request: HttpRequest, payload: PartnerIn) -> Status[PartnerOrganisation]:
    unit = unit_in_scope(request.user, payload.unit, "unit")
    values = payload.dict(exclude={"unit"})
    return Status(201, partner_services.create_partner(actor=request.user, unit=unit, **values))


@router.post("/partners/{partner_id}/contacts", response={201: PartnerContactOut})
def add_partner_contact(
    request: HttpRequest, partner_id: int, payload: PartnerContactIn
) -> Status[PartnerContact]:
    partner = partner_services.get_partner_for(request.user, partner_id)
    return Status(
        201, partner_services.add_contact(actor=request.user, partner=partner, **payload.dict())
    )


class ActivityMonthOut(Schema):
    month: dt.date
    events: int
    attendances: int
    people: int
    contacts: int
    households: int


@router.get("/units/{code}/activity", response=list[ActivityMonthOut])
def unit_activity(request: HttpRequest, code: str) -> list[dict[str, object]]:
    """The unit's last twelve months (its subtree, within the caller's scope), month by month:
    events held, attendances, people who came, contacts and households contacted."""
    unit = get_unit_for(request.user, code)
    return selectors.activity_summary(request.user, unit)
