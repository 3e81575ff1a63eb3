"""A person's history: the events about the person and its records, who may read it, paging."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from branchwork.access.models import AuditEvent
from branchwork.people import services
from branchwork.people.history import events_about
from branchwork.people.models import Person, PersonMerge
from tests.conftest import MARK_B, Federation, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(federation: Federation) -> Person:
    central = federation.central
    person = services.create_person(
        actor=federation.officer_a, unit=federation.a, family_name_hangul="송", notes="secret note"
    )
    services.update_sensitive(actor=central, person=person, nationality="ROK")
    services.read_sensitive(actor=central, person=person)
    services.relate(
        actor=federation.officer_a, person=federation.person_a, relative=person, kind="parent"
    )
    consent = services.give_consent(
        actor=federation.officer_a,
        person=person,
        kind="photos",
        given_on=dt.date(2024, 1, 1),
        source="form",
    )
    services.withdraw_consent(actor=federation.officer_a, consent=consent)
    services.add_membership(actor=central, person=person, body=federation.fed, status="member")
    return person


def test_history_holds_the_events_about_the_person_and_its_records(
    federation: Federation, person: Person
) -> None:
    mine = set(events_about(person).values_list("action", "object_type"))
    assert mine == {
        ("create", "people.person"),
        ("update_sensitive", "people.person"),
        ("read_sensitive", "people.person"),
        ("create", "people.relationship"),
        ("consent_given", "people.consent"),
        ("consent_withdrawn", "people.consent"),
        ("create", "people.membership"),
    }
    # Nothing about anyone else (person A's own creation, the units, the terms of the fixture).
    others = events_about(federation.person_a).values_list("object_type", flat=True)
    assert "people.consent" not in set(others)
    # Events about a record merged into this one belong to its history too.
    merged = services.create_person(
        actor=federation.officer_a, unit=federation.a, family_name_hangul="옛"
    )
    PersonMerge.objects.create(merged_id=merged.pk, into=person)
    assert events_about(person).filter(object_id=str(merged.pk), action="create").exists()


def test_history_page_lists_newest_first_with_names_never_values(
    federation: Federation, person: Person
) -> None:
    page = signed_in(federation.admin_a).get(reverse("people:history", args=[person.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count('data-testid="event"') == 7
    order = ("membership #", "withdrew a consent", "recorded a consent", "looked at the sensitive")
    positions = [body.index(text) for text in order]
    assert positions == sorted(positions)  # newest first
    assert "officer-a" in body and "central" in body
    assert "nationality" in body and "where it was given" in body  # field names, translated
    assert "ROK" not in body and "secret note" not in body


def test_history_is_for_administrators_of_the_unit(federation: Federation, person: Person) -> None:
    url = reverse("people:history", args=[person.pk])
    assert signed_in(federation.admin_a).get(url).status_code == 200
    assert signed_in(federation.central).get(url).status_code == 200
    assert signed_in(federation.officer_a).get(url).status_code == 403  # view and edit only
    assert signed_in(federation.regional).get(url).status_code == 403  # parent unit, no admin
    sibling = signed_in(federation.officer_b).get(url)
    assert sibling.status_code == 404
    b_history = signed_in(federation.admin_a).get(
        reverse("people:history", args=[federation.person_b.pk])
    )
    assert b_history.status_code == 404 and MARK_B not in b_history.content.decode()
    assert signed_in(federation.admin_a).post(url).status_code == 405


def test_history_pages_and_its_query_count_does_not_grow(
    federation: Federation, person: Person, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(federation.admin_a)
    url = reverse("people:history", args=[person.pk])
    client.get(url)
    # session, user, the admin's second-factor device, grants (scope), the person with its unit,
    # the count of events, one page of events with their actors
    with django_assert_num_queries(7):
        client.get(url)
    for i in range(50):
        services.update_person(
            actor=federation.officer_a,
            person=person,
            version=person.version,
            occupation=f"job {i}",
        )
    with django_assert_num_queries(7):
        first = client.get(url).content.decode()
    assert first.count('data-testid="event"') == 50 and "Page 1 of 2" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count('data-testid="event"') == 7
    assert AuditEvent.objects.filter(action="update", object_id=str(person.pk)).count() == 50
