"""Query counts pinned: the event lists, the attendance pages, the feeds and the activity
summary take the same number of queries whatever the number of events, registrations and
contacts (no query per row)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branchwork.activities import calendars, services
from branchwork.activities.models import Event, EventKind, Registration
from branchwork.activities.selectors import activity_summary
from branchwork.people.models import Household, HouseholdMember
from tests.conftest import Federation, make_person, signed_in

TODAY = timezone.localdate()


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        assert response.status_code == 200, url
    return len(ctx.captured_queries)


def grow(federation: Federation, n: int) -> Event:
    """``n`` more events of A (past and coming, some public), each with ``n`` registrations
    (some present), and ``n`` contacts with households of A."""
    kind = EventKind.objects.get(code="cultural")
    last = None
    for i in range(n):
        starts = timezone.now() + dt.timedelta(days=(-20 if i % 2 else 20) + i)
        event = services.create_event(
            actor=federation.officer_a,
            unit=federation.a,
            kind=kind,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            title_ja=f"行事 {i}",
            audience="public" if i % 3 == 0 else "members",
        )
        for j in range(n):
            person = make_person(federation.a1)
            Registration.objects.create(
                event=event,
                person=person,
                code=f"{event.pk}-{j}",
                attended_at=starts if j % 2 else None,
                role="helper" if j == 0 else "participant",
            )
            home = Household.objects.create(unit=federation.a1, address=f"{event.pk}-{j}")
            HouseholdMember.objects.create(
                household=home, person=person, relation="head", since=TODAY
            )
            services.record_contact(
                actor=federation.officer_a,
                household=home,
                contacted_on=TODAY - dt.timedelta(days=j * 20),
                channel="visit",
            )
        quiet = Household.objects.create(unit=federation.a1, address=f"{event.pk}-quiet")
        HouseholdMember.objects.create(
            household=quiet, person=make_person(federation.a1), relation="head", since=TODAY
        )
        last = event
    assert last is not None
    return last


def pinned(federation: Federation, urls: Callable[[Event], list[tuple[Client, str]]]) -> None:
    first = grow(federation, 2)
    before = [queries(c, u) for c, u in urls(first)]
    second = grow(federation, 6)
    after = [queries(c, u) for c, u in urls(second)]
    assert after == before, list(zip([u for _, u in urls(second)], before, after, strict=True))


def test_event_lists_and_attendance_pages(federation: Federation) -> None:
    officer = signed_in(federation.officer_a)
    regional = signed_in(federation.regional)

    def urls(event: Event) -> list[tuple[Client, str]]:
        return [
            (officer, reverse("activities:unit-events", args=["A"])),
            (officer, reverse("activities:unit-events", args=["A"]) + "?when=past"),
            (regional, reverse("activities:unit-events", args=["R1"])),
            (officer, reverse("activities:event", args=[event.pk])),
            (officer, reverse("activities:check-in", args=[event.pk])),
            (officer, reverse("activities:attendance", args=[event.pk])),
            (officer, reverse("activities:counts", args=[event.pk])),
            (officer, reverse("activities:participation", args=["A"])),
            (regional, reverse("activities:activity", args=["R1"])),
            (officer, reverse("activities:quiet-households", args=["A"])),
        ]

    pinned(federation, urls)


def test_feeds(federation: Federation) -> None:
    anonymous = Client()
    key = calendars.key_for(federation.officer_a).key

    def urls(event: Event) -> list[tuple[Client, str]]:
        return [
            (anonymous, reverse("activities:public-unit-feed", args=["A"])),
            (anonymous, reverse("activities:unit-feed", args=[key, "A"])),
            (
                anonymous,
                reverse("activities:person-feed", args=[key, federation.person_a.pk]),
            ),
            (anonymous, reverse("news:atom", args=["A"])),
        ]

    pinned(federation, urls)


def test_the_activity_summary_counts_month_by_month(federation: Federation) -> None:
    grow(federation, 3)
    rows = activity_summary(federation.regional, federation.r1)
    assert len(rows) == 12 and rows[-1]["month"] == TODAY.replace(day=1)
    # Three events: days +20, -19 and +22 from now; only the past one counts as held.
    assert sum(r["events"] for r in rows) == 1
    assert sum(r["attendances"] for r in rows) == 1  # its second registration came
    assert sum(r["contacts"] for r in rows) == 9  # today, 20 and 40 days ago, per event
    page = signed_in(federation.regional).get(reverse("activities:activity", args=["R1"]))
    month = TODAY.strftime("%Y-%m")
    row = re.search(rf'<tr data-month="{month}">(.*?)</tr>', page.content.decode(), re.S)
    assert row is not None
    # The sibling branch's officer sees none of A's activity on R1's page.
    other = activity_summary(federation.officer_b, federation.r1)
    assert sum(r["contacts"] + r["attendances"] + r["events"] for r in other) == 0


def test_the_activity_summary_over_the_api(federation: Federation) -> None:
    from branchwork.access.services import create_api_token

    grow(federation, 2)
    auth = {
        "HTTP_AUTHORIZATION": "Bearer "
        + create_api_token(user=federation.officer_b, name="t", days=1)[1]
    }
    rows = Client().get("/api/v1/units/B/activity", **auth).json()
    assert len(rows) == 12 and sum(r["contacts"] for r in rows) == 0  # A's are not B's
    assert Client().get("/api/v1/units/A/activity", **auth).status_code == 404
    own = {
        "HTTP_AUTHORIZATION": "Bearer "
        + create_api_token(user=federation.officer_a, name="t", days=1)[1]
    }
    mine = Client().get("/api/v1/units/A/activity", **own).json()
    assert sum(r["contacts"] for r in mine) == 4
