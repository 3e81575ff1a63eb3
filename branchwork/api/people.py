"""People over the API: search, read, create, update; sensitive data apart. Same scoping."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from branchwork.core.errors import invalid
from branchwork.org import selectors as org_selectors
from branchwork.people import services
from branchwork.people.models import Person
from branchwork.people.search import search
from branchwork.people.selectors import get_person_for, visible_people

from .schemas import (
    ConflictOut,
    PersonCreateIn,
    PersonOut,
    PersonPatch,
    SensitiveIn,
    SensitiveOut,
)

router = Router(tags=["people"])


@router.get("/people", response=list[PersonOut])
@paginate(LimitOffsetPagination)
def list_people(request: HttpRequest, q: str = "", unit: str | None = None):  # type: ignore[no-untyped-def]
    people = visible_people(request.user)
    if unit:
        people = people.filter(
            unit__path__startswith=org_selectors.get_unit_for(request.user, unit).path
        )
    if q.strip():
        people = search(people, q[:100])
    return people.order_by("family_name_kana", "given_name_kana", "id")


@router.get("/people/{person_id}", response=PersonOut)
def get_person(request: HttpRequest, person_id: int) -> Person:
    return get_person_for(request.user, person_id)


@router.post("/people", response={201: PersonOut})
def create_person(request: HttpRequest, payload: PersonCreateIn) -> Status[Person]:
    try:
        unit = org_selectors.get_unit_for(request.user, payload.unit)
    except Http404:
        raise invalid("unit", _("No unit with this code in your scope.")) from None
    person = services.create_person(actor=request.user, unit=unit, **payload.dict(exclude={"unit"}))
    return Status(201, Person.objects.select_related("unit").get(pk=person.pk))


@router.patch("/people/{person_id}", response={200: PersonOut, 409: ConflictOut})
def update_person(request: HttpRequest, person_id: int, payload: PersonPatch) -> Any:
    person = get_person_for(request.user, person_id)
    values = {k: v for k, v in payload.dict(exclude={"version"}).items() if v is not None}
    try:
        services.update_person(actor=request.user, person=person, version=payload.version, **values)
    except services.EditConflict as conflict:
        return Status(
            409, {"detail": _("Someone else saved this person"), "current": conflict.current}
        )
    return Person.objects.select_related("unit").get(pk=person.pk)


@router.get("/people/{person_id}/sensitive", response=SensitiveOut)
def get_sensitive(request: HttpRequest, person_id: int) -> dict[str, str]:
    person = get_person_for(request.user, person_id)
    record = services.read_sensitive(actor=request.user, person=person)
    return {f: getattr(record, f) if record else "" for f in services.SENSITIVE_FIELDS}


@router.put("/people/{person_id}/sensitive", response=SensitiveOut)
def put_sensitive(request: HttpRequest, person_id: int, payload: SensitiveIn) -> Any:
    person = get_person_for(request.user, person_id)
    return services.update_sensitive(actor=request.user, person=person, **payload.dict())
