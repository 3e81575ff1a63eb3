from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from branchwork.access.models import ApiToken
from branchwork.access.services import create_api_token, revoke_api_token
from branchwork.org.models import Term, TerritoryArea, Unit
from tests.conftest import MARK_B, Federation, make_unit

pytestmark = pytest.mark.django_db


def api_for(user) -> Client:  # type: ignore[no-untyped-def]
    _token, raw = create_api_token(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_openapi_schema_lists_the_routes(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/units",
        "/api/v1/units/{code}",
        "/api/v1/units/{code}/territory",
        "/api/v1/units/{code}/terms",
        "/api/v1/grants",
        "/api/v1/invitations",
    ):
        assert path in paths, path
    assert (
        "BearerAuth" in str(schema["components"]["securitySchemes"])
        or schema["components"]["securitySchemes"]
    )


def test_token_is_required_and_checked(federation: Federation) -> None:
    assert Client().get("/api/v1/units").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer bw_nonsense").get("/api/v1/units").status_code == 401
    token, raw = create_api_token(user=federation.officer_a, name="t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/units").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/units").status_code == 401
    token2, raw2 = create_api_token(user=federation.officer_a, name="t2")
    revoke_api_token(user=federation.officer_a, token=token2)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw2}").get("/api/v1/units").status_code == 401
    assert not ApiToken.objects.filter(token_hash__contains=raw2).exists()  # only hashes stored


def test_units_list_is_scoped_and_paginated(federation: Federation) -> None:
    data = api_for(federation.regional).get("/api/v1/units?limit=2").json()
    assert data["count"] == 5  # R1, A, A1, B, B1
    assert len(data["items"]) == 2
    codes = {u["code"] for u in api_for(federation.officer_a).get("/api/v1/units").json()["items"]}
    assert codes == {"A", "A1"}


def test_units_list_query_count_does_not_grow(
    federation: Federation, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client = api_for(federation.regional)
    client.get("/api/v1/units")

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/units").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for i in range(10):
        make_unit(federation.a, f"A9{i}", "group")
    assert count() == before
    # token with its user (last-used is not re-written within 5 minutes), grants (scope),
    # count, one page of units with parent and successor joined
    with django_assert_num_queries(4):
        client.get("/api/v1/units")


def test_create_unit_and_bad_input(federation: Federation) -> None:
    client = api_for(federation.central)
    ok = client.post(
        "/api/v1/units",
        {
            "code": "A2",
            "kind": "group",
            "parent": "A",
            "name_ko": "제2반",
            "name_ja": "第2班",
            "name_en": "Group 2",
        },
        content_type="application/json",
    )
    assert ok.status_code == 201 and ok.json()["parent"] == "A"
    dup = client.post(
        "/api/v1/units",
        {
            "code": "A2",
            "kind": "group",
            "parent": "A",
            "name_ko": "x",
            "name_ja": "x",
            "name_en": "x",
        },
        content_type="application/json",
    )
    assert dup.status_code == 422 and dup.json()["detail"][0]["loc"] == ["body", "code"]
    wrong_kind = client.post(
        "/api/v1/units",
        {
            "code": "A3",
            "kind": "region",
            "parent": "A",
            "name_ko": "x",
            "name_ja": "x",
            "name_en": "x",
        },
        content_type="application/json",
    )
    assert wrong_kind.status_code == 422
    assert not Unit.objects.filter(code="A3").exists()


def test_unit_cycle_refused_over_the_api(federation: Federation) -> None:
    client = api_for(federation.central)
    response = client.patch("/api/v1/units/R1", {"parent": "A"}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "parent"]
    assert Unit.objects.get(code="R1").parent == federation.fed


def test_officer_edits_need_edit_permission(federation: Federation) -> None:
    from branchwork.access.models import Grant, Role

    Grant.objects.filter(user=federation.officer_a).update(role=Role.objects.get(code="viewer"))
    response = api_for(federation.officer_a).post(
        "/api/v1/units/A/territory",
        {"kind": "postal", "value": "1234"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not TerritoryArea.objects.filter(value="1234").exists()


def test_territory_claimed_twice_is_422(federation: Federation) -> None:
    client = api_for(federation.regional)
    response = client.post(
        "/api/v1/units/A/territory",
        {"kind": "postal", "value": "5430"},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"][0]["loc"] == ["body", "value"]
    added = client.post(
        "/api/v1/units/A/territory",
        {"kind": "postal", "value": "5441"},
        content_type="application/json",
    )
    assert added.status_code == 201


def test_territory_claim_does_not_name_the_other_unit(federation: Federation) -> None:
    response = api_for(federation.officer_a).post(
        "/api/v1/units/A/territory",
        {"kind": "postal", "value": "5430"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert MARK_B not in response.content.decode()


def test_terms_over_the_api(federation: Federation) -> None:
    client = api_for(federation.officer_a)
    start = timezone.localdate()
    bad = client.post(
        "/api/v1/units/A/terms",
        {
            "post_type": "chair",
            "person_id": federation.person_a.pk,
            "start": str(start),
            "end": str(start - dt.timedelta(days=1)),
        },
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "end"]
    other = client.post(
        "/api/v1/units/A/terms",
        {"post_type": "chair", "person_id": federation.person_b.pk, "start": str(start)},
        content_type="application/json",
    )
    assert other.status_code == 422 and other.json()["detail"][0]["loc"] == ["body", "person_id"]
    assert MARK_B not in other.content.decode()
    ok = client.post(
        "/api/v1/units/A/terms",
        {"post_type": "chair", "person_id": federation.person_a.pk, "start": str(start)},
        content_type="application/json",
    )
    assert ok.status_code == 201
    term_id = ok.json()["id"]
    ended = client.post(
        f"/api/v1/units/A/terms/{term_id}/end", {"end": str(start)}, content_type="application/json"
    )
    assert ended.status_code == 200 and ended.json()["end"] == str(start)
    assert (
        client.get("/api/v1/units/A/terms?current=true").json()["count"]
        == Term.objects.current().filter(unit=federation.a).count()
    )
    posts = client.get("/api/v1/units/A/posts").json()
    assert posts[0]["post_type"] == "chair"


def test_merge_over_the_api(federation: Federation) -> None:
    client = api_for(federation.central)
    response = client.post(
        "/api/v1/units/B/merge", {"target": "A"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert Unit.objects.get(code="B").status == "merged"
    again = client.post("/api/v1/units/B/merge", {"target": "A"}, content_type="application/json")
    assert again.status_code == 422


def test_wrong_method(federation: Federation) -> None:
    client = api_for(federation.officer_a)
    assert client.delete("/api/v1/units").status_code == 405
    assert client.put("/api/v1/units/A").status_code == 405


def test_roles_and_post_types(federation: Federation) -> None:
    client = api_for(federation.officer_a)
    roles = {r["code"]: r for r in client.get("/api/v1/roles").json()}
    assert roles["administrator"]["permissions"] == sorted(
        ["view", "edit", "sensitive", "cases", "money", "admin"]
    )
    assert "chair" in [p["code"] for p in client.get("/api/v1/post-types").json()]
    body = {"code": "auditor", "name_ko": "감사", "name_ja": "監査", "name_en": "Auditor"}
    assert (
        client.post("/api/v1/post-types", body, content_type="application/json").status_code == 403
    )
    admin = api_for(federation.central)
    assert (
        admin.post("/api/v1/post-types", body, content_type="application/json").status_code == 201
    )
    again = admin.post("/api/v1/post-types", body, content_type="application/json")
    assert again.status_code == 422 and again.json()["detail"][0]["loc"] == ["body", "code"]
