from __future__ import annotations

import pytest
from django.test import Client

from branchwork.access.services import create_api_token
from branchwork.people import services
from branchwork.people.models import Person
from tests.conftest import MARK_B, Federation

pytestmark = pytest.mark.django_db


def api_for(user) -> Client:  # type: ignore[no-untyped-def]
    return Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=user, name='t')[1]}")


@pytest.fixture
def person_b(federation: Federation) -> Person:
    person = services.create_person(
        actor=federation.officer_b,
        unit=federation.b,
        family_name_hangul=f"박{MARK_B}",
        family_name_latin="Park",
        notes=MARK_B,
    )
    services.update_sensitive(actor=federation.central, person=person, nationality=MARK_B)
    return person


def test_people_are_scoped_in_the_api(federation: Federation, person_b: Person) -> None:
    a = api_for(federation.officer_a)
    for body in (
        a.get("/api/v1/people").content,
        a.get("/api/v1/people?q=Park").content,
        a.get(f"/api/v1/people?q={MARK_B}").content,
    ):
        assert MARK_B.encode() not in body
    for path in (f"/api/v1/people/{person_b.pk}", f"/api/v1/people/{person_b.pk}/sensitive"):
        response = a.get(path)
        assert response.status_code == 404 and MARK_B not in response.content.decode()
    found = api_for(federation.regional).get("/api/v1/people?q=Park").json()
    assert [p["id"] for p in found["items"]] == [person_b.pk]


def test_sensitive_fields_need_the_permission(federation: Federation, person_b: Person) -> None:
    assert (
        api_for(federation.officer_b).get(f"/api/v1/people/{person_b.pk}/sensitive").status_code
        == 403
    )
    detail = api_for(federation.officer_b).get(f"/api/v1/people/{person_b.pk}").json()
    assert "nationality" not in detail
    assert (
        api_for(federation.central)
        .get(f"/api/v1/people/{person_b.pk}/sensitive")
        .json()["nationality"]
        == MARK_B
    )


