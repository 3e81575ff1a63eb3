"""Partner organisations: writing them, the people to reach there, the joint events held with
them, the pages and the API; a sibling branch's partners appear nowhere."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from branchwork.access.services import create_api_token
from branchwork.activities import partners, services
from branchwork.activities.models import EventKind, PartnerOrganisation
from branchwork.core.errors import PermissionDeniedError
from tests.conftest import MARK_B, Federation, signed_in


def make(
    federation: Federation, unit: object = None, name: str = "生野区役所"
) -> PartnerOrganisation:
    actor = federation.officer_b if unit is federation.b else federation.officer_a
    return partners.create_partner(
        actor=actor,
        unit=unit or federation.a,  # type: ignore[arg-type]
        name=name,
        kind="区役所",
        contact_name="田中",
        email="tanaka@example.jp",
    )


def test_write_a_partner_and_hold_a_joint_event(federation: Federation) -> None:
    partner = make(federation)
    with pytest.raises(ValidationError):
        make(federation)  # the same name twice in one unit
    with pytest.raises(ValidationError):
        partners.create_partner(actor=federation.officer_a, unit=federation.a, name=" ")
    with pytest.raises(ValidationError):
        partners.create_partner(
            actor=federation.officer_a, unit=federation.a, name="x", email="not-an-address"
        )
    with pytest.raises(PermissionDeniedError):
        partners.create_partner(actor=federation.officer_a, unit=federation.b, name="x")
    with pytest.raises(ValidationError):
        partners.add_contact(actor=federation.officer_a, partner=partner, name="佐藤")
    partners.add_contact(
        actor=federation.officer_a, partner=partner, name="佐藤", role="課長", phone="06-1111"
    )
    region = partners.create_partner(actor=federation.regional, unit=federation.r1, name="府庁")
    sibling = make(federation, federation.b, name=f"{MARK_B} 協会")
    starts = timezone.now() + dt.timedelta(days=5)
    kind = EventKind.objects.get(code="friendship")
    event = services.create_event(
        actor=federation.officer_a,
        unit=federation.a,
        kind=kind,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        title_ja="多文化共生フェスタ",
        partners=[partner, region],  # the region's partner can co-host a branch's event
    )
    assert set(event.partners.all()) == {partner, region}
    with pytest.raises(ValidationError):
        services.create_event(
            actor=federation.officer_a,
            unit=federation.a,
            kind=kind,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            title_ja="x",
            partners=[sibling],
        )
    client = signed_in(federation.officer_a)
    page = client.get(reverse("activities:partner", args=[partner.pk])).content.decode()
    assert "多文化共生フェスタ" in page and "佐藤" in page and "課長" in page
    form = client.get(reverse("activities:event-create", args=["A"])).content.decode()
    assert "生野区役所" in form and "府庁" in form and MARK_B not in form


def test_pages_create_and_edit(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    url = reverse("activities:partner-create", args=["A"])
    assert client.get(url).status_code == 200
    done = client.post(url, {"name": "民団", "email": "x@example.jp", "active": "on"})
    partner = PartnerOrganisation.objects.get(name="民団")
    assert done["Location"] == reverse("activities:partner", args=[partner.pk])
    client.post(reverse("activities:partner-edit", args=[partner.pk]), {"name": "民団 生野"})
    partner.refresh_from_db()
    assert partner.name == "民団 生野" and partner.active is False
    client.post(
        reverse("activities:partner", args=[partner.pk]), {"name": "金", "email": "k@example.jp"}
    )
    contact = partner.contacts.get()
    client.post(reverse("activities:partner-contact-remove", args=[partner.pk, contact.pk]))
    assert not partner.contacts.exists()
    listing = client.get(reverse("activities:unit-partners", args=["A"])).content.decode()
    assert "民団 生野" in listing


def test_a_sibling_branchs_partners_do_not_leak(federation: Federation) -> None:
    secret = make(federation, federation.b, name=f"{MARK_B} 協会")
    partners.add_contact(
        actor=federation.officer_b, partner=secret, name=f"{MARK_B} 氏", email="b@example.jp"
    )
    client = signed_in(federation.officer_a)
    for name in ("activities:partner", "activities:partner-edit"):
        assert client.get(reverse(name, args=[secret.pk])).status_code == 404
    contact = secret.contacts.get()
    assert (
        client.post(
            reverse("activities:partner-contact-remove", args=[secret.pk, contact.pk])
        ).status_code
        == 404
    )
    assert client.get(reverse("activities:unit-partners", args=["B"])).status_code in (403, 404)
    for code in ("A", "R1"):
        page = client.get(reverse("activities:unit-partners", args=[code]))
        assert MARK_B not in page.content.decode()
    token = create_api_token(user=federation.officer_a, name="t", days=1)[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    api = Client()
    listed = api.get("/api/v1/partners?limit=100", **auth)
    assert listed.status_code == 200 and MARK_B not in listed.content.decode()
    assert api.get(f"/api/v1/partners/{secret.pk}", **auth).status_code == 404
    added = api.post(
        f"/api/v1/partners/{secret.pk}/contacts",
        {"name": "x", "email": "x@example.jp"},
        content_type="application/json",
        **auth,
    )
    assert added.status_code == 404
    # B's officer sees it, and the region's (B is under R1).
    mine = signed_in(federation.regional).get(reverse("activities:partner", args=[secret.pk]))
    assert mine.status_code == 200


def test_partners_over_the_api(federation: Federation) -> None:
    token = create_api_token(user=federation.officer_a, name="t", days=1)[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    api = Client()
    made = api.post(
        "/api/v1/partners",
        {"unit": "A", "name": "生野区役所", "email": "ku@example.jp"},
        content_type="application/json",
        **auth,
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    bad = api.post(
        "/api/v1/partners",
        {"unit": "A", "name": "x", "email": "nope"},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "email"]
    api.post(
        f"/api/v1/partners/{pk}/contacts",
        {"name": "田中", "phone": "06-1234"},
        content_type="application/json",
        **auth,
    )
    starts = timezone.now() + dt.timedelta(days=3)
    event = api.post(
        "/api/v1/events",
        {
            "unit": "A",
            "kind": "friendship",
            "title_ja": "交流会",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(hours=2)).isoformat(),
            "partners": [pk],
        },
        content_type="application/json",
        **auth,
    )
    assert event.status_code == 201, event.content
    detail = api.get(f"/api/v1/partners/{pk}", **auth).json()
    assert [c["name"] for c in detail["contacts"]] == ["田中"]
    assert detail["joint_events"] == [event.json()["id"]]
