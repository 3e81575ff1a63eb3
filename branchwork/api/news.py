"""News over the API: bulletins (listing what the caller may read, writing, withdrawing) and
newsletters (drafting, the segment's count, queueing the send, the delivery counts). Same
scoping and rules as the pages."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from branchwork.news import selectors, services
from branchwork.news.models import Bulletin
from branchwork.org.selectors import get_unit_for, unit_in_scope

router = Router(tags=["news"])


class BulletinOut(Schema):
    id: int
    unit: str
    audience: str
    title: str
    title_ko: str
    title_ja: str
    title_en: str
    description_ko: str
    description_ja: str
    description_en: str
    published_at: dt.datetime
    withdrawn: bool

    @staticmethod
    def resolve_unit(obj: Bulletin) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_withdrawn(obj: Bulletin) -> bool:
        return obj.withdrawn_at is not None


class BulletinIn(Schema):
    unit: str
    audience: str = Field("members", pattern=r"^(public|members|officers)$")
    title_ko: str = Field("", max_length=200)
    title_ja: str = Field("", max_length=200)
    title_en: str = Field("", max_length=200)
    description_ko: str = Field("", max_length=services.TEXT_MAX)
    description_ja: str = Field("", max_length=services.TEXT_MAX)
    description_en: str = Field("", max_length=services.TEXT_MAX)
    published_at: dt.datetime | None = None


def _texts(payload: BulletinIn) -> dict[str, str]:
    return {f: getattr(payload, f) for f in services.TEXT_FIELDS}


@router.get("/news", response=list[BulletinOut])
@paginate(LimitOffsetPagination)
def list_news(request: HttpRequest, unit: str | None = None):  # type: ignore[no-untyped-def]
    """The bulletins the caller may read (of ``unit`` and its subtree when given), newest first."""
    bulletins = selectors.visible_bulletins(request.user)
    if unit:
        bulletins = bulletins.filter(unit__path__startswith=get_unit_for(request.user, unit).path)
    return bulletins.order_by("-published_at", "-pk")


@router.get("/news/{bulletin_id}", response=BulletinOut)
def get_news(request: HttpRequest, bulletin_id: int) -> Bulletin:
    return selectors.get_bulletin_for(request.user, bulletin_id)


@router.post("/news", response={201: BulletinOut})
def publish(request: HttpRequest, payload: BulletinIn) -> Status[Bulletin]:
    unit = unit_in_scope(request.user, payload.unit, "unit")
    bulletin = services.publish_bulletin(
        actor=request.user,
        unit=unit,
        audience=payload.audience,
        published_at=payload.published_at,
        **_texts(payload),
    )
    return Status(201, bulletin)


@router.post("/news/{bulletin_id}/withdraw", response=BulletinOut)
def withdraw(request: HttpRequest, bulletin_id: int) -> Bulletin:
    bulletin = selectors.get_bulletin_for(request.user, bulletin_id)
    return services.withdraw_bulletin(actor=request.user, bulletin=bulletin)
