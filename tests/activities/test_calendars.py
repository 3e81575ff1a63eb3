"""iCalendar feeds, parsed back with ``icalendar`` field by field: a unit's public events for
anyone, a user's units' events and a person's with the user's calendar key, and nothing of a
sibling branch's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from branchwork.activities import calendars, services
from branchwork.activities.models import Event, EventKind
from tests.conftest import MARK_B, Federation, signed_in


def make_event(federation: Federation, **kw: Any) -> Event:
    starts = kw.pop("starts_at", timezone.now().replace(microsecond=0) + dt.timedelta(days=4))
    return services.create_event(
        actor=kw.pop("actor", federation.officer_a),
        unit=kw.pop("unit", federation.a),
        kind=EventKind.objects.get(code=kw.pop("kind", "cultural")),
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        **kw,
    )


def parse(body: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(body)
    return {str(e.get("summary")): e for e in calendar.walk("VEVENT")}


def test_a_units_public_feed_holds_its_subtrees_public_events_only(
    federation: Federation,
) -> None:
    public = make_event(
        federation,
        audience="public",
        title_ja="秋祭り",
        title_ko="가을 축제",
        venue="生野公園",
        description_ja="どなたでも",
    )
    make_event(federation, title_ja="会員の集い")
    make_event(federation, unit=federation.a1, audience="public", title_ja="班の公開行事")
    response = Client().get(reverse("activities:public-unit-feed", args=["A"]) + "?lang=ja")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = parse(response.content)
    assert set(events) == {"秋祭り", "班の公開行事"}
    festival = events["秋祭り"]
    assert festival.decoded("dtstart") == public.starts_at
    assert festival.decoded("dtend") == public.ends_at
    assert str(festival.get("location")) == "生野公園"
    assert str(festival.get("description")) == "どなたでも"
    assert str(festival.get("uid")).startswith(f"event-{public.pk}@")
    assert str(festival.get("status")) == "CONFIRMED"
    korean = parse(Client().get("/units/A/events.ics?lang=ko").content)
    assert "가을 축제" in korean
    assert Client().get("/units/NOPE/events.ics").status_code == 404


def test_a_users_feeds_show_what_they_see_and_stop_when_the_key_is_renewed(
    federation: Federation,
) -> None:
    ours = make_event(federation, title_ja="A支部の会議", kind="meeting")
    make_event(federation, actor=federation.regional, unit=federation.r1, title_ja="地方本部")
    make_event(federation, actor=federation.officer_b, unit=federation.b, title_ja=f"{MARK_B}行事")
    services.register(actor=federation.officer_a, event=ours, person=federation.person_a)
    key = calendars.key_for(federation.officer_a).key
    client = Client()
    unit_feed = client.get(reverse("activities:unit-feed", args=[key, "A"]))
    assert set(parse(unit_feed.content)) == {"A支部の会議"}
    wide = client.get(reverse("activities:unit-feed", args=[key, "R1"]))
    assert wide.status_code == 404  # A's officer does not see the region's subtree
    person = client.get(reverse("activities:person-feed", args=[key, federation.person_a.pk]))
    assert set(parse(person.content)) == {"A支部の会議"}
    for url in (
        reverse("activities:unit-feed", args=[key, "B"]),
        reverse("activities:person-feed", args=[key, federation.person_b.pk]),
        reverse("activities:unit-feed", args=["not-a-key", "A"]),
    ):
        response = client.get(url)
        assert response.status_code == 404 and MARK_B not in response.content.decode(), url
    regional = calendars.key_for(federation.regional).key
    region_feed = parse(client.get(reverse("activities:unit-feed", args=[regional, "R1"])).content)
    assert {"A支部の会議", "地方本部", f"{MARK_B}行事"} <= set(region_feed)
    # A new key: the old addresses stop working.
    page = signed_in(federation.officer_a)
    assert key in page.get(reverse("activities:calendars")).content.decode()
    assert page.post(reverse("activities:calendars")).status_code == 302
    assert client.get(reverse("activities:unit-feed", args=[key, "A"])).status_code == 404
    fresh = calendars.key_for(federation.officer_a).key
    assert fresh != key
    assert client.get(reverse("activities:unit-feed", args=[fresh, "A"])).status_code == 200
