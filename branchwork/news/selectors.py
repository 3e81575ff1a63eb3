"""Reads of news, through the scoping in ``branchwork.access``.

A public bulletin is seen by everyone. A bulletin for members is seen by the users of the
units it concerns: those with a grant on its unit or below it (its subtree) and those of the
units under a unit above it (a region's news reaches its branches). A bulletin for officers is
seen the same way, by users whose grants there carry the edit permission (officers, not
read-only helpers). A bulletin not yet published, or withdrawn, is seen only by those who may
edit its unit.

Newsletters and their deliveries are seen by those with view on the sending unit; the counts
never name the recipients to anyone else.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from branchwork.access.scoping import scope_for
from branchwork.activities.selectors import paths_above

from .models import Bulletin, BulletinAudience, Delivery, DeliveryStatus, Newsletter

PUBLIC_PAGE = 10
MORE_FROM_UNIT = 5
FEED_ITEMS = 30


def _concerned(user: Any, perm: str) -> Q:
    cond = scope_for(user).q(perm, "unit__path")
    above = paths_above(user, perm)
    if above:
        cond |= Q(unit__path__in=above)
    return cond


def visible_bulletins(user: Any) -> QuerySet[Bulletin]:
    now = timezone.now()
    live = Q(withdrawn_at__isnull=True, published_at__lte=now)
    readable = (
        Q(audience=BulletinAudience.PUBLIC)
        | (Q(audience=BulletinAudience.MEMBERS) & _concerned(user, "view"))
        | (Q(audience=BulletinAudience.OFFICERS) & _concerned(user, "edit"))
    )
    editable = scope_for(user).q("edit", "unit__path")
    return Bulletin.objects.filter((live & readable) | editable).select_related("unit")


def get_bulletin_for(user: Any, pk: int) -> Bulletin:
    bulletin = visible_bulletins(user).filter(pk=pk).first()
    if bulletin is None:
        raise Http404
    return bulletin


def public_bulletins() -> QuerySet[Bulletin]:
    """The named public door for news: public bulletins that are published and not withdrawn."""
    return Bulletin.objects.filter(
        audience=BulletinAudience.PUBLIC,
        withdrawn_at__isnull=True,
        published_at__lte=timezone.now(),
    ).select_related("unit")


def visible_newsletters(user: Any) -> QuerySet[Newsletter]:
    return scope_for(user).filter(Newsletter.objects.all(), "view").select_related("unit")


def get_newsletter_for(user: Any, pk: int) -> Newsletter:
    newsletter = visible_newsletters(user).filter(pk=pk).first()
    if newsletter is None:
        raise Http404
    return newsletter


def delivery_counts(newsletter: Newsletter) -> dict[str, int]:
    """How many deliveries are in each state (every state present, zero when none)."""
    rows = newsletter.deliveries.values("status").annotate(n=Count("pk")).order_by()
    counts = dict.fromkeys(DeliveryStatus.values, 0)
    for row in rows:
        counts[row["status"]] = row["n"]
    counts["total"] = sum(counts[s] for s in DeliveryStatus.values)
    return counts


def unknown_deliveries(newsletter: Newsletter) -> QuerySet[Delivery]:
    """The recipients whose message may or may not have gone: listed for a person to check."""
    return newsletter.deliveries.filter(status=DeliveryStatus.UNKNOWN).select_related("person")
