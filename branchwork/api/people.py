"""People over the API: search, read, create, update; sensitive data apart. Same scoping."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from branchwork.access.scoping import scope_for
from branchwork.core.errors import invalid
from branchwork.org import selectors as org_selectors
from branchwork.org.models import Unit
from branchwork.people import households, services
from branchwork.people.models import Household, Person
from branchwork.people.search import search
from branchwork.people.selectors import (
    get_household_for,
    get_person_for,
    person_in_scope,
    relations_of,
    visible_people,
)

from .schemas import (
    ConflictOut,
    ConsentIn,
    ConsentOut,
    HouseholdIn,
    HouseholdMoveIn,
    HouseholdOut,
    MembershipIn,
    MembershipOut,
    PersonCreateIn,
    PersonOut,
    PersonPatch,
    RelationOut,
    RelationshipIn,
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
    unit = org_selectors.unit_in_scope(request.user, payload.unit, "unit")
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


@router.get("/people/{person_id}/relations", response=list[RelationOut])
def list_relations(request: HttpRequest, person_id: int) -> list[dict[str, Any]]:
    person = get_person_for(request.user, person_id)
    return [
        {"relation": label, "person_id": other.pk, "display_name": other.display_name}
        for label, other in relations_of(request.user, person)
    ]


@router.post("/people/{person_id}/relations", response={201: RelationOut})
def add_relation(request: HttpRequest, person_id: int, payload: RelationshipIn) -> Any:
    person = get_person_for(request.user, person_id)
    relative = person_in_scope(request.user, payload.relative_id, "relative_id")
    services.relate(actor=request.user, person=person, relative=relative, kind=payload.kind)
    return Status(
        201,
        {"relation": payload.kind, "person_id": relative.pk, "display_name": relative.display_name},
    )


@router.get("/people/{person_id}/memberships", response=list[MembershipOut])
def list_memberships(request: HttpRequest, person_id: int) -> Any:
    person = get_person_for(request.user, person_id)
    return person.memberships.select_related("body").order_by("-joined")


@router.post("/people/{person_id}/memberships", response={201: MembershipOut})
def add_membership(request: HttpRequest, person_id: int, payload: MembershipIn) -> Any:
    person = get_person_for(request.user, person_id)
    body = Unit.objects.filter(code=payload.body).first()
    visible = body is not None and (
        body.kind == "federation" or scope_for(request.user).has("view", body)
    )
    if body is None or not visible:
        raise invalid("body", _("Membership is of the association or an affiliated body."))
    membership = services.add_membership(
        actor=request.user,
        person=person,
        body=body,
        status=payload.status,
        joined=payload.joined,
        left=payload.left,
    )
    return Status(201, membership)


@router.get("/households/{household_id}", response=HouseholdOut, tags=["households"])
def get_household(request: HttpRequest, household_id: int) -> Household:
    return get_household_for(request.user, household_id)


@router.post("/households", response={201: HouseholdOut}, tags=["households"])
def create_household(request: HttpRequest, payload: HouseholdIn) -> Any:
    person = get_person_for(request.user, payload.person_id)
    unit = None
    if payload.unit:
        unit = org_selectors.unit_in_scope(request.user, payload.unit, "unit")
    household = households.create_household(
        actor=request.user, address=payload.address, postal_code=payload.postal_code, unit=unit
    )
    households.add_member(
        actor=request.user, household=household, person=person, relation=payload.relation
    )
    return Status(201, household)


@router.post("/households/{household_id}/move", response=HouseholdOut, tags=["households"])
def move_household(request: HttpRequest, household_id: int, payload: HouseholdMoveIn) -> Any:
    household = get_household_for(request.user, household_id)
    return households.move_household(
        actor=request.user,
        household=household,
        address=payload.address,
        postal_code=payload.postal_code,
        on=payload.on,
    )


@router.get("/people/{person_id}/consents", response=list[ConsentOut], tags=["consents"])
def list_consents(request: HttpRequest, person_id: int) -> Any:
    return get_person_for(request.user, person_id).consents.all()


@router.post("/people/{person_id}/consents", response={201: ConsentOut}, tags=["consents"])
def give_consent(request: HttpRequest, person_id: int, payload: ConsentIn) -> Any:
    person = get_person_for(request.user, person_id)
    return Status(201, services.give_consent(actor=request.user, person=person, **payload.dict()))


@router.post(
    "/people/{person_id}/consents/{consent_id}/withdraw", response=ConsentOut, tags=["consents"]
)
def withdraw_consent(request: HttpRequest, person_id: int, consent_id: int) -> Any:
    person = get_person_for(request.user, person_id)
    consent = person.consents.filter(pk=consent_id).select_related("person__unit").first()
    if consent is None:
        raise Http404
    return services.withdraw_consent(actor=request.user, consent=consent)
