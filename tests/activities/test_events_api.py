"""Events over the API: the same rules and the same scoping as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.utils import timezone

from branchwork.access.services import create_api_token
from branchwork.activities import services
from branchwork.activities.models import Event, EventKind
from tests.conftest import MARK_B, Federation


def api_for(user: Any) -> tuple[Client, dict[str, str]]:
    token = create_api_token(user=user, name="t", days=1)[1]
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_make_an_event_register_and_check_in_over_the_api(federation: Federation) -> None:
    client, auth = api_for(federation.officer_a)
    starts = timezone.now() + dt.timedelta(days=2)
    body = {
        "unit": "A",
        "kind": "language_class",
        "title_ko": "우리말 교실",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(hours=1)).isoformat(),
        "capacity": 1,
    }
    made = client.post("/api/v1/events", body, content_type="application/json", **auth)
    assert made.status_code == 201, made.content
    event = made.json()
    assert event["unit"] == "A" and event["kind"] == "language_class" and event["capacity"] == 1
    wrong = client.post(
        "/api/v1/events",
        {**body, "ends_at": (starts - dt.timedelta(hours=1)).isoformat()},
        content_type="application/json",
        **auth,
    )
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["body", "ends_at"]
    registered = client.post(
        f"/api/v1/events/{event['id']}/registrations",
        {"person_id": federation.person_a.pk},
        content_type="application/json",
        **auth,
    )
    assert registered.status_code == 201 and registered.json()["status"] == "registered"
    code = services.register(
        actor=federation.officer_a,
        event=Event.objects.get(pk=event["id"]),
        person=federation.person_a,
    ).code
    forged = client.post(
        f"/api/v1/events/{event['id']}/check-in",
        {"code": "forged"},
        content_type="application/json",
        **auth,
    )
    assert forged.status_code == 422
    present = client.post(
        f"/api/v1/events/{event['id']}/check-in",
        {"code": code},
        content_type="application/json",
        **auth,
    )
    assert present.status_code == 200 and present.json()["attended"] is True
    listed = client.get("/api/v1/events?unit=A", **auth).json()
    assert [e["id"] for e in listed["items"]] == [event["id"]]


def test_the_api_shows_no_other_branchs_events_or_people(federation: Federation) -> None:
    starts = timezone.now() + dt.timedelta(days=3)
    kind = EventKind.objects.get(code="meeting")
    private_b = services.create_event(
        actor=federation.officer_b,
        unit=federation.b,
        kind=kind,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        title_ja=f"{MARK_B}会議",
    )
    regional = services.create_event(
        actor=federation.regional,
        unit=federation.r1,
        kind=kind,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        title_ja="地方会議",
    )
    services.register(actor=federation.officer_b, event=regional, person=federation.person_b)
    client, auth = api_for(federation.officer_a)
    for url in (
        f"/api/v1/events/{private_b.pk}",
        f"/api/v1/events/{private_b.pk}/registrations",
        "/api/v1/events?unit=B",
    ):
        assert client.get(url, **auth).status_code == 404, url
    for url in ("/api/v1/events", f"/api/v1/events/{regional.pk}/registrations"):
        response = client.get(url, **auth)
        assert response.status_code == 200 and MARK_B not in response.content.decode(), url
    assert client.get(f"/api/v1/events/{regional.pk}/registrations", **auth).json()["count"] == 0
    refused = client.post(
        f"/api/v1/events/{regional.pk}/registrations",
        {"person_id": federation.person_b.pk},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 422 and MARK_B not in refused.content.decode()
    assert (
        client.post(
            f"/api/v1/events/{regional.pk}/check-in",
            {"code": "x"},
            content_type="application/json",
            **auth,
        ).status_code
        == 403
    )
