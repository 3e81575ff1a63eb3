"""Registry pages: the three actors, wrong methods, bad input, conflicts, sensitive data, leaks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from branchwork.access.models import AuditEvent
from branchwork.people import services
from branchwork.people.models import Person, PersonSensitive
from tests.access.test_leaks import crawl
from tests.conftest import MARK_B, Federation, signed_in

pytestmark = pytest.mark.django_db

FORM = {
    "family_name_hangul": "김",
    "given_name_hangul": "영수",
    "birth_precision": "day",
    "languages": ["ko"],
    "mobile": "０９０−１１１１−２２２２",
    "postal_code": "543-0001",
}


@pytest.fixture
def marked_b(federation: Federation) -> Person:
    person = services.create_person(
        actor=federation.officer_b,
        unit=federation.b,
        family_name_hangul=f"박{MARK_B}",
        given_name_hangul="민",
        family_name_latin=f"Park{MARK_B}",
        email="zqxb@example.org",
        notes=f"{MARK_B} note",
    )
    services.update_sensitive(
        actor=federation.central, person=person, residency_status=f"{MARK_B}-status"
    )
    return person


def test_person_pages_for_the_three_actors(federation: Federation, marked_b: Person) -> None:
    url = reverse("people:detail", args=[marked_b.pk])
    assert signed_in(federation.officer_b).get(url).status_code == 200
    assert signed_in(federation.regional).get(url).status_code == 200
    sibling = signed_in(federation.officer_a)
    for name in ("people:detail", "people:edit", "people:sensitive"):
        response = sibling.get(reverse(name, args=[marked_b.pk]))
        assert response.status_code == 404, name
        assert MARK_B not in response.content.decode()
    assert signed_in(federation.officer_b).delete(url).status_code == 405


def test_no_marker_of_b_in_what_a_can_reach(federation: Federation, marked_b: Person) -> None:
    client = signed_in(federation.officer_a)
    pages = crawl(client)
    pages.update(crawl(client, reverse("people:list") + "?q=Park"))
    assert any("/people/" in url for url in pages)
    for url, body in pages.items():
        assert MARK_B not in body, url
    # Searching for B's marker itself echoes only the query, and finds nobody.
    found = client.get(reverse("people:list"), {"q": MARK_B}).content.decode()
    assert 'data-testid="person"' not in found and "Nobody in your units matches" in found


def test_search_page_lists_and_paginates(federation: Federation) -> None:
    for i in range(30):
        services.create_person(
            actor=federation.officer_a,
            unit=federation.a,
            family_name_hangul="최",
            given_name_hangul=f"민{i}",
        )
    client = signed_in(federation.officer_a)
    page = client.get(reverse("people:list"), {"q": "Choi"}).content.decode()
    assert page.count('data-testid="person"') == 25
    assert "30 people found" in page
    second = client.get(reverse("people:list"), {"q": "Choi", "page": 2}).content.decode()
    assert second.count('data-testid="person"') == 5
    fragment = client.get(reverse("people:list"), {"q": "최"}, HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode()
    empty = client.get(reverse("people:list"), {"q": "없는사람"}).content.decode()
    assert "Nobody in your units matches" in empty


def test_search_page_query_count_does_not_grow(
    federation: Federation, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(federation.officer_a)
    url = reverse("people:list") + "?q=Kim"
    client.get(url)
    # session, user, grants (scope), the search counted for its rate limit, the ids found (in
    # name order), one page of people with their units
    with django_assert_num_queries(6):
        client.get(url)
    for i in range(10):
        services.create_person(
            actor=federation.officer_a,
            unit=federation.a,
            family_name_hangul="김",
            given_name_hangul=f"수{i}",
        )
    with django_assert_num_queries(6):
        client.get(url)


def test_create_form_normalises_and_refuses_bad_input(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    url = reverse("people:create") + "?unit=A"
    ok = client.post(url, FORM)
    assert ok.status_code == 302
    person = Person.objects.get(given_name_hangul="영수")
    assert person.mobile == "+819011112222" and person.postal_code == "5430001"
    count = Person.objects.count()
    bad = client.post(url, FORM | {"mobile": "12", "given_name_hangul": "철수"})
    assert bad.status_code == 200 and "not a valid phone number" in bad.content.decode()
    blank = client.post(url, {"family_name_hangul": "   ", "birth_precision": "day"})
    assert "at least one form" in blank.content.decode()
    assert Person.objects.count() == count
    assert signed_in(federation.officer_b).get(url).status_code == 404


def test_edit_conflict_shows_both_versions(federation: Federation) -> None:
    person = services.create_person(
        actor=federation.officer_a, unit=federation.a, family_name_hangul="한", occupation="farmer"
    )
    client = signed_in(federation.officer_a)
    form = {
        "family_name_hangul": "한",
        "occupation": "teacher",
        "birth_precision": "day",
        "version": person.version,
    }
    services.update_person(
        actor=federation.regional, person=person, version=person.version, occupation="baker"
    )
    response = client.post(reverse("people:edit", args=[person.pk]), form)
    assert response.status_code == 409
    body = response.content.decode()
    assert "teacher" in body and "baker" in body
    assert Person.objects.get(pk=person.pk).occupation == "baker"


def test_sensitive_data_needs_the_permission_and_each_look_is_audited(
    federation: Federation, marked_b: Person
) -> None:
    url = reverse("people:detail", args=[marked_b.pk])
    officer = signed_in(federation.officer_b)
    page = officer.get(url).content.decode()
    assert f"{MARK_B}-status" not in page and "show-sensitive" not in page
    assert officer.post(url, {"action": "show-sensitive"}).status_code == 403
    central = signed_in(federation.central)
    before = AuditEvent.objects.filter(action="read_sensitive").count()
    assert f"{MARK_B}-status" not in central.get(url).content.decode()  # hidden until asked
    shown = central.post(url, {"action": "show-sensitive"}).content.decode()
    assert f"{MARK_B}-status" in shown
    assert AuditEvent.objects.filter(action="read_sensitive").count() == before + 1
    edit = central.post(
        reverse("people:sensitive", args=[marked_b.pk]),
        {"nationality": "韓国", "residency_status": "", "health_notes": ""},
    )
    assert edit.status_code == 302
    assert PersonSensitive.objects.get(person=marked_b).nationality == "韓国"


def test_markup_is_shown_escaped(federation: Federation) -> None:
    person = services.create_person(
        actor=federation.officer_a, unit=federation.a, family_name_latin="<script>alert(1)</script>"
    )
    page = signed_in(federation.officer_a).get(reverse("people:detail", args=[person.pk]))
    assert "<script>alert(1)</script>" not in page.content.decode()
    assert "&lt;script&gt;" in page.content.decode()


def test_relationships_show_both_ways_and_refuse_nonsense(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    parent = services.create_person(
        actor=federation.officer_a,
        unit=federation.a,
        family_name_hangul="윤",
        given_name_hangul="부",
    )
    child = services.create_person(
        actor=federation.officer_a,
        unit=federation.a1,
        family_name_hangul="윤",
        given_name_hangul="자",
    )
    url = reverse("people:relationship-add", args=[parent.pk])
    assert client.post(url, {"kind": "parent", "relative": child.pk}).status_code == 302
    parent_page = client.get(reverse("people:detail", args=[parent.pk])).content.decode()
    child_page = client.get(reverse("people:detail", args=[child.pk])).content.decode()
    assert "child: " in parent_page and "parent: " in child_page
    self_link = client.post(url, {"kind": "parent", "relative": parent.pk})
    assert "cannot be their own relative" in self_link.content.decode()
    loop = client.post(
        reverse("people:relationship-add", args=[child.pk]),
        {"kind": "parent", "relative": parent.pk},
    )
    assert "parent of their own parent" in loop.content.decode()
    other = client.post(url, {"kind": "sibling", "relative": federation.person_b.pk})
    assert "No person with this number" in other.content.decode()
    assert MARK_B not in other.content.decode()


def test_memberships(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    person = federation.person_a
    url = reverse("people:membership-add", args=[person.pk])
    form = client.get(url).content.decode()
    assert f'value="{federation.fed.pk}"' in form
    ok = client.post(url, {"body": federation.fed.pk, "status": "member", "joined": "2001-04-01"})
    assert ok.status_code == 302
    page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert "Member" in page and "2001-04-01" in page
    bad = client.post(
        url,
        {
            "body": federation.fed.pk,
            "status": "former",
            "joined": "2010-01-01",
            "left": "2009-01-01",
        },
    )
    assert "cannot end before it starts" in bad.content.decode()
    assert signed_in(federation.officer_b).get(url).status_code == 404


def test_family_and_household_forms_refuse_a_sibling_officer(federation: Federation) -> None:
    sibling = signed_in(federation.officer_b)
    for name in ("people:relationship-add", "people:membership-add", "people:household-create"):
        url = reverse(name, args=[federation.person_a.pk])
        assert sibling.get(url).status_code == 404, name
        assert sibling.post(url, {}).status_code == 404, name


def test_consents_are_recorded_with_their_source_and_withdrawn_not_deleted(
    federation: Federation,
) -> None:
    from branchwork.people.models import Consent

    client = signed_in(federation.officer_a)
    person = federation.person_a
    url = reverse("people:consent-add", args=[person.pk])
    missing_partner = client.post(
        url, {"kind": "share", "given_on": "2026-01-10", "source": "paper form"}
    )
    assert "Name the partner" in missing_partner.content.decode()
    ok = client.post(
        url, {"kind": "photos", "given_on": "2026-01-10", "source": "branch new-year party form"}
    )
    assert ok.status_code == 302
    consent = Consent.objects.get(person=person)
    withdraw = reverse("people:consent-withdraw", args=[person.pk, consent.pk])
    assert client.get(withdraw).status_code == 405
    assert signed_in(federation.officer_b).post(withdraw).status_code == 404
    assert client.post(withdraw).status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on is not None  # kept, with the day it ended
    page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert "withdrawn" in page and "branch new-year party form" in page
    assert signed_in(federation.officer_b).get(url).status_code == 404


def test_a_membership_of_a_sibling_branchs_body_is_shown_without_its_name(
    federation: Federation,
) -> None:
    from branchwork.people.models import Membership
    from tests.conftest import make_unit

    union = make_unit(federation.b, "BW", "womens_union", marker=MARK_B)
    Membership.objects.create(person=federation.person_a, body=union, status="member")
    Membership.objects.create(person=federation.person_a, body=federation.fed, status="member")
    page = signed_in(federation.officer_a).get(
        reverse("people:detail", args=[federation.person_a.pk])
    )
    text = page.content.decode()
    assert MARK_B not in text
    assert "an organisation outside your units" in text
    assert federation.fed.name_en in text or federation.fed.name_ja in text
    regional = signed_in(federation.regional).get(
        reverse("people:detail", args=[federation.person_a.pk])
    )
    assert MARK_B in regional.content.decode()  # the region sees B's bodies
