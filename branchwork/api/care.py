"""Cases over the API: the same confidentiality as the pages (the cases permission on the
owning unit or above, the case worker, the people named on a restricted case); every read of
a case is audited."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from branchwork.care import aid, selectors, services, sweeps
from branchwork.care.models import (
    Case,
    CaseCategory,
    CaseNote,
    HelpMatch,
    HelpOffer,
    Sweep,
    SweepTarget,
)
from branchwork.core.errors import invalid
from branchwork.org.selectors import get_unit_for, unit_in_scope
from branchwork.people.selectors import get_household_for, person_in_scope

router = Router(tags=["care"])


class CaseOut(Schema):
    id: int
    unit: str
    person_id: int | None
    household_id: int | None
    category: str
    subject: str
    priority: str
    due_on: dt.date
    status: str
    assigned_to: str | None
    restricted: bool
    outcome: str

    @staticmethod
    def resolve_unit(obj: Case) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_category(obj: Case) -> str:
        return obj.category.code

    @staticmethod
    def resolve_assigned_to(obj: Case) -> str | None:
        return obj.assigned_to.get_username() if obj.assigned_to else None


class NoteOut(Schema):
    id: int
    kind: str
    text: str
    author: str | None
    at: dt.datetime

    @staticmethod
    def resolve_author(obj: CaseNote) -> str | None:
        return obj.author.get_username() if obj.author else None


class CaseDetailOut(CaseOut):
    notes: list[NoteOut]

    @staticmethod
    def resolve_notes(obj: Case) -> list[CaseNote]:
        return list(obj.notes.select_related("author"))


class CaseIn(Schema):
    unit: str
    person_id: int | None = None
    household_id: int | None = None
    category: str
    subject: str = Field(max_length=services.SUBJECT_MAX)
    priority: str = Field("normal", pattern=r"^(urgent|high|normal|low)$")
    due_on: dt.date | None = None
    restricted: bool = False
    note: str = Field("", max_length=services.NOTE_MAX)


class NoteIn(Schema):
    text: str = Field(max_length=services.NOTE_MAX)


class StatusIn(Schema):
    status: str
    outcome: str = Field("", max_length=services.OUTCOME_MAX)


@router.get("/cases", response=list[CaseOut])
@paginate(LimitOffsetPagination)
def list_cases(  # type: ignore[no-untyped-def]
    request: HttpRequest, unit: str | None = None, overdue: bool = False
):
    """The open cases the caller may see (of ``unit`` and its subtree), nearest due first."""
    cases = selectors.open_cases(selectors.visible_cases(request.user))
    if unit:
        cases = cases.filter(unit__path__startswith=get_unit_for(request.user, unit).path)
    if overdue:
        cases = selectors.overdue(cases)
    return cases.order_by("due_on", "pk")


@router.get("/cases/{case_id}", response=CaseDetailOut)
def get_case(request: HttpRequest, case_id: int) -> Case:
    case = selectors.get_case_for(request.user, case_id)
    return services.read_case(actor=request.user, case=case)


@router.post("/cases", response={201: CaseOut})
def open_case(request: HttpRequest, payload: CaseIn) -> Status[Case]:
    unit = unit_in_scope(request.user, payload.unit, "unit")
    category = CaseCategory.objects.filter(code=payload.category, active=True).first()
    if category is None:
        raise invalid("category", _("No case category with this code."))
    person = (
        person_in_scope(request.user, payload.person_id, "person_id") if payload.person_id else None
    )
    household = None
    if payload.household_id:
        try:
            household = get_household_for(request.user, payload.household_id)
        except Http404:
            raise invalid(
                "household_id", _("No household with this number in your units.")
            ) from None
    case = services.open_case(
        actor=request.user,
        unit=unit,
        category=category,
        subject=payload.subject,
        person=person,
        household=household,
        priority=payload.priority,
        due_on=payload.due_on,
        restricted=payload.restricted,
        note=payload.note,
    )
    return Status(201, case)


@router.post("/cases/{case_id}/notes", response={201: NoteOut})
def add_note(request: HttpRequest, case_id: int, payload: NoteIn) -> Status[CaseNote]:
    case = selectors.get_case_for(request.user, case_id)
    return Status(201, services.add_note(actor=request.user, case=case, text=payload.text))


@router.post("/cases/{case_id}/status", response=CaseOut)
def change_status(request: HttpRequest, case_id: int, payload: StatusIn) -> Case:
    case = selectors.get_case_for(request.user, case_id)
    return services.change_status(
        actor=request.user, case=case, status=payload.status, outcome=payload.outcome
    )


@router.post("/cases/{case_id}/escalate", response=CaseOut)
def escalate(request: HttpRequest, case_id: int) -> Case:
    case = selectors.get_case_for(request.user, case_id)
    return services.escalate(actor=request.user, case=case)


# --------------------------------------------------------------------------------------------
# Mutual aid
# --------------------------------------------------------------------------------------------


class OfferOut(Schema):
    id: int
    person_id: int
    unit: str
    kinds: list[str]
    description: str
    area: str
    availability: str
    active: bool

    @staticmethod
    def resolve_unit(obj: HelpOffer) -> str:
        return obj.person.unit.code


class OfferIn(Schema):
    person_id: int
    kinds: list[str] = Field(min_length=1, max_length=7)
    description: str = Field("", max_length=300)
    area: str = Field("", max_length=100)
    availability: str = Field("", max_length=200)


class MatchIn(Schema):
    offer_id: int
    note: str = Field("", max_length=500)


class MatchOut(Schema):
    id: int
    offer_id: int
    case_id: int | None
    need: str
    matched_at: dt.datetime


@router.get("/offers", response=list[OfferOut])
@paginate(LimitOffsetPagination)
def list_offers(request: HttpRequest, unit: str | None = None):  # type: ignore[no-untyped-def]
    offers = aid.visible_offers(request.user).filter(active=True)
    if unit:
        offers = offers.filter(person__unit__path__startswith=get_unit_for(request.user, unit).path)
    return offers.order_by("-created_at", "-pk")


@router.post("/offers", response={201: OfferOut})
def offer_help(request: HttpRequest, payload: OfferIn) -> Status[HelpOffer]:
    person = person_in_scope(request.user, payload.person_id, "person_id")
    offer = aid.offer_help(
        actor=request.user,
        person=person,
        kinds=payload.kinds,
        description=payload.description,
        area=payload.area,
        availability=payload.availability,
    )
    return Status(201, offer)


@router.get("/cases/{case_id}/nearby-offers", response=list[OfferOut])
def nearby_offers(request: HttpRequest, case_id: int, kind: str = "") -> list[HelpOffer]:
    """The offers of help the caller may see, nearest the case first."""
    case = selectors.get_case_for(request.user, case_id)
    return aid.nearby_offers(request.user, case, kind=kind)


@router.post("/cases/{case_id}/matches", response={201: MatchOut})
def match_offer(request: HttpRequest, case_id: int, payload: MatchIn) -> Status[HelpMatch]:
    case = selectors.get_case_for(request.user, case_id)
    offer = aid.visible_offers(request.user).filter(pk=payload.offer_id).first()
    if offer is None:
        raise invalid("offer_id", _("No offer of help with this number in your units."))
    return Status(201, aid.match(actor=request.user, offer=offer, case=case, note=payload.note))


# --------------------------------------------------------------------------------------------
# Welfare sweeps
# --------------------------------------------------------------------------------------------


class SweepOut(Schema):
    id: int
    unit: str
    title: str
    needs: list[str]
    retry_days: int
    status: str
    started_at: dt.datetime

    @staticmethod
    def resolve_unit(obj: Sweep) -> str:
        return obj.unit.code


class SweepIn(Schema):
    unit: str
    title: str = Field(max_length=200)
    needs: list[str] | None = Field(None, max_length=12)
    retry_days: int = Field(2, ge=1, le=14)


class TargetOut(Schema):
    id: int
    household_id: int
    address: str
    unit: str
    outcome: str
    needs: list[str]
    attempts: int
    next_attempt_on: dt.date | None
    case_id: int | None

    @staticmethod
    def resolve_address(obj: SweepTarget) -> str:
        return obj.household.address

    @staticmethod
    def resolve_unit(obj: SweepTarget) -> str:
        return obj.unit.code


class OutcomeIn(Schema):
    outcome: str = Field(pattern=r"^(ok|needs_help|unreachable)$")
    needs: list[str] = Field(default_factory=list, max_length=12)
    note: str = Field("", max_length=300)


class RecordedOut(TargetOut):
    recorded: bool


class CoverageOut(Schema):
    unit: str
    total: int
    reached: int
    needs_help: int
    unreachable: int
    share: float


def _sweep(request: HttpRequest, sweep_id: int) -> Sweep:
    found = sweeps.visible_sweeps(request.user).filter(pk=sweep_id).first()
    if found is None:
        raise Http404
    return found


@router.get("/sweeps", response=list[SweepOut])
@paginate(LimitOffsetPagination)
def list_sweeps(request: HttpRequest):  # type: ignore[no-untyped-def]
    return sweeps.visible_sweeps(request.user).order_by("-started_at", "-pk")


@router.post("/sweeps", response={201: SweepOut})
def start_sweep(request: HttpRequest, payload: SweepIn) -> Status[Sweep]:
    unit = unit_in_scope(request.user, payload.unit, "unit")
    sweep = sweeps.start_sweep(
        actor=request.user,
        unit=unit,
        title=payload.title,
        needs=payload.needs,
        retry_days=payload.retry_days,
    )
    return Status(201, sweep)


@router.post("/sweeps/{sweep_id}/assign", response=dict[str, int])
def assign(request: HttpRequest, sweep_id: int) -> dict[str, int]:
    return {"assigned": sweeps.assign_targets(actor=request.user, sweep=_sweep(request, sweep_id))}


@router.get("/sweeps/{sweep_id}/coverage", response=list[CoverageOut])
def coverage(
    request: HttpRequest, sweep_id: int, unit: str | None = None
) -> list[dict[str, object]]:
    """Households, reached, needing help and unreachable per unit under ``unit`` (the sweep's
    unit by default), within the caller's scope."""
    sweep = _sweep(request, sweep_id)
    where = get_unit_for(request.user, unit) if unit else sweep.unit
    return [
        {
            "unit": r["unit"].code,
            "total": r["total"],
            "reached": r["reached"],
            "needs_help": r["help"],
            "unreachable": r["unreachable"],
            "share": round(r["share"], 4),
        }
        for r in sweeps.coverage(request.user, sweep, where)
    ]


