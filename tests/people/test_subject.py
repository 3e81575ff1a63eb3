"""Export of everything held about a person: content, scoping inside the export, sensitive
fields, the audit entry, the page and the download, and the three actors."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from branchwork.access.models import AuditEvent, User
from branchwork.core.errors import PermissionDeniedError
from branchwork.org.models import PostType, Term, UnitKind
from branchwork.people import households, services, subject
from branchwork.people.models import (
    Membership,
    Person,
    PersonMerge,
    Provision,
    Relationship,
)
from branchwork.people.subject import export_person
from tests.conftest import MARK_B, Federation, make_unit, make_user, signed_in

pytestmark = pytest.mark.django_db

SENSITIVE_VALUE = f"{MARK_B}-status"


@pytest.fixture
def rich_a(federation: Federation) -> Person:
    """Person A with something in every section, all within branch A."""
    central = federation.central
    person = federation.person_a
    services.update_person(
        actor=central,
        person=person,
        version=person.version,
        email="minsu@example.org",
        birth_date=dt.date(1970, 5, 6),
        notes="likes =SUM(A1:A9) in spreadsheets",
    )
    services.update_sensitive(actor=central, person=person, nationality="ROK")
    relative = services.create_person(actor=central, unit=federation.a1, family_name_hangul="윤")
    services.relate(actor=central, person=person, relative=relative, kind="parent")
    services.relate(actor=central, person=relative, relative=person, kind="guardian")
    services.add_membership(
        actor=central,
        person=person,
        body=federation.fed,
        status="member",
        joined=dt.date(1990, 4, 1),
    )
    services.give_consent(
        actor=central, person=person, kind="photos", given_on=dt.date(2024, 1, 1), source="form"
    )
    home = households.create_household(
        actor=central, address="1-2-3 Old street", postal_code="544-0001"
    )
    households.add_member(
        actor=central, household=home, person=person, relation="head", since=dt.date(2000, 1, 1)
    )
    households.move_household(
        actor=central,
        household=home,
        address="4-5-6 New street",
        postal_code="544-0001",
        on=dt.date(2010, 6, 1),
    )
    Provision.objects.create(
        person=person,
        unit=federation.a,
        kind="referral",
        recipient="City office",
        purpose="housing support",
        items=["name", "address"],
        basis="consent",
        provided_on=dt.date(2024, 2, 1),
    )
    PersonMerge.objects.create(merged_id=99999, into=person, by=central)
    return Person.objects.get(pk=person.pk)


def test_export_holds_every_section(federation: Federation, rich_a: Person) -> None:
    data = export_person(actor=federation.central, person=rich_a)
    assert data["format"] == subject.FORMAT and data["exported_by"] == "central"
    # Every stored field of the person, by name.
    assert {f.name for f in Person._meta.concrete_fields} - {"unit"} <= set(data["person"])
    assert data["person"]["email"] == "minsu@example.org"
    assert data["person"]["birth_date"] == "1970-05-06"
    assert data["unit"] == {"code": "A", "name": federation.a.name}
    assert data["sensitive"] == {
        "included": True,
        "values": {"nationality": "ROK", "residency_status": "", "health_notes": ""},
    }
    relations = {(r["recorded_on"], r["kind"], r["relation"]) for r in data["relationships"]}
    assert relations == {("person", "parent", "child"), ("relative", "guardian", "guardian")}
    assert all(r["other_person"]["name"] == "윤" for r in data["relationships"])
    assert [m["status"] for m in data["memberships"]] == ["member"]
    assert data["memberships"][0]["body"]["code"] == "FED"
    [home] = data["households"]
    assert home["relation"] == "head" and home["until"] is None
    assert [(a["from"], a["to"], a["address"]) for a in home["addresses"]] == [
        ("2000-01-01", "2010-06-01", "1-2-3 Old street"),
        ("2010-06-01", None, "4-5-6 New street"),
    ]
    assert [c["kind"] for c in data["consents"]] == ["photos"]
    assert data["provisions"][0]["recipient"] == "City office"
    assert data["provisions"][0]["unit"]["code"] == "A"
    assert data["merged_from"][0]["merged_id"] == 99999
    assert [t["post"] for t in data["officer_terms"]] == [PostType.objects.get(code="chair").name]
    assert data["user_account"] is None
    # Every later model is there, even when it holds nothing about the person.
    assert data["other"] == {
        "activities.contact": [],
        "activities.registration": [],
        "care.case": [],
        "care.helpoffer": [],
        "congress.candidate": [],
        "congress.delegate": [],
        "education.enrolment": [],
        "money.allocationitem": [],
        "money.donation": [],
        "money.duespayment": [],
        "news.delivery": [],
    }
    actions = [e["action"] for e in data["audit_events"]]
    assert "update" in actions and "update_sensitive" in actions and "consent_given" in actions
    assert actions[-1] == "subject_export"  # the export lists itself
    json.dumps(data)  # plain data throughout


def test_export_is_audited_with_names_only(federation: Federation, rich_a: Person) -> None:
    export_person(actor=federation.central, person=rich_a)
    event = AuditEvent.objects.filter(action="subject_export").latest("seq")
    assert event.actor_id == federation.central.pk
    assert (event.object_type, event.object_id) == ("people.person", str(rich_a.pk))
    assert {"person", "relationships", "households", "nationality"} <= set(event.fields)
    assert "ROK" not in json.dumps(event.fields) and "minsu" not in json.dumps(event.fields)


def test_export_names_the_user_account_never_its_password(federation: Federation) -> None:
    user = make_user("minsu")
    user.person = federation.person_a
    user.save()
    account = export_person(actor=federation.central, person=federation.person_a)["user_account"]
    assert account["username"] == "minsu" and account["email"] == "minsu@example.org"
    assert "password" not in account
    assert User.objects.get(pk=user.pk).password not in json.dumps(account)


def test_relations_of_person_are_covered_generically(
    federation: Federation, rich_a: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every relation of Person is a named section or lands in "other": a model added later is
    exported without anyone remembering to add it here."""
    names = {rel.get_accessor_name() for rel in Person._meta.related_objects}
    assert names <= subject.HANDLED_RELATIONS | {
        rel.get_accessor_name()
        for rel in Person._meta.related_objects
        if f"{rel.related_model._meta.app_label}.{rel.related_model._meta.model_name}"
        in export_person(actor=federation.central, person=rich_a)["other"]
    }
    # Pretend consents were a model nobody wrote a section for.
    monkeypatch.setattr(subject, "HANDLED_RELATIONS", subject.HANDLED_RELATIONS - {"consents"})
    other = export_person(actor=federation.central, person=rich_a)["other"]
    assert other["people.consent"][0]["kind"] == "photos"
    assert other["people.consent"][0]["source"] == "form"


