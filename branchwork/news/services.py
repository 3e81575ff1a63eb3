"""Writes to news: publishing, changing and withdrawing a bulletin. Each needs edit on the
unit and is audited (ids and field names, never the text)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.org.models import Unit, UnitKind

from .models import Bulletin, BulletinAudience, MembershipFilter, Newsletter, NewsletterStatus

TITLE_FIELDS = ("title_ko", "title_ja", "title_en")
TEXT_FIELDS = (*TITLE_FIELDS, "description_ko", "description_ja", "description_en")
TEXT_MAX = 5000
SCHEDULE_MAX_DAYS = 366


def _check(texts: dict[str, str], audience: str, published_at: dt.datetime | None) -> None:
    unknown = set(texts) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown bulletin fields: {sorted(unknown)}")
    if not any((texts.get(f) or "").strip() for f in TITLE_FIELDS):
        raise invalid("title_ja", _("Give the bulletin a title in at least one language."))
    for lang in ("ko", "ja", "en"):
        if (texts.get(f"title_{lang}") or "").strip() and not (
            texts.get(f"description_{lang}") or ""
        ).strip():
            raise invalid(
                f"description_{lang}", _("Write the text in each language you gave a title in.")
            )
        if len(texts.get(f"description_{lang}") or "") > TEXT_MAX:
            raise invalid(
                f"description_{lang}",
                _("Keep a bulletin to %(max)s characters.") % {"max": TEXT_MAX},
            )
    if audience not in BulletinAudience.values:
        raise invalid("audience", _("Choose who the bulletin is for."))
    if published_at is not None and published_at > timezone.now() + dt.timedelta(
        days=SCHEDULE_MAX_DAYS
    ):
        raise invalid("published_at", _("A bulletin can be scheduled at most a year ahead."))


@transaction.atomic
def publish_bulletin(
    *,
    actor: Any,
    unit: Unit,
    audience: str = BulletinAudience.MEMBERS,
    published_at: dt.datetime | None = None,
    **texts: str,
) -> Bulletin:
    """A bulletin of ``unit`` (any level), shown from ``published_at`` (now when empty)."""
    if not scope_for(actor).has("edit", unit):
        raise PermissionDeniedError("edit")
    if not unit.is_active:
        raise invalid("unit", _("This unit is no longer active (merged or dissolved)."))
    _check(texts, audience, published_at)
    bulletin = Bulletin.objects.create(
        unit=unit,
        audience=audience,
        published_at=published_at or timezone.now(),
        created_by=actor if getattr(actor, "pk", None) else None,
        **{f: (texts.get(f) or "").strip() for f in TEXT_FIELDS},
    )
    audit.record(
        actor=actor,
        action="create",
        obj=bulletin,
        unit_id=unit.pk,
        fields=["audience", "published_at", *(f for f in TEXT_FIELDS if texts.get(f))],
    )
    return bulletin


@transaction.atomic
def update_bulletin(
    *,
    actor: Any,
    bulletin: Bulletin,
    audience: str,
    published_at: dt.datetime | None = None,
    **texts: str,
) -> Bulletin:
    if not scope_for(actor).has("edit", bulletin.unit):
        raise PermissionDeniedError("edit")
    _check(texts, audience, published_at)
    changed = []
    values: dict[str, Any] = {f: (texts.get(f) or "").strip() for f in TEXT_FIELDS}
    values["audience"] = audience
    values["published_at"] = published_at or bulletin.published_at
    for field, value in values.items():
        if getattr(bulletin, field) != value:
            setattr(bulletin, field, value)
            changed.append(field)
    if changed:
        bulletin.save(update_fields=[*changed, "updated_at"])
        audit.record(
            actor=actor, action="update", obj=bulletin, unit_id=bulletin.unit_id, fields=changed
        )
    return bulletin


@transaction.atomic
def withdraw_bulletin(*, actor: Any, bulletin: Bulletin) -> Bulletin:
    """Take a bulletin off the pages and the feed; it is kept, and its unit's editors still
    see it (marked withdrawn)."""
    if not scope_for(actor).has("edit", bulletin.unit):
        raise PermissionDeniedError("edit")
    if bulletin.withdrawn_at is None:
        bulletin.withdrawn_at = timezone.now()
        bulletin.save(update_fields=["withdrawn_at", "updated_at"])
        audit.record(
            actor=actor,
            action="update",
            obj=bulletin,
            unit_id=bulletin.unit_id,
            fields=["withdrawn_at"],
        )
    return bulletin


# --------------------------------------------------------------------------------------------
# Newsletters (drafts; queueing and sending are in ``sending``)
# --------------------------------------------------------------------------------------------

AFFILIATE_KINDS = (
    UnitKind.WOMENS_UNION,
    UnitKind.YOUTH_LEAGUE,
    UnitKind.BUSINESS_ASSOCIATION,
)
SEGMENT_FIELDS = ("membership", "age_min", "age_max", "min_level", "affiliate")
AGE_MAX = 120


def _check_newsletter(actor: Any, texts: dict[str, str], segment: dict[str, Any]) -> None:
    unknown = set(texts) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown newsletter fields: {sorted(unknown)}")
    if not any((texts.get(f) or "").strip() for f in TITLE_FIELDS):
        raise invalid("title_ja", _("Give the newsletter a subject in at least one language."))
    for lang in ("ko", "ja", "en"):
        if (texts.get(f"title_{lang}") or "").strip() and not (
            texts.get(f"description_{lang}") or ""
        ).strip():
            raise invalid(
                f"description_{lang}", _("Write the text in each language you gave a subject in.")
            )
    if segment.get("membership", "any") not in MembershipFilter.values:
        raise invalid("membership", _("Choose whom the newsletter goes to."))
    low, high = segment.get("age_min"), segment.get("age_max")
    for field, age in (("age_min", low), ("age_max", high)):
        if age is not None and not 0 <= age <= AGE_MAX:
            raise invalid(field, _("Give an age from 0 to %(max)s.") % {"max": AGE_MAX})
    if low is not None and high is not None and high < low:
        raise invalid("age_max", _("The upper age is below the lower one."))
    level = segment.get("min_level")
    if level is not None and not 0 <= level <= 4:
        raise invalid("min_level", _("Choose a step of the participation ladder."))
    affiliate = segment.get("affiliate")
    if affiliate is not None and (
        affiliate.kind not in AFFILIATE_KINDS or not scope_for(actor).has("view", affiliate)
    ):
        raise invalid("affiliate", _("Choose an affiliated body of your units."))


@transaction.atomic
def draft_newsletter(*, actor: Any, unit: Unit, **fields: Any) -> Newsletter:
    """A newsletter of ``unit`` to the people under it, kept as a draft until it is sent."""
    if not scope_for(actor).has("edit", unit):
        raise PermissionDeniedError("edit")
    if not unit.is_active:
        raise invalid("unit", _("This unit is no longer active (merged or dissolved)."))
    texts = {k: v for k, v in fields.items() if k not in SEGMENT_FIELDS}
    segment = {k: v for k, v in fields.items() if k in SEGMENT_FIELDS}
    _check_newsletter(actor, texts, segment)
    newsletter = Newsletter.objects.create(
        unit=unit,
        created_by=actor if getattr(actor, "pk", None) else None,
        **{f: (texts.get(f) or "").strip() for f in TEXT_FIELDS},
        **segment,
    )
    audit.record(
        actor=actor,
        action="create",
        obj=newsletter,
        unit_id=unit.pk,
        fields=[*segment, *(f for f in TEXT_FIELDS if texts.get(f))],
    )
    return newsletter


@transaction.atomic
def update_newsletter(*, actor: Any, newsletter: Newsletter, **fields: Any) -> Newsletter:
    newsletter = Newsletter.objects.select_for_update(of=("self",)).get(pk=newsletter.pk)
    if not scope_for(actor).has("edit", newsletter.unit):
        raise PermissionDeniedError("edit")
    if newsletter.status != NewsletterStatus.DRAFT:
        raise invalid("status", _("A newsletter that is sent or being sent cannot be changed."))
    texts = {k: v for k, v in fields.items() if k not in SEGMENT_FIELDS}
    segment = {k: v for k, v in fields.items() if k in SEGMENT_FIELDS}
    _check_newsletter(actor, texts, segment)
    values: dict[str, Any] = {f: (texts.get(f) or "").strip() for f in TEXT_FIELDS}
    values.update({f: segment.get(f, None if f != "membership" else "any") for f in SEGMENT_FIELDS})
    changed = [f for f, v in values.items() if getattr(newsletter, f) != v]
    for field in changed:
        setattr(newsletter, field, values[field])
    if changed:
        newsletter.save(update_fields=changed)
        audit.record(
            actor=actor, action="update", obj=newsletter, unit_id=newsletter.unit_id, fields=changed
        )
    return newsletter
