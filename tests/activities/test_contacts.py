"""The contact log: recording visits, calls and messages, the quiet households of a branch,
follow-ups on "My work", and that no branch sees another's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from branchwork.access.models import AuditEvent
from branchwork.activities import selectors, services
from branchwork.activities.models import Contact
from branchwork.core.errors import PermissionDeniedError
from branchwork.people import households
from branchwork.people.models import Household
from tests.conftest import MARK_B, Federation, _system_admin, make_person, signed_in

TODAY = timezone.localdate


def home(federation: Federation, unit: Any, address: str, *people: Any) -> Household:
    admin = _system_admin()
    household = households.create_household(actor=admin, address=address, unit=unit)
    for i, person in enumerate(people):
        households.add_member(
            actor=admin, household=household, person=person, relation="head" if i == 0 else "other"
        )
    return household


@pytest.fixture
def homes(federation: Federation) -> dict[str, Household]:
    """Two households in branch A, one in its group A1, one in branch B (marked)."""
    return {
        "a": home(federation, federation.a, "生野区 1-1", federation.person_a),
        "a_quiet": home(federation, federation.a, "生野区 2-2", make_person(federation.a)),
        "a1": home(federation, federation.a1, "生野区 3-3", make_person(federation.a1)),
        "b": home(federation, federation.b, f"{MARK_B} 4-4", federation.person_b),
    }


def record(actor: Any, household: Household, days_ago: int = 0, **kw: Any) -> Contact:
    return services.record_contact(
        actor=actor,
        household=household,
        contacted_on=TODAY() - dt.timedelta(days=days_ago),
        channel=kw.pop("channel", "visit"),
        **kw,
    )


def test_a_contact_is_recorded_and_audited_without_its_note(
    federation: Federation, homes: dict[str, Household]
) -> None:
    contact = record(
        federation.officer_a,
        homes["a"],
        note="話した: 体調は良い",
        follow_up_on=TODAY() + dt.timedelta(days=3),
    )
    assert contact.officer == federation.officer_a and contact.follow_up_open
    assert selectors.last_contacted(homes["a"]) == TODAY()
    event = AuditEvent.objects.get(object_type="activities.contact", object_id=str(contact.pk))
    assert event.action == "create" and event.unit_id_ref == federation.a.pk
    assert "note" in event.fields and "体調" not in str(event.fields)


def test_a_contact_with_a_person_counts_for_their_household(
    federation: Federation, homes: dict[str, Household]
) -> None:
    contact = services.record_contact(
        actor=federation.officer_a,
        person=federation.person_a,
        contacted_on=TODAY() - dt.timedelta(days=2),
        channel="call",
    )
    assert contact.household == homes["a"]
    assert selectors.last_contacted(homes["a"]) == TODAY() - dt.timedelta(days=2)
    assert list(selectors.contacts_of_person(federation.officer_a, federation.person_a)) == [
        contact
    ]


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"contacted_on": 1}, "contacted_on"),  # tomorrow
        ({"follow_up_on": -1}, "follow_up_on"),  # before the contact
        ({"follow_up_on": 400}, "follow_up_on"),  # more than a year ahead
        ({"note": "あ" * 501}, "note"),
        ({"channel": "telepathy"}, "channel"),
    ],
)
def test_bad_contacts_are_refused_with_the_field_named(
    federation: Federation, homes: dict[str, Household], kw: dict[str, Any], field: str
) -> None:
    values: dict[str, Any] = {"contacted_on": TODAY(), "channel": "visit"}
    for name, value in kw.items():
        values[name] = TODAY() + dt.timedelta(days=value) if isinstance(value, int) else value
    with pytest.raises(ValidationError) as caught:
        services.record_contact(actor=federation.officer_a, household=homes["a"], **values)
    assert field in caught.value.message_dict
    assert not Contact.objects.exists()


def test_a_person_outside_the_household_and_no_one_at_all_are_refused(
    federation: Federation, homes: dict[str, Household]
) -> None:
    other = make_person(federation.a)
    with pytest.raises(ValidationError) as caught:
        services.record_contact(
            actor=federation.officer_a,
            household=homes["a"],
            person=other,
            contacted_on=TODAY(),
            channel="visit",
        )
    assert "person" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.record_contact(actor=federation.officer_a, contacted_on=TODAY(), channel="visit")


def test_an_officer_cannot_record_for_another_branch(
    federation: Federation, homes: dict[str, Household]
) -> None:
    with pytest.raises(PermissionDeniedError):
        record(federation.officer_a, homes["b"])
    with pytest.raises(PermissionDeniedError):
        services.record_contact(
            actor=federation.officer_a,
            person=federation.person_b,
            contacted_on=TODAY(),
            channel="call",
        )
    assert not Contact.objects.exists()


def test_quiet_households_come_nearest_follow_up_first_then_longest_quiet(
    federation: Federation, homes: dict[str, Household]
) -> None:
    record(federation.officer_a, homes["a"], days_ago=200)
    record(
        federation.officer_a,
        homes["a1"],
        days_ago=120,
        follow_up_on=TODAY() - dt.timedelta(days=5),
    )
    record(federation.officer_a, homes["a_quiet"], days_ago=10)  # recently: not listed
    left = home(federation, federation.a, "生野区 9-9")  # nobody lives there: not listed
    quiet = list(selectors.quiet_households(federation.officer_a, federation.a, days=90))
    assert quiet == [homes["a1"], homes["a"]]
    assert quiet[0].next_follow_up == TODAY() - dt.timedelta(days=5)
    assert quiet[1].last_contacted == TODAY() - dt.timedelta(days=200)
    never = list(selectors.quiet_households(federation.officer_a, federation.a, days=5))
    assert never[-1] == homes["a_quiet"] and left not in never
    # The region sees its branches' households, B's among them; A's officer never does.
    regional = selectors.quiet_households(federation.regional, federation.r1, days=90)
    assert homes["b"] in regional
    assert homes["b"] not in selectors.quiet_households(federation.officer_a, federation.r1, 90)


def test_follow_ups_due_are_on_my_work_until_done(
    federation: Federation, homes: dict[str, Household]
) -> None:
    due = record(
        federation.officer_a,
        homes["a"],
        days_ago=3,
        note="薬を届ける",
        follow_up_on=TODAY() - dt.timedelta(days=1),
    )
    record(federation.officer_a, homes["a1"], follow_up_on=TODAY() + dt.timedelta(days=30))
    client = signed_in(federation.officer_a)
    page = client.get(reverse("home:my-work")).content.decode()
    assert "薬を届ける" in page and "activities:" not in page
    assert list(selectors.follow_ups_due_for(federation.officer_a)) == [due]
    assert not selectors.follow_ups_due_for(federation.regional).exists()
    response = client.post(reverse("activities:follow-up-done", args=[due.pk]), {"next": "my-work"})
    assert response.status_code == 302 and response.url == reverse("home:my-work")
    assert not selectors.follow_ups_due_for(federation.officer_a).exists()
    assert "薬を届ける" not in client.get(reverse("home:my-work")).content.decode()


def test_the_household_page_records_a_contact(
    federation: Federation, homes: dict[str, Household]
) -> None:
    client = signed_in(federation.officer_a)
    url = reverse("activities:household-contacts", args=[homes["a"].pk])
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(
        url,
        {
            "contacted_on": TODAY().isoformat(),
            "channel": "call",
            "person": str(federation.person_a.pk),
            "note": "元気そうだった",
            "follow_up_on": "",
        },
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.person == federation.person_a and contact.channel == "call"
    assert "元気そうだった" in client.get(url).content.decode()
    bad = client.post(url, {"contacted_on": "2999-01-01", "channel": "call"})
    assert bad.status_code == 200 and Contact.objects.count() == 1
    assert "error" in bad.content.decode()
    household_page = client.get(reverse("people:household", args=[homes["a"].pk]))
    assert TODAY().isoformat() in household_page.content.decode()


def test_no_page_or_route_shows_another_branchs_contacts(
    federation: Federation, homes: dict[str, Household], settings: Any
) -> None:
    b_contact = record(
        federation.officer_b,
        homes["b"],
        days_ago=100,
        note=f"{MARK_B} private",
        follow_up_on=TODAY(),
    )
    record(federation.officer_a, homes["a"], note="A note")
    client = signed_in(federation.officer_a)
    pages = [
        reverse("activities:household-contacts", args=[homes["b"].pk]),
        reverse("activities:quiet-households", args=[federation.b.code]),
    ]
    for url in pages:
        assert client.get(url).status_code == 404
    assert client.post(reverse("activities:follow-up-done", args=[b_contact.pk])).status_code == 404
    assert (
        client.post(
            reverse("activities:household-contacts", args=[homes["b"].pk]),
            {"contacted_on": TODAY().isoformat(), "channel": "visit"},
        ).status_code
        == 404
    )
    for url in (
        reverse("home:my-work"),
        reverse("activities:household-contacts", args=[homes["a"].pk]),
        reverse("activities:quiet-households", args=[federation.a.code]),
        reverse("activities:quiet-households", args=[federation.r1.code]) + "?days=30",
    ):
        response = client.get(url)
        assert response.status_code in (200, 404)
        assert MARK_B not in response.content.decode(), url
    # The API, with a token of A's officer.
    from branchwork.access.services import create_api_token

    token = create_api_token(user=federation.officer_a, name="t", days=1)[1]
    api = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    from django.test import Client

    anon = Client()
    for url in (
        f"/api/v1/households/{homes['b'].pk}/contacts",
        f"/api/v1/units/{federation.b.code}/quiet-households",
    ):
        assert anon.get(url, **api).status_code == 404
    for url in (
        f"/api/v1/households/{homes['a'].pk}/contacts",
        f"/api/v1/units/{federation.a.code}/quiet-households?days=1",
        "/api/v1/me/follow-ups",
    ):
        response = anon.get(url, **api)
        assert response.status_code == 200, url
        assert MARK_B not in response.content.decode(), url
    refused = anon.post(
        "/api/v1/contacts",
        {"household_id": homes["b"].pk, "contacted_on": TODAY().isoformat(), "channel": "visit"},
        content_type="application/json",
        **api,
    )
    assert refused.status_code == 422 and MARK_B not in refused.content.decode()
    assert anon.post(f"/api/v1/contacts/{b_contact.pk}/follow-up-done", **api).status_code == 404
    assert Contact.objects.count() == 2


def test_the_api_records_and_lists_contacts(
    federation: Federation, homes: dict[str, Household]
) -> None:
    from django.test import Client

    from branchwork.access.services import create_api_token

    token = create_api_token(user=federation.officer_a, name="t", days=1)[1]
    api = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = Client()
    made = client.post(
        "/api/v1/contacts",
        {
            "person_id": federation.person_a.pk,
            "contacted_on": TODAY().isoformat(),
            "channel": "message",
            "note": "LINEで連絡",
            "follow_up_on": TODAY().isoformat(),
        },
        content_type="application/json",
        **api,
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["household_id"] == homes["a"].pk and body["recorded_by"] == "officer-a"
    listed = client.get(f"/api/v1/households/{homes['a'].pk}/contacts", **api).json()
    assert listed["count"] == 1 and listed["items"][0]["note"] == "LINEで連絡"
    mine = client.get("/api/v1/me/follow-ups", **api).json()
    assert [c["id"] for c in mine["items"]] == [body["id"]]
    done = client.post(f"/api/v1/contacts/{body['id']}/follow-up-done", **api)
    assert done.status_code == 200 and done.json()["follow_up_done"] is True
    bad = client.post(
        "/api/v1/contacts",
        {"household_id": homes["a"].pk, "contacted_on": "2999-01-01", "channel": "visit"},
        content_type="application/json",
        **api,
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "contacted_on"]
    wrong = client.get(f"/api/v1/units/{federation.a.code}/quiet-households?days=0", **api)
    assert wrong.status_code == 422


def test_a_persons_contacts_are_in_their_data_and_their_notes_go_when_they_are_erased(
    federation: Federation, homes: dict[str, Household]
) -> None:
    from branchwork.people.privacy import erase_person
    from branchwork.people.subject import export_person

    contact = services.record_contact(
        actor=federation.officer_a,
        person=federation.person_a,
        contacted_on=TODAY(),
        channel="visit",
        note="入院中",
    )
    other = record(federation.officer_a, homes["a_quiet"], note="別の世帯")
    data = export_person(actor=federation.central, person=federation.person_a)
    [row] = data["other"]["activities.contact"]
    assert row["note"] == "入院中" and row["channel"] == "visit"
    erase_person(actor=federation.central, person=federation.person_a)
    contact.refresh_from_db()
    other.refresh_from_db()
    assert contact.note == "" and contact.contacted_on == TODAY()
    assert other.note == "別の世帯"


def test_being_in_touch_again_closes_the_households_earlier_follow_ups(
    federation: Federation, homes: dict[str, Household]
) -> None:
    asked = record(
        federation.officer_a, homes["a"], days_ago=20, follow_up_on=TODAY() - dt.timedelta(days=5)
    )
    elsewhere = record(
        federation.officer_a, homes["a1"], days_ago=20, follow_up_on=TODAY() - dt.timedelta(days=5)
    )
    later = record(federation.officer_a, homes["a"], days_ago=30, follow_up_on=TODAY())
    again = record(federation.officer_a, homes["a"], days_ago=1)
    for contact in (asked, elsewhere, later, again):
        contact.refresh_from_db()
    assert asked.follow_up_done_at is not None and later.follow_up_done_at is not None
    assert elsewhere.follow_up_open  # another household's
    assert list(selectors.follow_ups_due_for(federation.officer_a)) == [elsewhere]
    assert AuditEvent.objects.filter(
        action="update", object_type="activities.contact", object_id=str(asked.pk)
    ).exists()
