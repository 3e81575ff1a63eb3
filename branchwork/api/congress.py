"""Congresses over the API, scoped as the pages are: a congress to those who see its host or a
unit under it; delegates to those who see the delegate's unit; quotas, credentials, check-in,
proxies, the agenda, motions and polls run by the same services and permissions.

Votes are not cast through the API: a vote belongs to a delegate's phone, bound by the voting
pass shown at check-in (``POST /polls/{id}/vote/`` answers JSON to ``Accept:
application/json``), never to an officer's token.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from branchwork.access.scoping import scope_for
from branchwork.congress import proceedings, selectors, services
from branchwork.congress.models import (
    AgendaItem,
    Congress,
    Delegate,
    Motion,
    Poll,
    PollState,
    Quota,
)
from branchwork.org.selectors import unit_in_scope
from branchwork.people.selectors import person_in_scope

router = Router(tags=["congress"])


class CongressOut(Schema):
    id: int
    number: int
    kind: str
    title: str
    host: str
    venue: str
    starts_on: dt.date
    ends_on: dt.date
    status: str
    quota_base: int
    quota_per_members: int
    quota_alternates: int
    quota_cutoff: dt.date
    proxy_limit: int

    @staticmethod
    def resolve_host(obj: Congress) -> str:
        return obj.host.code


class CongressIn(Schema):
    host: str
    number: int = Field(ge=1, le=1000)
    kind: str
    title: str = Field(min_length=1, max_length=200)
    venue: str = Field("", max_length=200)
    starts_on: dt.date
    ends_on: dt.date
    quota_base: int = Field(1, ge=0, le=1000)
    quota_per_members: int = Field(0, ge=0)
    quota_alternates: int = Field(1, ge=0, le=1000)
    quota_cutoff: dt.date
    proxy_limit: int = Field(1, ge=0, le=100)


class QuotaOut(Schema):
    unit: str
    members: int
    delegates: int
    alternates: int

    @staticmethod
    def resolve_unit(obj: Quota) -> str:
        return obj.unit.code


class DelegateOut(Schema):
    id: int
    unit: str
    person_id: int
    name: str
    role: str
    credential: str
    weight: int
    checked_in_at: dt.datetime | None

    @staticmethod
    def resolve_unit(obj: Delegate) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_name(obj: Delegate) -> str:
        return str(obj.person)


class NominateIn(Schema):
    unit: str
    person_id: int
    role: str = "delegate"


class CredentialIn(Schema):
    credential: str


class CheckInIn(Schema):
    code: str = Field(min_length=1, max_length=40)


class CheckInOut(Schema):
    delegate_id: int
    voting_pass: str


class ProxyIn(Schema):
    giver_id: int
    holder_id: int


class QuorumOut(Schema):
    entitled: int
    entitled_weight: int
    present: int
    present_weight: int


class ItemOut(Schema):
    id: int
    position: int
    title: str
    description: str
    planned_minutes: int
    state: str


class ItemIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    planned_minutes: int = Field(30, ge=1, le=1440)


class MotionOut(Schema):
    id: int
    number: str
    title: str
    text: str
    reason: str
    state: str
    amends_id: int | None
    paragraph: int | None
    submitted_by: str | None

    @staticmethod
    def resolve_submitted_by(obj: Motion) -> str | None:
        return obj.submitted_by_unit.code if obj.submitted_by_unit else None


class MotionIn(Schema):
    unit: str | None = None
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1)
    reason: str = ""


class AmendmentIn(Schema):
    unit: str | None = None
    paragraph: int
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1)


class StateIn(Schema):
    state: str


class ResolutionOut(Schema):
    number: str
    title: str
    paragraphs: list[str]


class PollIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    kind: str
    secret: bool = False
    weighted: bool = False
    options: list[str] = []
    min_choices: int = Field(1, ge=0)
    max_choices: int = Field(1, ge=1)
    motion_id: int | None = None


class PollOut(Schema):
    id: int
    title: str
    kind: str
    secret: bool
    weighted: bool
    state: str
    options: list[dict[str, Any]]
    voted: int | None
    result: dict[str, Any] | None

    @staticmethod
    def resolve_options(obj: Poll) -> list[dict[str, Any]]:
        return [{"id": o.pk, "label": o.display} for o in obj.options.all()]

    @staticmethod
    def resolve_voted(obj: Poll) -> int | None:
        return obj.participations.count() if obj.state == PollState.OPEN else None


def _congress(request: HttpRequest, congress_id: int) -> Congress:
    return selectors.get_congress_for(request.user, congress_id)


def _secretariat(request: HttpRequest, congress: Congress) -> None:
    if not scope_for(request.user).has("admin", congress.host):
        raise Http404


@router.get("/congresses", response=list[CongressOut])
@paginate(LimitOffsetPagination)
def list_congresses(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The congresses the caller sees: held by a unit they see or by a unit above theirs."""
    return selectors.visible_congresses(request.user).order_by("-starts_on", "-number")


