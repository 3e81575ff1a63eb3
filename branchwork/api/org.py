"""Units, territories and officers over the API. Thin: selectors and services do the work."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from branchwork.access.scoping import scope_for
from branchwork.core.errors import invalid
from branchwork.org import selectors, services
from branchwork.org.models import PostType, Term, TerritoryArea, Unit
from branchwork.people.selectors import person_in_scope

from .schemas import (
    MergeIn,
    PostIn,
    PostOut,
    TermEndIn,
    TermIn,
    TermOut,
    TerritoryIn,
    TerritoryOut,
    UnitCardOut,
    UnitIn,
    UnitOut,
    UnitPatch,
)

router = Router(tags=["units"])


def unit_out(unit: Unit) -> dict[str, object]:
    return {
        "code": unit.code,
        "kind": unit.kind,
        "name_ko": unit.name_ko,
        "name_ja": unit.name_ja,
        "name_en": unit.name_en,
        "public_phone": unit.public_phone,
        "public_email": unit.public_email,
        "parent": unit.parent.code if unit.parent else None,
        "depth": unit.depth,
        "status": unit.status,
        "status_date": unit.status_date,
        "merged_into": unit.merged_into.code if unit.merged_into else None,
        "postal_code": unit.postal_code,
        "address": unit.address,
        "full": True,
    }


def _post_type(code: str) -> PostType:
    post_type = PostType.objects.filter(code=code).first()
    if post_type is None:
        raise invalid("post_type", _("Unknown post."))
    return post_type


@router.get("/units", response=list[UnitOut])
@paginate(LimitOffsetPagination)
def list_units(request: HttpRequest, under: str | None = None, kind: str | None = None):  # type: ignore[no-untyped-def]
    qs = selectors.visible_units(request.user).select_related("parent", "merged_into")
    if under:
        qs = qs.filter(path__startswith=selectors.get_unit_for(request.user, under).path)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("path")


@router.get("/units/{code}", response={200: UnitOut | UnitCardOut})
def get_unit(request: HttpRequest, code: str) -> dict[str, object]:
    view = selectors.get_unit(request.user, code)
    if not view.full:
        u = view.unit
        return {
            "code": u.code,
            "kind": u.kind,
            "name_ko": u.name_ko,
            "name_ja": u.name_ja,
            "name_en": u.name_en,
            "public_phone": u.public_phone,
            "public_email": u.public_email,
            "full": False,
        }
    return unit_out(view.unit)


@router.post("/units", response={201: UnitOut})
def create_unit(request: HttpRequest, payload: UnitIn) -> Status[dict[str, object]]:
    parent = selectors.get_unit_for(request.user, payload.parent)
    data = payload.dict(exclude={"parent"})
    unit = services.create_unit(actor=request.user, parent=parent, **data)
    return Status(201, unit_out(unit))


@router.patch("/units/{code}", response=UnitOut)
def update_unit(request: HttpRequest, code: str, payload: UnitPatch) -> dict[str, object]:
    unit = selectors.get_unit_for(request.user, code)
    values = {k: v for k, v in payload.dict(exclude={"parent"}).items() if v is not None}
    services.update_unit(actor=request.user, unit=unit, **values)
    if payload.parent is not None:
        new_parent = selectors.unit_in_scope(request.user, payload.parent, "parent")
        services.move_unit(actor=request.user, unit=unit, new_parent=new_parent)
    unit = Unit.objects.select_related("parent", "merged_into").get(pk=unit.pk)
    return unit_out(unit)


@router.post("/units/{code}/merge", response=UnitOut)
def merge_unit(request: HttpRequest, code: str, payload: MergeIn) -> dict[str, object]:
    source = selectors.get_unit_for(request.user, code)
    target = selectors.get_unit_for(request.user, payload.target)
    services.merge_units(actor=request.user, source=source, target=target, on=payload.on)
    return unit_out(Unit.objects.select_related("parent", "merged_into").get(pk=target.pk))


@router.get("/units/{code}/territory", response=list[TerritoryOut], tags=["territories"])
def list_territory(request: HttpRequest, code: str) -> list[dict[str, object]]:
    unit = selectors.get_unit_for(request.user, code)
    return [
        {"id": a.pk, "unit": unit.code, "kind": a.kind, "value": a.value, "label": a.label}
        for a in selectors.territory(unit)
    ]


@router.post("/units/{code}/territory", response={201: TerritoryOut}, tags=["territories"])
def add_territory(
    request: HttpRequest, code: str, payload: TerritoryIn
) -> Status[dict[str, object]]:
    unit = selectors.get_unit_for(request.user, code)
    area = services.add_territory(
        actor=request.user, unit=unit, kind=payload.kind, value=payload.value, label=payload.label
    )
    return Status(
        201,
        {
            "id": area.pk,
            "unit": unit.code,
            "kind": area.kind,
            "value": area.value,
            "label": area.label,
        },
    )


@router.delete("/units/{code}/territory/{area_id}", response={204: None}, tags=["territories"])
def remove_territory(request: HttpRequest, code: str, area_id: int) -> Status[None]:
    unit = selectors.get_unit_for(request.user, code)
    area = get_object_or_404(TerritoryArea.objects.select_related("unit"), unit=unit, pk=area_id)
    services.remove_territory(actor=request.user, area=area)
    return Status(204, None)


@router.get("/units/{code}/posts", response=list[PostOut], tags=["officers"])
def list_posts(request: HttpRequest, code: str) -> list[dict[str, object]]:
    unit = selectors.get_unit_for(request.user, code)
    posts, _ending = selectors.officers(unit)
    return [
        {
            "post_type": s.post.post_type.code,
            "seats": s.post.seats,
            "holders": len(s.holders),
            "vacancies": s.vacancies,
        }
        for s in posts
    ]


@router.put("/units/{code}/posts", response=PostOut, tags=["officers"])
def set_post(request: HttpRequest, code: str, payload: PostIn) -> dict[str, object]:
    unit = selectors.get_unit_for(request.user, code)
    post_type = _post_type(payload.post_type)
    post = services.set_post(
        actor=request.user, unit=unit, post_type=post_type, seats=payload.seats
    )
    held = Term.objects.current().filter(unit=unit, post_type=post_type).count()
    return {
        "post_type": post_type.code,
        "seats": post.seats,
        "holders": held,
        "vacancies": max(post.seats - held, 0),
    }


@router.get("/units/{code}/terms", response=list[TermOut], tags=["officers"])
@paginate(LimitOffsetPagination)
def list_terms(request: HttpRequest, code: str, current: bool = False):  # type: ignore[no-untyped-def]
    unit = selectors.get_unit_for(request.user, code)
    qs = Term.objects.filter(unit=unit)
    if current:
        qs = qs.current()
    return qs.select_related("unit", "origin_unit", "post_type", "person").order_by("-start", "id")


@router.post("/units/{code}/terms", response={201: TermOut}, tags=["officers"])
def appoint(request: HttpRequest, code: str, payload: TermIn) -> Status[Term]:
    unit = selectors.get_unit_for(request.user, code)
    post_type = _post_type(payload.post_type)
    person = person_in_scope(request.user, payload.person_id, "person_id")
    term = services.appoint(
        actor=request.user,
        unit=unit,
        post_type=post_type,
        person=person,
        start=payload.start,
        end=payload.end,
    )
    return Status(201, term)


@router.post("/units/{code}/terms/{term_id}/end", response=TermOut, tags=["officers"])
def end_term(request: HttpRequest, code: str, term_id: int, payload: TermEndIn) -> Term:
    unit = selectors.get_unit_for(request.user, code)
    term = get_object_or_404(
        Term.objects.select_related("unit", "origin_unit", "post_type", "person"),
        unit=unit,
        pk=term_id,
    )
    services.end_term(actor=request.user, term=term, end=payload.end)
    return term


__all__ = ["router", "scope_for"]
