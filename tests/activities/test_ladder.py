"""The participation ladder: each level reached from real rows (attendance, a meeting,
helping, organising, a post), the twelve-month window, the person page and a unit's sums."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from branchwork.activities import ladder, services
from branchwork.activities.models import Event, EventKind, Registration
from branchwork.people.models import Person
from tests.conftest import MARK_B, Federation, make_person, signed_in


def _event(federation: Federation, days_ago: int, unit: object = None) -> Event:
    starts = timezone.now() - dt.timedelta(days=days_ago)
    return Event.objects.create(
        unit=unit or federation.a,
        kind=EventKind.objects.get(code="cultural"),
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        title_ja="文化祭",
        public_key=f"k{days_ago}{Event.objects.count()}",
    )


def test_each_level_comes_from_what_a_person_did(federation: Federation) -> None:
    a = federation.a
    idle, attender, meeter, helper, organiser, stale = (make_person(a) for _ in range(6))
    recent, old = _event(federation, 30), _event(federation, 400)
    Registration.objects.create(
        event=recent, person=attender, code="c1", attended_at=recent.starts_at
    )
    Registration.objects.create(event=recent, person=helper, code="c2", role="helper")
    Registration.objects.create(event=recent, person=organiser, code="c3", role="organiser")
    # A year and more ago does not count; nor does only being registered without coming.
    Registration.objects.create(
        event=old, person=stale, code="c4", role="organiser", attended_at=old.starts_at
    )
    Registration.objects.create(event=recent, person=idle, code="c5")
    services.record_contact(
        actor=federation.officer_a,
        person=meeter,
        contacted_on=timezone.localdate() - dt.timedelta(days=3),
        channel="meeting",
    )
    services.record_contact(  # being visited is what the branch does, not the person
        actor=federation.officer_a,
        person=idle,
        contacted_on=timezone.localdate(),
        channel="visit",
    )
    levels = {
        p.pk: p.level
        for p in ladder.with_level(
            Person.objects.filter(
                pk__in=[x.pk for x in (idle, attender, meeter, helper, organiser, stale)]
            )
        )
    }
    assert levels == {
        idle.pk: ladder.NONE,
        attender.pk: ladder.ATTENDS,
        meeter.pk: ladder.ATTENDS,
        helper.pk: ladder.VOLUNTEERS,
        organiser.pk: ladder.ORGANISES,
        stale.pk: ladder.NONE,
    }
    # The fixture's chair of A holds a post: leads.
    assert ladder.level_of(federation.person_a) == ladder.LEADS


def test_an_officer_sets_the_role_when_registering(federation: Federation) -> None:
    event = services.create_event(
        actor=federation.officer_a,
        unit=federation.a,
        kind=EventKind.objects.get(code="sport"),
        starts_at=timezone.now() + dt.timedelta(days=3),
        ends_at=timezone.now() + dt.timedelta(days=3, hours=2),
        title_ja="運動会",
    )
    person = make_person(federation.a)
    client = signed_in(federation.officer_a)
    client.post(
        reverse("activities:event", args=[event.pk]), {"person": person.pk, "role": "helper"}
    )
    assert Registration.objects.get(event=event, person=person).role == "helper"
    client.post(
        reverse("activities:event", args=[event.pk]), {"person": person.pk, "role": "organiser"}
    )
    assert Registration.objects.get(event=event, person=person).role == "organiser"
    page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert 'data-testid="level"' in page


def test_unit_sums_and_no_leak(federation: Federation) -> None:
    recent = _event(federation, 10, unit=federation.b)
    for i in range(3):
        person = make_person(federation.b1, marker=MARK_B)
        Registration.objects.create(
            event=recent, person=person, code=f"b{i}", attended_at=recent.starts_at
        )
    regional = signed_in(federation.regional).get(reverse("activities:participation", args=["R1"]))
    assert regional.status_code == 200
    page = regional.content.decode()

    def cells(code: str) -> list[str]:
        row = re.search(rf'<tr data-unit="{code}">(.*?)</tr>', page, re.S)
        assert row is not None, code
        return re.findall(r'<td class="num">(\d+)</td>', row.group(1))

    # B: three who attended, its chair who leads. A: its chair. R1: both, summed.
    assert cells("B") == ["0", "3", "0", "0", "1", "4"]
    assert cells("A") == ["0", "0", "0", "0", "1", "1"]
    assert cells("R1") == ["0", "3", "0", "0", "2", "5"]
    officer_a = signed_in(federation.officer_a)
    assert officer_a.get(reverse("activities:participation", args=["B"])).status_code in (403, 404)
    own = officer_a.get(reverse("activities:participation", args=["A"])).content.decode()
    assert MARK_B not in own


def test_the_ladder_and_life_events_over_the_api(federation: Federation) -> None:
    from branchwork.access.services import create_api_token

    token = create_api_token(user=federation.officer_a, name="t", days=1)[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = Client()
    levels = client.get("/api/v1/units/A/participation", **auth).json()
    assert [x["count"] for x in levels] == [0, 0, 0, 0, 1]  # A's chair leads
    person = client.get(f"/api/v1/people/{federation.person_a.pk}/participation", **auth).json()
    assert person["level"] == ladder.LEADS
    assert client.get("/api/v1/units/A/life-events", **auth).json() == []
    for url in (
        "/api/v1/units/B/participation",
        f"/api/v1/people/{federation.person_b.pk}/participation",
        "/api/v1/units/B/life-events",
    ):
        response = client.get(url, **auth)
        assert response.status_code == 404 and MARK_B not in response.content.decode()