def test_sensitive_values_need_the_sensitive_permission(federation: Federation) -> None:
    person = services.create_person(
        actor=federation.officer_b, unit=federation.b, family_name_hangul="박"
    )
    services.update_sensitive(
        actor=federation.central, person=person, residency_status=SENSITIVE_VALUE
    )
    admin_b = make_user("admin-b", "unit_admin", federation.b)  # view, edit, admin: no sensitive
    data = export_person(actor=admin_b, person=person)
    assert data["sensitive"]["included"] is False
    assert data["sensitive"]["withheld"] == ["nationality", "residency_status", "health_notes"]
    assert SENSITIVE_VALUE not in json.dumps(data, ensure_ascii=False)
    event = AuditEvent.objects.filter(action="subject_export").latest("seq")
    assert "sensitive" not in event.fields and "residency_status" not in event.fields
    page = signed_in(admin_b).get(reverse("people:data", args=[person.pk])).content.decode()
    assert SENSITIVE_VALUE not in page and "withheld" in page
    full = export_person(actor=federation.central, person=person)
    assert full["sensitive"]["values"]["residency_status"] == SENSITIVE_VALUE


def _plant_b_around_a(federation: Federation) -> Person:
    """Person A tied to branch B every way the registry allows: relatives in B both ways, a
    membership of B's women's union, a household in B they left, a post held in B."""
    central = federation.central
    person_a, person_b = federation.person_a, federation.person_b
    Relationship.objects.create(person=person_a, relative=person_b, kind="parent")
    Relationship.objects.create(person=person_b, relative=person_a, kind="guardian")
    union_b = make_unit(federation.b, "BW", UnitKind.WOMENS_UNION, marker=MARK_B)
    Membership.objects.create(person=person_a, body=union_b, status="member")
    old_home = households.create_household(
        actor=central, address=f"{MARK_B} 9-9", postal_code="", unit=federation.b
    )
    households.add_member(
        actor=central,
        household=old_home,
        person=person_a,
        relation="child",
        since=dt.date(1990, 1, 1),
    )
    households.add_member(
        actor=central,
        household=old_home,
        person=person_b,
        relation="head",
        since=dt.date(1990, 1, 1),
    )
    new_home = households.create_household(
        actor=central, address="A street 1", postal_code="", unit=federation.a
    )
    person_a.refresh_from_db()  # now recorded in B, with the household
    households.add_member(
        actor=central,
        household=new_home,
        person=person_a,
        relation="head",
        since=dt.date(2015, 1, 1),
    )
    Term.objects.create(
        unit=federation.b,
        origin_unit=federation.b,
        post_type=PostType.objects.get(code="secretary"),
        person=person_a,
        start=timezone.localdate() - dt.timedelta(days=900),
        end=timezone.localdate() - dt.timedelta(days=400),
        note=f"{MARK_B} term note",
    )
    return Person.objects.select_related("unit").get(pk=person_a.pk)


