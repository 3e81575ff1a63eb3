"""Provisions to third parties: the rules of the record (basis, consent, items), who may record
and see them, the person's page, the scoped list with its CSV (formulas defused, download
audited), the API, and no trace of a sibling branch anywhere."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from branchwork.access.models import AuditEvent
from branchwork.access.services import create_api_token
from branchwork.core.errors import PermissionDeniedError
from branchwork.people import services
from branchwork.people.models import Consent, Person, Provision
from branchwork.people.provisions import defuse, record_provision
from tests.access.test_leaks import crawl
from tests.conftest import MARK_B, Federation, make_user, signed_in

pytestmark = pytest.mark.django_db

LAW: dict[str, Any] = {
    "kind": "referral",
    "recipient": "みなと区役所 福祉課",
    "purpose": "安否確認",
    "items": ["family_name_kanji", "phone"],
    "basis": "law",
}


def api_for(user: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=user, name='t')[1]}")


def share_consent(federation: Federation, person: Person, partner: str) -> Consent:
    return services.give_consent(
        actor=federation.central,
        person=person,
        kind="share",
        partner=partner,
        given_on=timezone.localdate() - dt.timedelta(days=30),
        source="paper form",
    )


@pytest.fixture
def provision_b(federation: Federation) -> Provision:
    """A provision in branch B whose every text carries the marker."""
    return record_provision(
        actor=federation.officer_b,
        person=federation.person_b,
        kind="export",
        recipient=f"{MARK_B} partner",
        purpose=f"{MARK_B} purpose",
        items=["email"],
        basis="other",
    )


# --- the service ------------------------------------------------------------------------


def test_a_provision_is_recorded_and_audited_without_values(federation: Federation) -> None:
    provision = record_provision(actor=federation.officer_a, person=federation.person_a, **LAW)
    assert provision.unit == federation.a and provision.by == federation.officer_a
    assert provision.provided_on == timezone.localdate()
    assert provision.items == ["family_name_kanji", "phone"]
    event = AuditEvent.objects.get(object_type="people.provision", action="create")
    assert event.object_id == str(provision.pk) and event.unit_id_ref == federation.a.pk
    assert "recipient" in event.fields and "みなと" not in " ".join(event.fields)


def test_consent_as_basis_needs_a_matching_consent_in_force(federation: Federation) -> None:
    person = federation.person_a
    args = LAW | {"basis": "consent", "recipient": "Hana Support Centre"}
    with pytest.raises(ValidationError) as missing:
        record_provision(actor=federation.officer_a, person=person, **args)
    assert "consent" in missing.value.message_dict
    assert "needs the person's consent" in missing.value.message_dict["consent"][0]

    other = share_consent(federation, person, "Another Partner")
    with pytest.raises(ValidationError) as wrong:
        record_provision(actor=federation.officer_a, person=person, consent=other, **args)
    assert "Another Partner" in wrong.value.message_dict["consent"][0]

    photos = services.give_consent(
        actor=federation.officer_a,
        person=person,
        kind="photos",
        given_on=timezone.localdate(),
        source="form",
    )
    with pytest.raises(ValidationError) as not_share:
        record_provision(actor=federation.officer_a, person=person, consent=photos, **args)
    assert "consent" in not_share.value.message_dict

    right = share_consent(federation, person, "ＨＡＮＡ  support centre")  # width, case, spaces
    made = record_provision(actor=federation.officer_a, person=person, consent=right, **args)
    assert made.consent == right

    services.withdraw_consent(actor=federation.officer_a, consent=right)
    right.refresh_from_db()
    with pytest.raises(ValidationError):
        record_provision(actor=federation.officer_a, person=person, consent=right, **args)

    someone_else = share_consent(federation, federation.person_b, "Hana Support Centre")
    with pytest.raises(ValidationError):
        record_provision(actor=federation.officer_a, person=person, consent=someone_else, **args)
    with pytest.raises(ValidationError) as law_with_consent:
        record_provision(actor=federation.officer_a, person=person, consent=other, **LAW)
    assert "consent" in law_with_consent.value.message_dict


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"items": ["family_name_kanji", "password"]}, "items"),
        ({"items": []}, "items"),
        ({"recipient": "   "}, "recipient"),
        ({"purpose": ""}, "purpose"),
        ({"kind": "gift"}, "kind"),
        ({"basis": "whim"}, "basis"),
        ({"provided_on": dt.date(2999, 1, 1)}, "provided_on"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    federation: Federation, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        record_provision(actor=federation.officer_a, person=federation.person_a, **(LAW | change))
    assert field in exc.value.message_dict
    assert not Provision.objects.exists()


def test_unknown_items_are_named_in_the_message(federation: Federation) -> None:
    with pytest.raises(ValidationError) as exc:
        record_provision(
            actor=federation.officer_a,
            person=federation.person_a,
            **(LAW | {"items": ["phone", "password"]}),
        )
    assert "password" in exc.value.message_dict["items"][0]


def test_recording_needs_the_edit_permission(federation: Federation) -> None:
    viewer = make_user("viewer-a", "viewer", federation.a)
    for user in (viewer, federation.officer_b):
        with pytest.raises(PermissionDeniedError):
            record_provision(actor=user, person=federation.person_a, **LAW)
    record_provision(actor=federation.regional, person=federation.person_a, **LAW)


def test_nothing_is_provided_from_an_erased_person(federation: Federation) -> None:
    Person.objects.filter(pk=federation.person_a.pk).update(erased_at=timezone.now())
    federation.person_a.refresh_from_db()
    with pytest.raises(ValidationError):
        record_provision(actor=federation.officer_a, person=federation.person_a, **LAW)


def test_formula_like_cells_are_defused() -> None:
    for text in ("=1+1", "+81 90", "-2", "@SUM(A1)", "\tx"):
        assert defuse(text) == "'" + text
    assert defuse("Hana =1") == "Hana =1" and defuse(None) == "" and defuse(7) == "7"


# --- pages -------------------------------------------------------------------------------


def test_the_form_records_and_the_person_page_shows_it(federation: Federation) -> None:
    person = federation.person_a
    url = reverse("people:provision-add", args=[person.pk])
    client = signed_in(federation.officer_a)
    assert client.get(url).status_code == 200
    ok = client.post(url, LAW | {"provided_on": "2026-01-15"})
    assert ok.status_code == 302
    page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert "みなと区役所 福祉課" in page and "2026-01-15" in page
    assert "family name (kanji/hanja)" in page  # items by their labels
    assert url in page


def test_the_form_shows_the_consent_error_and_offers_share_consents(
    federation: Federation,
) -> None:
    person = federation.person_a
    consent = share_consent(federation, person, "Hana Support Centre")
    client = signed_in(federation.officer_a)
    url = reverse("people:provision-add", args=[person.pk])
    assert f'value="{consent.pk}"' in client.get(url).content.decode()
    missing = client.post(url, LAW | {"basis": "consent", "recipient": "Hana Support Centre"})
    assert missing.status_code == 200
    assert "needs the person&#x27;s consent" in missing.content.decode()
    ok = client.post(
        url,
        LAW | {"basis": "consent", "recipient": "Hana Support Centre", "consent": consent.pk},
    )
    assert ok.status_code == 302 and Provision.objects.get().consent == consent


def test_the_form_for_the_three_actors(federation: Federation) -> None:
    url = reverse("people:provision-add", args=[federation.person_b.pk])
    assert signed_in(federation.officer_b).get(url).status_code == 200
    assert signed_in(federation.regional).get(url).status_code == 200
    sibling = signed_in(federation.officer_a)
    for response in (sibling.get(url), sibling.post(url, LAW)):
        assert response.status_code == 404 and MARK_B not in response.content.decode()
    viewer = make_user("viewer-b", "viewer", federation.b)
    assert signed_in(viewer).get(url).status_code == 403
    assert signed_in(federation.officer_b).delete(url).status_code == 405
    assert not Provision.objects.exists()


def test_the_list_is_scoped_filtered_and_paginated(
    federation: Federation, provision_b: Provision, django_assert_num_queries: Any
) -> None:
    for i in range(30):
        record_provision(
            actor=federation.officer_a,
            person=federation.person_a,
            provided_on=dt.date(2025, 1, 1) + dt.timedelta(days=i),
            **LAW,
        )
    url = reverse("people:provisions")
    client = signed_in(federation.officer_a)
    first = client.get(url).content.decode()
    assert first.count('data-testid="provision"') == 25 and "30 provisions" in first
    assert MARK_B not in first
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count('data-testid="provision"') == 5
    january = client.get(url, {"date_from": "2025-01-10", "date_to": "2025-01-19"})
    assert january.content.decode().count('data-testid="provision"') == 10
    assert client.get(url, {"unit": "B"}).status_code == 404
    assert client.get(url, {"unit": "A"}).content.decode().count('data-testid="provision"') == 25
    regional = signed_in(federation.regional).get(url, {"unit": "B"}).content.decode()
    assert f"{MARK_B} partner" in regional
    assert client.post(url).status_code == 405
    client.get(url)
    # session, user, grants (scope), count, one page of provisions with person, units and
    # recorder
    with django_assert_num_queries(5):
        client.get(url)
    record_provision(actor=federation.officer_a, person=federation.person_a, **LAW)
    with django_assert_num_queries(5):
        client.get(url)


def test_the_csv_is_scoped_defused_and_its_download_audited(
    federation: Federation, provision_b: Provision
) -> None:
    formula = '=HYPERLINK("http://evil.example","click")'
    made = record_provision(
        actor=federation.officer_a,
        person=federation.person_a,
        **(LAW | {"recipient": formula, "purpose": "@cmd"}),
    )
    assert Provision.objects.get(pk=made.pk).recipient == formula  # stored verbatim
    client = signed_in(federation.officer_a)
    before = AuditEvent.objects.filter(action="export_provisions").count()
    response = client.get(reverse("people:provisions-csv"), {"unit": "A"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert MARK_B not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "provided on" and len(rows) == 2
    assert rows[1][5] == "'" + formula and rows[1][6] == "'@cmd"
    events = AuditEvent.objects.filter(action="export_provisions")
    assert events.count() == before + 1
    event = events.latest("seq")
    assert event.actor_id == federation.officer_a.pk and event.unit_id_ref == federation.a.pk
    assert "recipient" in event.fields
    everything = client.get(reverse("people:provisions-csv")).content.decode("utf-8-sig")
    assert MARK_B not in everything
    assert client.get(reverse("people:provisions-csv"), {"unit": "B"}).status_code == 404


def test_no_marker_of_b_in_what_a_can_reach(federation: Federation, provision_b: Provision) -> None:
    record_provision(actor=federation.officer_a, person=federation.person_a, **LAW)
    client = signed_in(federation.officer_a)
    pages = crawl(client)
    assert any("/privacy/provisions/" in url for url in pages)
    assert any(f"/people/{federation.person_a.pk}/" in url for url in pages)
    for url, body in pages.items():
        assert MARK_B not in body, url


# --- API ---------------------------------------------------------------------------------


def test_the_api_lists_and_records_provisions_in_scope(
    federation: Federation, provision_b: Provision
) -> None:
    a = api_for(federation.officer_a)
    person = federation.person_a
    url = f"/api/v1/people/{person.pk}/provisions"
    created = a.post(url, LAW, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert body["unit"] == "A" and body["items"] == LAW["items"] and body["basis"] == "law"
    listed = a.get(url).json()
    assert [p["id"] for p in listed] == [body["id"]]
    hidden = a.get(f"/api/v1/people/{federation.person_b.pk}/provisions")
    assert hidden.status_code == 404 and MARK_B not in hidden.content.decode()
    sneak = a.post(
        f"/api/v1/people/{federation.person_b.pk}/provisions", LAW, content_type="application/json"
    )
    assert sneak.status_code == 404
    assert (
        MARK_B
        in api_for(federation.regional)
        .get(f"/api/v1/people/{federation.person_b.pk}/provisions")
        .content.decode()
    )


def test_the_api_refuses_bad_provisions(federation: Federation) -> None:
    person = federation.person_a
    url = f"/api/v1/people/{person.pk}/provisions"
    a = api_for(federation.officer_a)
    no_consent = a.post(
        url, LAW | {"basis": "consent", "recipient": "Hana"}, content_type="application/json"
    )
    assert no_consent.status_code == 422
    assert no_consent.json()["detail"][0]["loc"] == ["body", "consent"]
    strange = a.post(url, LAW | {"items": ["secret"]}, content_type="application/json")
    assert strange.status_code == 422 and "secret" in strange.content.decode()
    someone_elses = share_consent(federation, federation.person_b, "Hana")
    foreign = a.post(
        url,
        LAW | {"basis": "consent", "recipient": "Hana", "consent_id": someone_elses.pk},
        content_type="application/json",
    )
    assert foreign.status_code == 422 and foreign.json()["detail"][0]["loc"] == [
        "body",
        "consent_id",
    ]
    viewer = api_for(make_user("viewer-a", "viewer", federation.a))
    assert viewer.post(url, LAW, content_type="application/json").status_code == 403
    assert not Provision.objects.exists()


def test_the_demo_adds_rules_and_provisions_that_follow_the_rules(federation: Federation) -> None:
    import random

    from branchwork.people.demo_privacy import add_privacy_demo
    from branchwork.people.models import RetentionRule
    from branchwork.people.provisions import ITEM_FIELDS

    added = add_privacy_demo(timezone.localdate(), random.Random(1))
    assert added == {"rules": 2, "provisions": 2}  # the fixture has two people
    assert set(RetentionRule.objects.values_list("kind", flat=True)) == {
        "former_member",
        "deceased",
    }
    for p in Provision.objects.select_related("consent"):
        assert set(p.items) <= set(ITEM_FIELDS) and p.unit_id == p.person.unit_id
        if p.basis == "consent":
            assert p.consent is not None and p.consent.partner == p.recipient
            assert p.consent.person_id == p.person_id and p.consent.given_on <= p.provided_on
    assert add_privacy_demo(timezone.localdate(), random.Random(1)) == {
        "rules": 0,
        "provisions": 0,
    }
