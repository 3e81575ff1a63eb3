"""Recurring classes: a series of sessions made from the event form and over the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from branchwork.access.services import create_api_token
from branchwork.activities.models import Event, EventKind, EventSeries
from tests.conftest import Federation, signed_in


def _form(**kw: Any) -> dict[str, Any]:
    starts = timezone.localtime() + dt.timedelta(days=3)
    data = {
        "kind": EventKind.objects.get(code="language_class").pk,
        "title_ko": "어린이 우리말 교실",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "audience": "members",
    }
    data.update(kw)
    return data


def test_a_weekly_class_from_the_event_form(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    url = reverse("activities:event-create", args=["A"])
    done = client.post(url, _form(sessions=4, every_days=7))
    series = EventSeries.objects.get()
    sessions = list(Event.objects.filter(series=series).order_by("starts_at"))
    assert len(sessions) == 4
    assert done["Location"] == reverse("activities:event", args=[sessions[0].pk])
    gaps = {(b.starts_at - a.starts_at) for a, b in zip(sessions, sessions[1:], strict=False)}
    assert gaps == {dt.timedelta(days=7)}
    assert {s.ends_at - s.starts_at for s in sessions} == {dt.timedelta(hours=1)}
    page = client.get(reverse("activities:event", args=[sessions[1].pk])).content.decode()
    for s in sessions:
        if s != sessions[1]:
            assert reverse("activities:event", args=[s.pk]) in page
    # Too many sessions, or an end before the start: nothing is made.
    assert client.post(url, _form(sessions=61)).status_code == 200
    starts = timezone.localtime() + dt.timedelta(days=3)
    backwards = _form(
        sessions=3, ends_at=(starts - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    assert client.post(url, backwards).status_code == 200
    assert EventSeries.objects.count() == 1 and Event.objects.count() == 4


def test_a_class_over_the_api(federation: Federation) -> None:
    token = create_api_token(user=federation.officer_a, name="t", days=1)[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    starts = timezone.now() + dt.timedelta(days=2)
    made = Client().post(
        "/api/v1/events",
        {
            "unit": "A",
            "kind": "language_class",
            "title_ja": "大人のウリマル教室",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(hours=2)).isoformat(),
            "sessions": 3,
            "every_days": 14,
        },
        content_type="application/json",
        **auth,
    )
    assert made.status_code == 201, made.content
    series_id = made.json()["series_id"]
    assert series_id is not None
    assert Event.objects.filter(series_id=series_id).count() == 3
    wrong = Client().post(
        "/api/v1/events",
        {
            "unit": "B",
            "kind": "language_class",
            "title_ja": "x",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(hours=2)).isoformat(),
            "sessions": 3,
        },
        content_type="application/json",
        **auth,
    )
    assert wrong.status_code in (403, 422) and Event.objects.count() == 3
