"""People over the API: search, read, create, update; sensitive data apart. Same scoping."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from branchwork.access.ratelimit import search_allowed
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.org import selectors as org_selectors
from branchwork.org.models import Unit
from branchwork.people import duplicates, households, services
from branchwork.people.models import Household, Person
from branchwork.people.search import search
from branchwork.people.selectors import (
    get_household_for,
    get_person_for,
    person_in_scope,
    relations_of,
    visible_people,
)

from .duplicate_schemas import DuplicatesOut, PersonCreateCheckedIn
from .schemas import (
    ConflictOut,
    ConsentIn,
    ConsentOut,
    HouseholdIn,
    HouseholdMoveIn,
    HouseholdOut,
    MembershipIn,
    MembershipOut,
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
        if not search_allowed(request.user):
            raise HttpError(429, _("Too many searches: wait a minute and search again."))
        people = search(people, q[:100])
    return people.order_by("family_name_kana", "given_name_kana", "id")


@router.get("/people/{person_id}", response=PersonOut)
def get_person(request: HttpRequest, person_id: int) -> Person:
    return get_person_for(request.user, person_id)


@router.post("/people", response={201: PersonOut, 409: DuplicatesOut})
def create_person(request: HttpRequest, payload: PersonCreateCheckedIn) -> Status[Any]:
    unit = org_selectors.unit_in_scope(request.user, payload.unit, "unit")
    values = payload.dict(exclude={"unit", "confirm_new"})
    if not payload.confirm_new:
        if not scope_for(request.user).has("edit", unit):
            raise PermissionDeniedError("edit")
        found = duplicates.candidates_for_new(visible_people(request.user), values)
        if found:
            return Status(
                409,
                {
                    "detail": _("This person may already be recorded."),
                    "candidates": duplicates.describe(found),
                },
            )
    person = services.create_person(actor=request.user, unit=unit, **values)
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


# --- Provisions to third parties (the same scoping as the person's page) ---------------------

from branchwork.people import provisions as provision_services  # noqa: E402
from branchwork.people.models import Provision  # noqa: E402

from .privacy_schemas import ProvisionIn, ProvisionOut  # noqa: E402


def _provision_out(request: HttpRequest, provision: Provision) -> dict[str, Any]:
    """The providing unit is named only if the user sees it (the person may have moved)."""
    unit = provision.unit
    return {
        "id": provision.pk,
        "person_id": provision.person_id,
        "unit": unit.code if scope_for(request.user).has("view", unit) else None,
        "kind": provision.kind,
        "recipient": provision.recipient,
        "purpose": provision.purpose,
        "items": list(provision.items),
        "basis": provision.basis,
        "consent_id": provision.consent_id,
        "provided_on": provision.provided_on,
    }


@router.get("/people/{person_id}/provisions", response=list[ProvisionOut], tags=["provisions"])
def list_provisions(request: HttpRequest, person_id: int) -> list[dict[str, Any]]:
    person = get_person_for(request.user, person_id)
    return [_provision_out(request, p) for p in provision_services.provisions_of(person)]


@router.post("/people/{person_id}/provisions", response={201: ProvisionOut}, tags=["provisions"])
def add_provision(request: HttpRequest, person_id: int, payload: ProvisionIn) -> Any:
    person = get_person_for(request.user, person_id)
    consent = None
    if payload.consent_id is not None:
        consent = person.consents.filter(pk=payload.consent_id).first()
        if consent is None:
            raise invalid("consent_id", _("This person has no consent with this number."))
    provision = provision_services.record_provision(
        actor=request.user,
        person=person,
        kind=payload.kind,
        recipient=payload.recipient,
        purpose=payload.purpose,
        items=payload.items,
        basis=payload.basis,
        consent=consent,
        provided_on=payload.provided_on,
    )
    return Status(201, _provision_out(request, provision))


# --- Data-subject rights: everything held, erasure (admin permission on the person's unit) ---

from branchwork.people import privacy as privacy_services  # noqa: E402
from branchwork.people.subject import export_person  # noqa: E402

from .schemas import EraseIn  # noqa: E402


@router.get("/people/{person_id}/export", response=dict[str, Any], tags=["data subjects"])
def export_person_data(request: HttpRequest, person_id: int) -> dict[str, Any]:
    """Everything held about the person, as the page /people/{id}/data/ shows it. Audited."""
    return export_person(actor=request.user, person=get_person_for(request.user, person_id))


@router.post("/people/{person_id}/erase", response=PersonOut, tags=["data subjects"])
def erase_person(request: HttpRequest, person_id: int, payload: EraseIn) -> Person:
    """Erase the person's personal data (the row and the counts stay). Asking again for an
    already erased person changes nothing."""
    person = get_person_for(request.user, person_id)
    if payload.confirm_person_id != person.pk:
        raise invalid("confirm_person_id", _("Repeat the person's number to confirm the erasure."))
    privacy_services.erase_person(actor=request.user, person=person, reason="request")
    return Person.objects.select_related("unit").get(pk=person.pk)
