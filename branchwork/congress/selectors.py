"""Reading congresses: which a user sees, the delegates of their units, and the live status the
hall's phones and the projector poll."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from branchwork.access.scoping import scope_for
from branchwork.org.models import PATH_STEP

from . import proceedings, services
from .models import Congress, Delegate, ItemState, Participation, Poll, PollState


def _ancestor_paths(paths: list[str]) -> set[str]:
    return {p[:i] for p in paths for i in range(PATH_STEP, len(p) + 1, PATH_STEP)}


def visible_congresses(user: Any) -> QuerySet[Congress]:
    """Congresses held by a unit the user sees, or by a unit above theirs (a branch's officers
    see the congress their branch sends delegates to)."""
    scope = scope_for(user)
    qs = Congress.objects.select_related("host")
    if scope.superuser:
        return qs
    paths = scope.paths("view")
    if not paths:
        return qs.none()
    return qs.filter(Q(host__path__in=_ancestor_paths(paths)) | scope.q("view", "host__path"))


def get_congress_for(user: Any, pk: int) -> Congress:
    congress = visible_congresses(user).filter(pk=pk).first()
    if congress is None:
        raise Http404
    return congress


def visible_delegates(user: Any, congress: Congress) -> QuerySet[Delegate]:
    """The congress's delegates from the user's units (all of them for the host's officers)."""
    return scope_for(user).filter(
        Delegate.objects.filter(congress=congress).select_related("person", "unit")
    )


def get_poll_for(user: Any, pk: int, perm: str = "admin") -> Poll:
    poll = Poll.objects.select_related("congress__host").filter(pk=pk).first()
    if poll is None or not scope_for(user).has(perm, poll.congress.host):
        raise Http404
    return poll


# --------------------------------------------------------------------------------------------
# The live status: built at most once a second per process, whatever the number of phones.

LIVE_SECONDS = 1.0
_live: dict[int, tuple[float, bytes, str]] = {}
_live_lock = threading.Lock()


def live_status(congress_id: int) -> tuple[bytes, str]:
    """The congress's status as JSON and its ETag: the quorum, the current item and its
    speakers, the open polls' progress and the published results. Names shown are delegates'
    (the hall sees them on the projector); nothing else about a person."""
    now = time.monotonic()
    hit = _live.get(congress_id)
    if hit is not None and now - hit[0] < LIVE_SECONDS:
        return hit[1], hit[2]
    with _live_lock:
        hit = _live.get(congress_id)
        if hit is not None and now - hit[0] < LIVE_SECONDS:
            return hit[1], hit[2]
        body = json.dumps(_build_status(congress_id), ensure_ascii=False).encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        _live[congress_id] = (time.monotonic(), body, etag)
        return body, etag


def forget_live(congress_id: int) -> None:
    _live.pop(congress_id, None)


def _build_status(congress_id: int) -> dict[str, Any]:
    congress = Congress.objects.select_related("current_item").filter(pk=congress_id).first()
    if congress is None:
        return {}
    item = congress.current_item
    speakers: list[dict[str, Any]] = []
    if item is not None and item.state == ItemState.CURRENT:
        for s in proceedings.waiting(item)[:10]:
            speakers.append(
                {
                    "name": str(s.delegate.person),
                    "unit": s.delegate.unit.name,
                    "kind": s.kind,
                    "started": s.started_at.isoformat() if s.started_at else None,
                }
            )
    progress = {
        row["poll"]: (row["n"], row["w"] or 0)
        for row in Participation.objects.filter(poll__congress=congress, poll__state=PollState.OPEN)
        .values("poll")
        .annotate(n=Count("pk"), w=Sum("weight"))
        .order_by()
    }
    polls = []
    for poll in Poll.objects.filter(
        congress=congress, state__in=[PollState.OPEN, PollState.PUBLISHED]
    ).order_by("-pk")[:5]:
        entry: dict[str, Any] = {"id": poll.pk, "title": poll.title, "state": poll.state}
        if poll.state == PollState.OPEN:
            entry["voted"], entry["voted_weight"] = progress.get(poll.pk, (0, 0))
        else:
            entry["result"] = poll.result
        polls.append(entry)
    return {
        "congress": congress.pk,
        "title": congress.title,
        "quorum": services.quorum(congress),
        "item": {"title": str(item), "state": item.state} if item else None,
        "speakers": speakers,
        "speaking_seconds": congress.speaking_seconds,
        "polls": polls,
    }