def test_create_update_and_conflict(federation: Federation) -> None:
    client = api_for(federation.officer_a)
    created = client.post(
        "/api/v1/people",
        {"unit": "A", "family_name_hangul": "정", "mobile": "080-1234-5678"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["mobile"] == "+818012345678"
    pid, version = created.json()["id"], created.json()["version"]
    bad = client.post(
        "/api/v1/people",
        {"unit": "A", "family_name_hangul": "정", "email": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "email"]
    outside = client.post(
        "/api/v1/people", {"unit": "B", "family_name_hangul": "정"}, content_type="application/json"
    )
    assert outside.status_code == 422 and outside.json()["detail"][0]["loc"] == ["body", "unit"]
    ok = client.patch(
        f"/api/v1/people/{pid}",
        {"version": version, "occupation": "chef"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["version"] == version + 1
    stale = client.patch(
        f"/api/v1/people/{pid}",
        {"version": version, "occupation": "cook"},
        content_type="application/json",
    )
    assert stale.status_code == 409 and stale.json()["current"]["occupation"] == "chef"
    assert Person.objects.get(pk=pid).occupation == "chef"


def test_people_list_query_count(federation: Federation, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = api_for(federation.regional)
    client.get("/api/v1/people?q=Kim")
    # token with its user, grants (scope), the search counted for its rate limit, count, one
    # page of people with their units
    with django_assert_num_queries(5):
        client.get("/api/v1/people?q=Kim")


def test_relations_and_memberships_over_the_api(federation: Federation, person_b: Person) -> None:
    client = api_for(federation.officer_a)
    kid = services.create_person(
        actor=federation.officer_a, unit=federation.a1, family_name_hangul="윤"
    )
    pa = federation.person_a.pk
    made = client.post(
        f"/api/v1/people/{pa}/relations",
        {"kind": "parent", "relative_id": kid.pk},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert client.get(f"/api/v1/people/{kid.pk}/relations").json() == [
        {"relation": "parent", "person_id": pa, "display_name": federation.person_a.display_name}
    ]
    sibling = client.post(
        f"/api/v1/people/{pa}/relations",
        {"kind": "sibling", "relative_id": person_b.pk},
        content_type="application/json",
    )
    assert sibling.status_code == 422 and MARK_B not in sibling.content.decode()
    assert client.get(f"/api/v1/people/{person_b.pk}/relations").status_code == 404
    joined = client.post(
        f"/api/v1/people/{pa}/memberships",
        {"body": "FED", "status": "member", "joined": "1999-04-01"},
        content_type="application/json",
    )
    assert joined.status_code == 201 and joined.json()["body"] == "FED"
    assert client.get(f"/api/v1/people/{pa}/memberships").json()[0]["status"] == "member"
    wrong = client.post(
        f"/api/v1/people/{pa}/memberships",
        {"body": "B", "status": "member"},
        content_type="application/json",
    )
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["body", "body"]


def test_households_over_the_api(federation: Federation, person_b: Person) -> None:
    client = api_for(federation.officer_a)
    made = client.post(
        "/api/v1/households",
        {
            "person_id": federation.person_a.pk,
            "relation": "head",
            "address": "1-2",
            "postal_code": "544-0001",
        },
        content_type="application/json",
    )
    assert made.status_code == 201
    body = made.json()
    assert body["unit"] == "A" and body["members"][0]["person_id"] == federation.person_a.pk
    outside = client.post(
        "/api/v1/households",
        {
            "person_id": federation.person_a.pk,
            "relation": "head",
            "address": "x",
            "postal_code": "543-0001",
        },
        content_type="application/json",
    )
    assert outside.status_code == 422 and outside.json()["detail"][0]["loc"] == [
        "body",
        "postal_code",
    ]
    moved = client.post(
        f"/api/v1/households/{body['id']}/move",
        {"address": "9-9", "postal_code": "544-0001"},
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["address"] == "9-9"
    from branchwork.people import households

    home_b = households.create_household(
        actor=federation.officer_b, address=f"{MARK_B} 1", postal_code="543-0001"
    )
    denied = client.get(f"/api/v1/households/{home_b.pk}")
    assert denied.status_code == 404 and MARK_B not in denied.content.decode()
    assert (
        client.post(
            f"/api/v1/households/{home_b.pk}/move",
            {"address": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )


def test_relations_and_memberships_refuse_a_sibling_officer(federation: Federation) -> None:
    sibling = api_for(federation.officer_b)
    pa = federation.person_a.pk
    for path in (f"/api/v1/people/{pa}/relations", f"/api/v1/people/{pa}/memberships"):
        assert sibling.get(path).status_code == 404, path
    posted = sibling.post(
        f"/api/v1/people/{pa}/memberships",
        {"body": "FED", "status": "member"},
        content_type="application/json",
    )
    assert posted.status_code == 404


def test_consents_over_the_api(federation: Federation) -> None:
    client = api_for(federation.officer_a)
    pa = federation.person_a.pk
    bad = client.post(
        f"/api/v1/people/{pa}/consents",
        {"kind": "share", "given_on": "2026-01-01", "source": "form"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "partner"]
    made = client.post(
        f"/api/v1/people/{pa}/consents",
        {"kind": "contact", "given_on": "2026-01-01", "source": "form"},
        content_type="application/json",
    )
    assert made.status_code == 201
    cid = made.json()["id"]
    sibling = api_for(federation.officer_b)
    assert sibling.get(f"/api/v1/people/{pa}/consents").status_code == 404
    assert sibling.post(f"/api/v1/people/{pa}/consents/{cid}/withdraw").status_code == 404
    done = client.post(f"/api/v1/people/{pa}/consents/{cid}/withdraw")
    assert done.status_code == 200 and done.json()["withdrawn_on"] is not None
