"""Bulletins over the API: the same rules and scoping as the pages."""

from __future__ import annotations

from typing import Any

from django.test import Client

from branchwork.access.services import create_api_token
from branchwork.news import services
from tests.conftest import MARK_B, Federation


def api_for(user: Any) -> tuple[Client, dict[str, str]]:
    token = create_api_token(user=user, name="t", days=1)[1]
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_publish_list_and_withdraw_over_the_api(federation: Federation) -> None:
    client, auth = api_for(federation.officer_a)
    body = {"unit": "A", "audience": "public", "title_ko": "소식", "description_ko": "본문"}
    made = client.post("/api/v1/news", body, content_type="application/json", **auth)
    assert made.status_code == 201, made.content
    item = made.json()
    assert item["unit"] == "A" and item["title_ko"] == "소식" and item["description_ko"] == "본문"
    missing = client.post(
        "/api/v1/news", {**body, "description_ko": ""}, content_type="application/json", **auth
    )
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == [
        "body",
        "description_ko",
    ]
    other = client.post(
        "/api/v1/news", {**body, "unit": "B"}, content_type="application/json", **auth
    )
    assert other.status_code in (403, 422)
    listed = client.get("/api/v1/news?unit=A", **auth).json()
    assert [i["id"] for i in listed["items"]] == [item["id"]]
    gone = client.post(f"/api/v1/news/{item['id']}/withdraw", **auth)
    assert gone.status_code == 200 and gone.json()["withdrawn"] is True


def test_a_sibling_branchs_private_news_is_not_served(federation: Federation) -> None:
    secret = {
        audience: services.publish_bulletin(
            actor=federation.officer_b,
            unit=federation.b,
            audience=audience,
            title_ja=f"{MARK_B} {audience}",
            description_ja=MARK_B,
        )
        for audience in ("members", "officers")
    }
    client, auth = api_for(federation.officer_a)
    everything = client.get("/api/v1/news?limit=100", **auth)
    assert everything.status_code == 200 and MARK_B not in everything.content.decode()
    for bulletin in secret.values():
        assert client.get(f"/api/v1/news/{bulletin.pk}", **auth).status_code == 404
        assert client.post(f"/api/v1/news/{bulletin.pk}/withdraw", **auth).status_code == 404
    assert client.get("/api/v1/news?unit=B", **auth).status_code == 404
    own, own_auth = api_for(federation.officer_b)
    assert {i["id"] for i in own.get("/api/v1/news", **own_auth).json()["items"]} == {
        b.pk for b in secret.values()
    }


def test_draft_preview_and_send_a_newsletter_over_the_api(
    federation: Federation, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from branchwork.people.models import Consent, Person

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    Person.objects.filter(pk=federation.person_a.pk).update(email="a@example.jp")
    Consent.objects.create(
        person=federation.person_a, kind="newsletter", given_on="2026-01-01", source="form"
    )
    client, auth = api_for(federation.officer_a)
    body = {"unit": "A", "title_ja": "便り", "description_ja": "本文", "age_max": 10, "age_min": 20}
    bad = client.post("/api/v1/newsletters", body, content_type="application/json", **auth)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "age_max"]
    body.pop("age_max"), body.pop("age_min")
    made = client.post("/api/v1/newsletters", body, content_type="application/json", **auth)
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert client.get(f"/api/v1/newsletters/{pk}/preview", **auth).json() == {
        "segment": 1,
        "recipients": 1,
    }
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"/api/v1/newsletters/{pk}/send", **auth)
    assert sent.status_code == 200 and sent.json()["total"] == 1
    counts = client.get(f"/api/v1/newsletters/{pk}/counts", **auth).json()
    assert counts["status"] == "sent" and counts["sent"] == 1
    again = client.post(f"/api/v1/newsletters/{pk}/send", **auth)
    assert again.status_code == 422
