"""The contact log over the API: a household's contacts, recording one, a unit's quiet
households and the caller's follow-ups. Same scoping as the pages."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from branchwork.activities import selectors, services
from branchwork.activities.models import NOTE_MAX, Contact
from branchwork.core.errors import invalid
from branchwork.org.selectors import get_unit_for
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