def test_export_never_carries_a_sibling_branchs_marker(federation: Federation) -> None:
    person_a = _plant_b_around_a(federation)
    assert person_a.unit == federation.a
    data = export_person(actor=federation.admin_a, person=person_a)
    dumped = json.dumps(data, ensure_ascii=False)
    assert MARK_B not in dumped
    # The ties are there, reduced to what identifies no one of B.
    assert {r["kind"] for r in data["relationships"]} == {"parent", "guardian"}
    assert all(r["other_person"] == {"outside_your_units": True} for r in data["relationships"])
    assert data["memberships"][0]["body"] == {"outside_your_units": True}
    past, current = data["households"]
    assert past["outside_your_units"] is True and "addresses" not in past
    assert current["addresses"][0]["address"] == "A street 1"
    secretary = [t for t in data["officer_terms"] if t["unit"] == {"outside_your_units": True}]
    assert secretary and "note" not in secretary[0]
    # The page and the download show the same, and nothing more.
    client = signed_in(federation.admin_a)
    for name in ("people:data", "people:data-json"):
        body = client.get(reverse(name, args=[person_a.pk])).content.decode()
        assert MARK_B not in body, name
    # Someone whose units cover B sees it all (so the planting above did plant).
    assert MARK_B in json.dumps(
        export_person(actor=federation.central, person=person_a), ensure_ascii=False
    )


def test_export_needs_the_admin_permission(federation: Federation) -> None:
    with pytest.raises(PermissionDeniedError):
        export_person(actor=federation.officer_a, person=federation.person_a)
    with pytest.raises(PermissionDeniedError):
        export_person(actor=federation.regional, person=federation.person_a)
    assert not AuditEvent.objects.filter(action="subject_export").exists()


@pytest.mark.parametrize("name", ["people:data", "people:data-json"])
def test_export_pages_for_the_three_actors(federation: Federation, name: str) -> None:
    url = reverse(name, args=[federation.person_a.pk])
    assert signed_in(federation.admin_a).get(url).status_code == 200  # admin of the unit
    assert signed_in(federation.central).get(url).status_code == 200
    assert signed_in(federation.officer_a).get(url).status_code == 403  # no admin permission
    assert signed_in(federation.regional).get(url).status_code == 403  # parent unit, no admin
    sibling = signed_in(federation.officer_b).get(url)
    assert sibling.status_code == 404 and MARK_B not in sibling.content.decode()
    assert signed_in(federation.admin_a).post(url).status_code == 405


def test_download_is_an_attachment_of_the_same_data(federation: Federation, rich_a: Person) -> None:
    response = signed_in(federation.admin_a).get(reverse("people:data-json", args=[rich_a.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="person-{rich_a.pk}.json"'
    assert "no-store" in response["Cache-Control"]
    data: dict[str, Any] = response.json()
    assert data["person"]["id"] == rich_a.pk
    assert data["sensitive"]["included"] is False  # a unit administrator has no sensitive right
    assert "ROK" not in response.content.decode()
    assert data["audit_events"][-1]["action"] == "subject_export"


def test_page_is_readable_and_shows_spreadsheet_and_markup_values_escaped(
    federation: Federation, rich_a: Person
) -> None:
    services.update_person(
        actor=federation.central,
        person=rich_a,
        version=rich_a.version,
        occupation='=HYPERLINK("http://x.example","<b>click</b>")',
    )
    client = signed_in(federation.admin_a)
    page = client.get(reverse("people:data", args=[rich_a.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    for title in ("Recorded data", "Family and relations", "Households", "Consents"):
        assert title in body
    assert "4-5-6 New street" in body and "City office" in body
    assert "<b>click</b>" not in body and "=HYPERLINK(&quot;http://x.example&quot;" in body
    assert "exported everything held" in body  # the audit events, in words
    data = client.get(reverse("people:data-json", args=[rich_a.pk])).json()
    assert data["person"]["occupation"] == '=HYPERLINK("http://x.example","<b>click</b>")'
    assert data["person"]["notes"].startswith("likes =SUM(")


def test_person_page_links_the_data_pages_for_administrators_only(
    federation: Federation,
) -> None:
    url = reverse("people:detail", args=[federation.person_a.pk])
    admin_page = signed_in(federation.admin_a).get(url).content.decode()
    for name in ("people:data", "people:history", "people:erase"):
        assert reverse(name, args=[federation.person_a.pk]) in admin_page
    officer_page = signed_in(federation.officer_a).get(url).content.decode()
    assert reverse("people:data", args=[federation.person_a.pk]) not in officer_page
