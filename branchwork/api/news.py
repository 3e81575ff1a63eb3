"""News over the API: bulletins (listing what the caller may read, writing, withdrawing) and
newsletters (drafting, the segment's count, queueing the send, the delivery counts). Same
scoping and rules as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from branchwork.news import selectors, sending, services
from branchwork.news.models import Bulletin, Newsletter
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


# --------------------------------------------------------------------------------------------
# Newsletters
# --------------------------------------------------------------------------------------------


class NewsletterOut(Schema):
    id: int
    unit: str
    status: str
    title: str
    title_ko: str
    title_ja: str
    title_en: str
    description_ko: str
    description_ja: str
    description_en: str
    membership: str
    age_min: int | None
    age_max: int | None
    min_level: int | None
    affiliate: str | None
    queued_at: dt.datetime | None
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_unit(obj: Newsletter) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_affiliate(obj: Newsletter) -> str | None:
        return obj.affiliate.code if obj.affiliate is not None else None


class NewsletterIn(Schema):
    unit: str
    title_ko: str = Field("", max_length=200)
    title_ja: str = Field("", max_length=200)
    title_en: str = Field("", max_length=200)
    description_ko: str = Field("", max_length=services.TEXT_MAX)
    description_ja: str = Field("", max_length=services.TEXT_MAX)
    description_en: str = Field("", max_length=services.TEXT_MAX)
    membership: str = Field("any", pattern=r"^(any|members|non_members)$")
    age_min: int | None = Field(None, ge=0, le=services.AGE_MAX)
    age_max: int | None = Field(None, ge=0, le=services.AGE_MAX)
    min_level: int | None = Field(None, ge=0, le=4)
    affiliate: str | None = None


class CountsOut(Schema):
    status: str
    total: int
    pending: int
    sending: int
    sent: int
    bounced: int
    failed: int
    skipped: int
    unknown: int


class PreviewOut(Schema):
    segment: int
    recipients: int


@router.get("/newsletters", response=list[NewsletterOut])
@paginate(LimitOffsetPagination)
def list_newsletters(request: HttpRequest, unit: str | None = None):  # type: ignore[no-untyped-def]
    newsletters = selectors.visible_newsletters(request.user).select_related("affiliate")
    if unit:
        newsletters = newsletters.filter(
            unit__path__startswith=get_unit_for(request.user, unit).path
        )
    return newsletters.order_by("-created_at", "-pk")


@router.get("/newsletters/{newsletter_id}", response=NewsletterOut)
def get_newsletter(request: HttpRequest, newsletter_id: int) -> Newsletter:
    return selectors.get_newsletter_for(request.user, newsletter_id)


@router.post("/newsletters", response={201: NewsletterOut})
def draft_newsletter(request: HttpRequest, payload: NewsletterIn) -> Status[Newsletter]:
    unit = unit_in_scope(request.user, payload.unit, "unit")
    affiliate = (
        unit_in_scope(request.user, payload.affiliate, "affiliate") if payload.affiliate else None
    )
    fields = payload.dict(exclude={"unit", "affiliate"})
    newsletter = services.draft_newsletter(
        actor=request.user, unit=unit, affiliate=affiliate, **fields
    )
    return Status(201, newsletter)


@router.get("/newsletters/{newsletter_id}/preview", response=PreviewOut)
def preview(request: HttpRequest, newsletter_id: int) -> dict[str, int]:
    """How many people the segment holds, and how many of them may receive it."""
    newsletter = selectors.get_newsletter_for(request.user, newsletter_id)
    return sending.preview(request.user, newsletter)


@router.post("/newsletters/{newsletter_id}/send", response=CountsOut)
def send(request: HttpRequest, newsletter_id: int) -> dict[str, Any]:
    """Queue the send (the task worker sends it); the counts as they stand."""
    newsletter = selectors.get_newsletter_for(request.user, newsletter_id)
    sending.queue(actor=request.user, newsletter=newsletter)
    newsletter.refresh_from_db()
    return {"status": newsletter.status, **selectors.delivery_counts(newsletter)}


@router.get("/newsletters/{newsletter_id}/counts", response=CountsOut)
def counts(request: HttpRequest, newsletter_id: int) -> dict[str, Any]:
    newsletter = selectors.get_newsletter_for(request.user, newsletter_id)
    return {"status": newsletter.status, **selectors.delivery_counts(newsletter)}
