"""Erasure: the confirmation page, what goes and what stays, search, edits refused afterwards."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branchwork.access.models import AuditEvent
from branchwork.people import households, services
from branchwork.people.models import (
    Consent,
    HouseholdMember,
    Membership,
    Person,
    PersonSearchKey,
    PersonSensitive,
    Relationship,
)
from branchwork.people.privacy import ERASED_FIELDS, erase_person
from branchwork.people.search import keys_for, reindex, search
from branchwork.people.selectors import visible_people
from tests.api.test_people_api import api_for
from tests.conftest import MARK_B, Federation, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(federation: Federation) -> Person:
    """Someone of branch A with names, contacts, family, a membership, a household, consent."""
    central = federation.central
    person = services.create_person(
        actor=central,
        unit=federation.a,
        family_name_hangul="한",
        given_name_hangul="지우",
        family_name_latin="Han",
        given_name_latin="Jiwoo",
        mobile="090-3333-4444",
        email="jiwoo@example.org",
        postal_code="544-0001",
        address="2-2 Sakura",
        occupation="baker",
        notes="prefers mornings",
        birth_date=dt.date(1981, 7, 9),
        sex="female",
        generation=3,
        languages=["ko", "ja"],
    )
    services.update_sensitive(actor=central, person=person, health_notes="asthma")
    services.relate(actor=central, person=person, relative=federation.person_a, kind="sibling")
    services.add_membership(actor=central, person=person, body=federation.fed, status="member")
    services.give_consent(
        actor=central, person=person, kind="contact", given_on=dt.date(2024, 1, 1), source="form"
    )
    home = households.create_household(actor=central, address="2-2 Sakura", unit=federation.a)
    households.add_member(actor=central, household=home, person=person, relation="head")
    return Person.objects.select_related("unit").get(pk=person.pk)


def test_erasure_keeps_the_counts_and_removes_the_personal_data(
    federation: Federation, person: Person
) -> None:
    counts = (
        Person.objects.count(),
        Membership.objects.count(),
        HouseholdMember.objects.count(),
    )
    erase_person(actor=federation.admin_a, person=person)
    assert counts == (
        Person.objects.count(),
        Membership.objects.count(),
        HouseholdMember.objects.count(),
    )
    erased = Person.objects.get(pk=person.pk)
    assert erased.erased_at is not None
    assert all(getattr(erased, f) == "" for f in ERASED_FIELDS)
    assert erased.languages == []
    assert erased.birth_date == dt.date(1981, 1, 1) and erased.birth_precision == "year"
    assert (erased.sex, erased.generation, erased.unit_id) == ("female", 3, federation.a.pk)
    assert erased.display_name == f"Erased person #{person.pk}"
    assert not PersonSearchKey.objects.filter(person=person).exists()
    assert not PersonSensitive.objects.filter(person=person).exists()
    assert not Relationship.objects.filter(relative=person).exists()
    assert not Relationship.objects.filter(person=person).exists()
    assert not Consent.objects.filter(person=person).exists()
    event = AuditEvent.objects.filter(action="erase_request").get()
    assert event.object_id == str(person.pk) and "family_name_hangul" in event.fields
    assert "한" not in str(event.fields) and "baker" not in str(event.fields)


def test_erasure_works_from_the_stored_row_not_a_stale_object(
    federation: Federation, person: Person
) -> None:
    stale = Person.objects.select_related("unit").get(pk=person.pk)
    services.update_person(
        actor=federation.central,
        person=person,
        version=person.version,
        birth_date=dt.date(1979, 3, 3),
    )
    erase_person(actor=federation.admin_a, person=stale)
    assert Person.objects.get(pk=person.pk).birth_date == dt.date(1979, 1, 1)
    again = erase_person(actor=federation.admin_a, person=stale)  # twice: nothing more happens
    assert again.erased_at is not None
    assert AuditEvent.objects.filter(action__startswith="erase_").count() == 1


def test_search_and_the_list_never_show_an_erased_person(
    federation: Federation, person: Person
) -> None:
    people = visible_people(federation.admin_a)
    for query in ("Han", "지우", "09033334444", "jiwoo@example.org"):
        assert person in search(people, query), query
    erase_person(actor=federation.admin_a, person=person)
    erased = Person.objects.get(pk=person.pk)
    reindex([erased])  # a later reindex writes nothing back
    assert keys_for(erased) == set()
    for query in ("Han", "지우", "09033334444", "jiwoo@example.org"):
        assert person not in search(people, query), query
    client = signed_in(federation.admin_a)
    listed = client.get(reverse("people:list")).content.decode()
    assert reverse("people:detail", args=[person.pk]) not in listed
    assert "Erased person" not in listed
    found = client.get(reverse("people:list"), {"q": "Han"}).content.decode()
    assert reverse("people:detail", args=[person.pk]) not in found


def test_an_erased_person_cannot_be_edited(federation: Federation, person: Person) -> None:
    version = person.version
    erase_person(actor=federation.admin_a, person=person)
    erased = Person.objects.select_related("unit").get(pk=person.pk)
    with pytest.raises(ValidationError, match="erased"):
        services.update_person(
            actor=federation.central, person=erased, version=erased.version, occupation="x"
        )
    # An editor who loaded the person before the erasure gets the same answer, not a conflict.
    with pytest.raises(ValidationError, match="erased"):
        services.update_person(actor=federation.central, person=person, version=version, notes="x")
    for call in (
        lambda: services.update_sensitive(actor=federation.central, person=erased, nationality="x"),
        lambda: services.give_consent(
            actor=federation.central,
            person=erased,
            kind="contact",
            given_on=dt.date(2024, 1, 1),
            source="form",
        ),
        lambda: services.relate(
            actor=federation.central, person=federation.person_a, relative=erased, kind="sibling"
        ),
        lambda: services.add_membership(
            actor=federation.central, person=erased, body=federation.fed, status="member"
        ),
    ):
        with pytest.raises(ValidationError):
            call()
    client = signed_in(federation.officer_a)
    edit = reverse("people:edit", args=[person.pk])
    assert client.get(edit).status_code == 302
    refused = client.post(edit, {"family_name_hangul": "새", "birth_precision": "day"})
    assert refused.status_code == 302
    assert Person.objects.get(pk=person.pk).family_name_hangul == ""
    patched = api_for(federation.central).patch(
        f"/api/v1/people/{person.pk}",
        {"version": erased.version, "notes": "x"},
        content_type="application/json",
    )
    assert patched.status_code == 422 and "erased" in patched.content.decode()


def test_erase_page_explains_and_asks_for_the_number(
    federation: Federation, person: Person
) -> None:
    client = signed_in(federation.admin_a)
    url = reverse("people:erase", args=[person.pk])
    page = client.get(url).content.decode()
    assert "What is removed" in page and "What is kept" in page
    assert "1 membership" in page and "1 family relationship" in page
    wrong = client.post(url, {"number": person.pk + 1})
    assert wrong.status_code == 200
    assert f"Type this person&#x27;s number, {person.pk}, to confirm." in wrong.content.decode()
    assert client.post(url, {}).status_code == 200
    assert Person.objects.get(pk=person.pk).erased_at is None
    done = client.post(url, {"number": person.pk})
    assert done.status_code == 302 and done["Location"] == reverse(
        "people:detail", args=[person.pk]
    )
    assert Person.objects.get(pk=person.pk).erased_at is not None
    assert client.get(url).status_code == 302  # already erased: back to the person


def test_erased_person_page_has_a_notice_and_no_edit_buttons(
    federation: Federation, person: Person
) -> None:
    erase_person(actor=federation.admin_a, person=person)
    for user in (federation.admin_a, federation.central):
        page = signed_in(user).get(reverse("people:detail", args=[person.pk])).content.decode()
        assert f"Erased person #{person.pk}" in page and 'data-testid="erased"' in page
        for name in (
            "people:edit",
            "people:erase",
            "people:consent-add",
            "people:relationship-add",
        ):
            assert reverse(name, args=[person.pk]) not in page, name
        assert "show-sensitive" not in page
        for value in ("지우", "Jiwoo", "jiwoo@", "baker", "prefers mornings", "asthma"):
            assert value not in page, value
        assert reverse("people:history", args=[person.pk]) in page


def test_erase_page_for_the_three_actors(federation: Federation, person: Person) -> None:
    url = reverse("people:erase", args=[person.pk])
    assert signed_in(federation.officer_a).get(url).status_code == 403  # edit, not admin
    assert signed_in(federation.regional).post(url, {"number": person.pk}).status_code == 403
    sibling = signed_in(federation.officer_b)
    assert sibling.get(url).status_code == 404
    assert sibling.post(url, {"number": person.pk}).status_code == 404
    assert signed_in(federation.admin_a).delete(url).status_code == 405
    assert Person.objects.get(pk=person.pk).erased_at is None
    b_page = signed_in(federation.admin_a).get(
        reverse("people:erase", args=[federation.person_b.pk])
    )
    assert b_page.status_code == 404 and MARK_B not in b_page.content.decode()