@router.post("/congresses", response={201: CongressOut})
def create_congress(request: HttpRequest, payload: CongressIn) -> Status[Congress]:
    host = unit_in_scope(request.user, payload.host, "host")
    fields = payload.model_dump(exclude={"host"})
    return Status(201, services.create_congress(actor=request.user, host=host, **fields))


@router.get("/congresses/{congress_id}", response=CongressOut)
def get_congress(request: HttpRequest, congress_id: int) -> Congress:
    return _congress(request, congress_id)


@router.get("/congresses/{congress_id}/quotas", response=list[QuotaOut])
def list_quotas(request: HttpRequest, congress_id: int) -> list[Quota]:
    congress = _congress(request, congress_id)
    return list(Quota.objects.filter(congress=congress).select_related("unit"))


@router.post("/congresses/{congress_id}/quotas", response=list[QuotaOut])
def set_quotas(request: HttpRequest, congress_id: int) -> list[Quota]:
    congress = _congress(request, congress_id)
    services.set_quotas(actor=request.user, congress=congress)
    return list(Quota.objects.filter(congress=congress).select_related("unit"))


@router.get("/congresses/{congress_id}/quorum", response=QuorumOut)
def get_quorum(request: HttpRequest, congress_id: int) -> dict[str, int]:
    return services.quorum(_congress(request, congress_id))


@router.get("/congresses/{congress_id}/delegates", response=list[DelegateOut])
@paginate(LimitOffsetPagination)
def list_delegates(request: HttpRequest, congress_id: int):  # type: ignore[no-untyped-def]
    """The congress's delegates from the caller's units (all of them for the host's officers)."""
    congress = _congress(request, congress_id)
    return selectors.visible_delegates(request.user, congress).order_by("unit__code", "pk")


@router.post("/congresses/{congress_id}/delegates", response={201: DelegateOut})
def nominate(request: HttpRequest, congress_id: int, payload: NominateIn) -> Status[Delegate]:
    congress = _congress(request, congress_id)
    unit = unit_in_scope(request.user, payload.unit, "unit")
    person = person_in_scope(request.user, payload.person_id, "person_id")
    return Status(
        201,
        services.nominate(
            actor=request.user, congress=congress, unit=unit, person=person, role=payload.role
        ),
    )


def _delegate(request: HttpRequest, delegate_id: int, perm: str = "admin") -> Delegate:
    delegate = (
        Delegate.objects.select_related("congress__host", "unit", "person")
        .filter(pk=delegate_id)
        .first()
    )
    if delegate is None or not scope_for(request.user).has(perm, delegate.congress.host):
        raise Http404
    return delegate


@router.post("/delegates/{delegate_id}/credential", response=DelegateOut)
def set_credential(request: HttpRequest, delegate_id: int, payload: CredentialIn) -> Delegate:
    delegate = _delegate(request, delegate_id)
    return services.set_credential(
        actor=request.user, delegate=delegate, credential=payload.credential
    )


@router.post("/congresses/{congress_id}/check-in", response=CheckInOut)
def check_in(request: HttpRequest, congress_id: int, payload: CheckInIn) -> dict[str, Any]:
    congress = _congress(request, congress_id)
    done = services.check_in(actor=request.user, congress=congress, code=payload.code)
    return {"delegate_id": done.delegate.pk, "voting_pass": done.voting_pass}


@router.post("/congresses/{congress_id}/proxies", response={201: dict[str, int]})
def give_proxy(request: HttpRequest, congress_id: int, payload: ProxyIn) -> Status[dict[str, int]]:
    congress = _congress(request, congress_id)
    _secretariat(request, congress)
    giver = _delegate(request, payload.giver_id)
    holder = _delegate(request, payload.holder_id)
    if giver.congress_id != congress.pk:
        raise Http404
    proxy = services.give_proxy(actor=request.user, giver=giver, holder=holder)
    return Status(201, {"id": proxy.pk, "giver_id": giver.pk, "holder_id": holder.pk})


@router.get("/congresses/{congress_id}/agenda", response=list[ItemOut])
def agenda(request: HttpRequest, congress_id: int) -> list[AgendaItem]:
    congress = _congress(request, congress_id)
    return list(AgendaItem.objects.filter(congress=congress).order_by("position", "pk"))


@router.post("/congresses/{congress_id}/agenda", response={201: ItemOut})
def add_item(request: HttpRequest, congress_id: int, payload: ItemIn) -> Status[AgendaItem]:
    congress = _congress(request, congress_id)
    return Status(
        201,
        proceedings.add_item(
            actor=request.user,
            congress=congress,
            title=payload.title,
            description=payload.description,
            planned_minutes=payload.planned_minutes,
        ),
    )


