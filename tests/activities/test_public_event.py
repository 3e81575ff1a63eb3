"""The public door: an event open to the public, by its link, and registering for it without
an account. Members' events are not behind it, no registrant's name is shown, and one address
cannot flood it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from branchwork.activities import services
from branchwork.activities.models import Event, EventKind, Registration
from tests.conftest import MARK_B, Federation


def make_event(federation: Federation, **kw: Any) -> Event:
    starts = kw.pop("starts_at", timezone.now() + dt.timedelta(days=4))
    return services.create_event(
        actor=federation.officer_b,
        unit=federation.b,
        kind=EventKind.objects.get(code="friendship"),
        starts_at=starts,
        ends_at=kw.pop("ends_at", starts + dt.timedelta(hours=2)),
        title_ja=kw.pop("title_ja", "多文化交流会"),
        **kw,
    )


def test_the_public_registers_from_the_link_and_gets_a_code(federation: Federation) -> None:
    event = make_event(federation, audience="public", capacity=1)
    services.register(actor=federation.officer_b, event=event, person=federation.person_b)
    client = Client()
    url = reverse("activities:public-event", args=[event.public_key])
    page = client.get(url).content.decode()
    assert "多文化交流会" in page and 'data-testid="places"' in page
    assert "KimZQXB" not in page and "金" + MARK_B not in page  # no registrant is named
    empty = client.post(url, {"name": "", "contact": ""})
    assert empty.status_code == 200 and Registration.objects.count() == 1
    done = client.post(url, {"name": "田中 花子", "contact": "hanako@example.jp"})
    guest = Registration.objects.get(guest_name="田中 花子")
    assert done.status_code == 200 and guest.code in done.content.decode()
    assert guest.status == "waiting"  # the one place was taken
    assert 'src="data:image/svg+xml' in done.content.decode()


def test_members_events_cancelled_and_unknown_links_are_not_found(federation: Federation) -> None:
    members = make_event(federation)
    cancelled = make_event(federation, audience="public")
    Event.objects.filter(pk=cancelled.pk).update(status="cancelled")
    client = Client()
    for key in (members.public_key, cancelled.public_key, "no-such-link"):
        assert client.get(reverse("activities:public-event", args=[key])).status_code == 404
        assert (
            client.post(
                reverse("activities:public-event", args=[key]), {"name": "x", "contact": "y"}
            ).status_code
            == 404
        )
    assert not Registration.objects.exists()


def test_an_event_that_is_over_takes_no_registration(federation: Federation) -> None:
    over = make_event(
        federation,
        audience="public",
        starts_at=timezone.now() - dt.timedelta(hours=3),
        ends_at=timezone.now() - dt.timedelta(hours=1),
    )
    response = Client().post(
        reverse("activities:public-event", args=[over.public_key]),
        {"name": "佐藤", "contact": "sato@example.jp"},
    )
    assert response.status_code == 200 and "error" in response.content.decode()
    assert not Registration.objects.exists()


def test_one_address_cannot_flood_the_form(federation: Federation) -> None:
    cache.clear()
    event = make_event(federation, audience="public")
    url = reverse("activities:public-event", args=[event.public_key])
    client = Client()
    codes = [
        client.post(url, {"name": f"客{i}", "contact": f"g{i}@example.jp"}).status_code
        for i in range(11)
    ]
    assert codes[:10] == [200] * 10 and codes[10] == 429
    assert Registration.objects.count() == 10
    cache.clear()
