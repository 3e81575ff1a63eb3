"""The event pages: making an event, registering people, the door's check-in page and the QR
code, and that no page shows another branch's private events or people."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.urls import reverse
from django.utils import timezone

from branchwork.activities import services
from branchwork.activities.models import Event, EventKind, Registration
from tests.conftest import MARK_B, Federation, make_person, signed_in


def make_event(federation: Federation, **kw: Any) -> Event:
    starts = timezone.now() + dt.timedelta(days=5)
    return services.create_event(
        actor=kw.pop("actor", federation.officer_a),
        unit=kw.pop("unit", federation.a),
        kind=EventKind.objects.get(code="cultural"),
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        title_ja=kw.pop("title_ja", "秋の公演"),
        **kw,
    )


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_an_officer_makes_an_event_and_registers_people_up_to_capacity(
    federation: Federation,
) -> None:
    client = signed_in(federation.officer_a)
    url = reverse("activities:event-create", args=[federation.a.code])
    starts = timezone.now() + dt.timedelta(days=3)
    form = {
        "kind": EventKind.objects.get(code="sport").pk,
        "title_ja": "運動会",
        "starts_at": local(starts),
        "ends_at": local(starts - dt.timedelta(hours=1)),
        "audience": "members",
        "capacity": "1",
    }
    bad = client.post(url, form)
    assert bad.status_code == 200 and not Event.objects.exists()
    assert "error" in bad.content.decode()
    form["ends_at"] = local(starts + dt.timedelta(hours=4))
    made = client.post(url, form)
    event = Event.objects.get()
    assert made.status_code == 302 and made.url == reverse("activities:event", args=[event.pk])
    assert event.capacity == 1 and event.title_ja == "運動会"
    page = reverse("activities:event", args=[event.pk])
    other = make_person(federation.a)
    assert client.post(page, {"person": federation.person_a.pk}).status_code == 302
    assert client.post(page, {"person": other.pk}).status_code == 302
    statuses = dict(Registration.objects.values_list("person_id", "status"))
    assert statuses == {federation.person_a.pk: "registered", other.pk: "waiting"}
    refused = client.post(page, {"person": federation.person_b.pk})
    assert refused.status_code == 200 and Registration.objects.count() == 2
    listing = client.get(reverse("activities:unit-events", args=[federation.a.code]))
    assert "運動会" in listing.content.decode()


def test_the_door_checks_in_by_code_and_refuses_others(federation: Federation) -> None:
    event = make_event(federation)
    other = make_event(federation, title_ja="別の行事")
    mine = services.register(actor=federation.officer_a, event=event, person=federation.person_a)
    theirs = services.register(actor=federation.officer_a, event=other, person=federation.person_a)
    client = signed_in(federation.officer_a)
    door = reverse("activities:check-in", args=[event.pk])
    for code in (theirs.code, "forged"):
        response = client.post(door, {"code": code})
        assert response.status_code == 200 and "error" in response.content.decode()
    assert not Registration.objects.filter(attended_at__isnull=False).exists()
    assert client.post(door, {"code": mine.code}).status_code == 302
    mine.refresh_from_db()
    assert mine.attended_at is not None
    page = client.get(door).content.decode()
    counts = re.search(r'data-testid="counts"[^>]*>([^<]*)<', page)
    assert counts is not None and re.findall(r"\d+", counts.group(1)) == ["1", "0", "1"]
    assert 'name="registration"' not in page  # nobody left to check in
    qr = client.get(reverse("activities:registration-qr", args=[event.pk, mine.pk]))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content


def test_no_event_page_shows_another_branchs_private_events_or_people(
    federation: Federation,
) -> None:
    private_b = make_event(
        federation, actor=federation.officer_b, unit=federation.b, title_ja=f"{MARK_B}行事"
    )
    b_reg = services.register(
        actor=federation.officer_b, event=private_b, person=federation.person_b
    )
    regional = make_event(
        federation, actor=federation.regional, unit=federation.r1, title_ja="地方"
    )
    services.register(actor=federation.officer_b, event=regional, person=federation.person_b)
    services.register(actor=federation.officer_a, event=regional, person=federation.person_a)
    client = signed_in(federation.officer_a)
    for url in (
        reverse("activities:event", args=[private_b.pk]),
        reverse("activities:check-in", args=[private_b.pk]),
        reverse("activities:registration-qr", args=[private_b.pk, b_reg.pk]),
        reverse("activities:unit-events", args=[federation.b.code]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            reverse("activities:registration-cancel", args=[private_b.pk, b_reg.pk])
        ).status_code
        == 404
    )
    for url in (
        reverse("activities:event", args=[regional.pk]),
        reverse("activities:unit-events", args=[federation.a.code]),
    ):
        response = client.get(url)
        assert response.status_code == 200 and MARK_B not in response.content.decode(), url
    # The region's event: A's officer may not run its door.
    assert client.get(reverse("activities:check-in", args=[regional.pk])).status_code == 403


def test_a_walk_in_is_added_at_the_door_and_strays_are_refused(federation: Federation) -> None:
    event = make_event(federation, capacity=1)
    services.register(actor=federation.officer_a, event=event, person=federation.person_a)
    came = make_person(federation.a)
    client = signed_in(federation.officer_a)
    door = reverse("activities:check-in", args=[event.pk])
    assert client.post(door, {"walk_in": came.pk}).status_code == 302
    added = Registration.objects.get(event=event, person=came)
    assert added.walk_in and added.attended_at is not None
    refused = client.post(door, {"walk_in": federation.person_b.pk})
    assert refused.status_code == 200 and MARK_B not in refused.content.decode()
    assert not Registration.objects.filter(person=federation.person_b).exists()
    assert client.post(door, {"registration": "x"}).status_code == 404


def test_the_counts_refresh_on_their_own_and_only_for_those_who_see_the_event(
    federation: Federation,
) -> None:
    event = make_event(federation)
    registration = services.register(
        actor=federation.officer_a, event=event, person=federation.person_a
    )
    client = signed_in(federation.officer_a)
    url = reverse("activities:counts", args=[event.pk])
    page = client.get(reverse("activities:event", args=[event.pk])).content.decode()
    assert f'hx-get="{url}"' in page and 'hx-trigger="every 5s"' in page
    before = re.findall(r"\d+", client.get(url).content.decode().split(">", 1)[1])
    services.check_in(actor=federation.officer_a, event=event, code=registration.code)
    after = re.findall(r"\d+", client.get(url).content.decode().split(">", 1)[1])
    assert before != after and sorted(after) == ["0", "1", "1"]
    private_b = make_event(federation, actor=federation.officer_b, unit=federation.b)
    assert client.get(reverse("activities:counts", args=[private_b.pk])).status_code == 404


def test_a_large_events_registrations_come_a_page_at_a_time(federation: Federation) -> None:
    from branchwork.activities.event_views import REGISTRATIONS_PAGE

    event = make_event(federation)
    people = [make_person(federation.a, family="최") for _ in range(REGISTRATIONS_PAGE + 1)]
    for person in people:
        services.register(actor=federation.officer_a, event=event, person=person)
    client = signed_in(federation.officer_a)
    url = reverse("activities:event", args=[event.pk])
    first, second = (client.get(url, {"page": n}).content.decode() for n in (1, 2))
    cancel = "/cancel/"
    assert first.count(cancel) == REGISTRATIONS_PAGE and second.count(cancel) == 1
    assert "?page=2" in first