@router.post("/agenda-items/{item_id}/{action}", response=ItemOut)
def item_action(request: HttpRequest, item_id: int, action: str) -> AgendaItem:
    item = AgendaItem.objects.select_related("congress__host").filter(pk=item_id).first()
    if item is None or action not in ("open", "close"):
        raise Http404
    _secretariat(request, item.congress)
    call = proceedings.open_item if action == "open" else proceedings.close_item
    item = call(actor=request.user, item=item)
    selectors.forget_live(item.congress_id)
    return item


@router.get("/congresses/{congress_id}/motions", response=list[MotionOut])
def list_motions(request: HttpRequest, congress_id: int) -> list[Motion]:
    congress = _congress(request, congress_id)
    return list(Motion.objects.filter(congress=congress).select_related("submitted_by_unit"))


@router.post("/congresses/{congress_id}/motions", response={201: MotionOut})
def submit_motion(request: HttpRequest, congress_id: int, payload: MotionIn) -> Status[Motion]:
    """Submitted for a delegating unit (``unit``: its officers) or, without one, by the
    secretariat."""
    congress = _congress(request, congress_id)
    unit = unit_in_scope(request.user, payload.unit, "unit") if payload.unit else None
    return Status(
        201,
        proceedings.submit_motion(
            actor=request.user,
            congress=congress,
            unit=unit,
            title=payload.title,
            text=payload.text,
            reason=payload.reason,
        ),
    )


def _motion(request: HttpRequest, motion_id: int) -> Motion:
    motion = Motion.objects.select_related("congress__host").filter(pk=motion_id).first()
    if motion is None:
        raise Http404
    _congress(request, motion.congress_id)
    return motion


@router.post("/motions/{motion_id}/amendments", response={201: MotionOut})
def amend(request: HttpRequest, motion_id: int, payload: AmendmentIn) -> Status[Motion]:
    motion = _motion(request, motion_id)
    unit = unit_in_scope(request.user, payload.unit, "unit") if payload.unit else None
    return Status(
        201,
        proceedings.submit_motion(
            actor=request.user,
            congress=motion.congress,
            unit=unit,
            title=payload.title,
            text=payload.text,
            amends=motion,
            paragraph=payload.paragraph,
        ),
    )


@router.post("/motions/{motion_id}/state", response=MotionOut)
def move_motion(request: HttpRequest, motion_id: int, payload: StateIn) -> Motion:
    motion = _motion(request, motion_id)
    return proceedings.move_motion(actor=request.user, motion=motion, state=payload.state)


@router.get("/congresses/{congress_id}/resolutions", response=list[ResolutionOut])
def resolutions(request: HttpRequest, congress_id: int) -> list[dict[str, Any]]:
    congress = _congress(request, congress_id)
    return [
        {"number": r.motion.number, "title": r.motion.title, "paragraphs": r.paragraphs}
        for r in proceedings.resolutions(congress)
    ]


@router.get("/congresses/{congress_id}/polls", response=list[PollOut])
def list_polls(request: HttpRequest, congress_id: int) -> list[Poll]:
    congress = _congress(request, congress_id)
    _secretariat(request, congress)
    return list(Poll.objects.filter(congress=congress).prefetch_related("options").order_by("pk"))


@router.post("/congresses/{congress_id}/polls", response={201: PollOut})
def create_poll(request: HttpRequest, congress_id: int, payload: PollIn) -> Status[Poll]:
    congress = _congress(request, congress_id)
    motion = None
    if payload.motion_id is not None:
        motion = _motion(request, payload.motion_id)
        if motion.congress_id != congress.pk:
            raise Http404
    return Status(
        201,
        services.create_poll(
            actor=request.user,
            congress=congress,
            title=payload.title,
            kind=payload.kind,
            secret=payload.secret,
            weighted=payload.weighted,
            options=payload.options,
            min_choices=payload.min_choices,
            max_choices=payload.max_choices,
            motion=motion,
        ),
    )


@router.get("/polls/{poll_id}", response=PollOut)
def get_poll(request: HttpRequest, poll_id: int) -> Poll:
    """A poll to its secretariat; its result once closed (published: to whoever sees the
    congress)."""
    poll = Poll.objects.select_related("congress__host").filter(pk=poll_id).first()
    if poll is None:
        raise Http404
    congress = _congress(request, poll.congress_id)
    if poll.state != PollState.PUBLISHED:
        _secretariat(request, congress)
    return poll


@router.post("/polls/{poll_id}/{action}", response=PollOut)
def poll_action(request: HttpRequest, poll_id: int, action: str) -> Poll:
    poll = selectors.get_poll_for(request.user, poll_id)
    calls = {
        "open": services.open_poll,
        "close": services.close_poll,
        "publish": services.publish_poll,
    }
    if action not in calls:
        raise Http404
    poll = calls[action](actor=request.user, poll=poll)
    selectors.forget_live(poll.congress_id)
    return poll