@router.get("/sweeps/{sweep_id}/my-targets", response=list[TargetOut])
@paginate(LimitOffsetPagination)
def my_targets(request: HttpRequest, sweep_id: int):  # type: ignore[no-untyped-def]
    return sweeps.my_targets(request.user, _sweep(request, sweep_id))


@router.post("/sweep-targets/{target_id}/outcome", response=RecordedOut)
def record_outcome(request: HttpRequest, target_id: int, payload: OutcomeIn) -> SweepTarget:
    """Record a household's outcome. ``recorded`` is false when another officer had reached
    the household first (their result is returned, unchanged)."""
    from django.db.models import Q

    from branchwork.access.scoping import scope_for

    target = (
        SweepTarget.objects.filter(pk=target_id)
        .filter(Q(assigned_to_id=request.user.pk) | scope_for(request.user).q("edit", "unit__path"))
        .first()
    )
    if target is None:
        raise Http404
    target, recorded = sweeps.record_outcome(
        actor=request.user,
        target=target,
        outcome=payload.outcome,
        needs=payload.needs,
        note=payload.note,
    )
    target.recorded = recorded  # type: ignore[attr-defined]  # read by RecordedOut
    return target


@router.post("/sweeps/{sweep_id}/close", response=SweepOut)
def close(request: HttpRequest, sweep_id: int) -> Sweep:
    return sweeps.close_sweep(actor=request.user, sweep=_sweep(request, sweep_id))


@router.get("/sweeps/{sweep_id}/never-reached", response=list[TargetOut])
@paginate(LimitOffsetPagination)
def never_reached(request: HttpRequest, sweep_id: int):  # type: ignore[no-untyped-def]
    return sweeps.never_reached(request.user, _sweep(request, sweep_id))
