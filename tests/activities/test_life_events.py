"""Life events: births, deaths, marriages, entering school and milestone birthdays, each a
suggested contact; a sibling branch's appear nowhere."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from branchwork.activities import services
from branchwork.activities.life_events import life_events
from branchwork.people.models import Household, HouseholdMember, Person, Relationship
from tests.conftest import MARK_B, Federation, make_person, signed_in

TODAY = timezone.localdate()


def born(unit: object, day: dt.date | None, marker: str = "", **kw: object) -> Person:
    person = make_person(unit, marker=marker)  # type: ignore[arg-type]
    Person.objects.filter(pk=person.pk).update(birth_date=day, **kw)
    person.refresh_from_db()
    return person


def years_ago(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def test_each_kind_is_found_in_its_window(federation: Federation) -> None:
    a = federation.a
    baby = born(a, TODAY - dt.timedelta(days=5))
    born(a, TODAY - dt.timedelta(days=45))  # too long ago
    eighty_eight = born(a, years_ago(TODAY + dt.timedelta(days=10), 88))
    born(a, years_ago(TODAY + dt.timedelta(days=10), 87))  # not a milestone
    born(a, years_ago(TODAY + dt.timedelta(days=40), 70))  # beyond the month
    born(a, years_ago(TODAY + dt.timedelta(days=3), 60), birth_precision="year")  # no day known
    one = born(a, years_ago(TODAY + dt.timedelta(days=1), 1))  # the first birthday
    gone = born(a, dt.date(1930, 5, 5), deceased_date=TODAY - dt.timedelta(days=2))
    spouse_1, spouse_2 = born(a, dt.date(1990, 1, 1)), born(a, dt.date(1991, 1, 1))
    Relationship.objects.create(person=spouse_1, relative=spouse_2, kind="spouse")
    Relationship.objects.create(person=spouse_2, relative=spouse_1, kind="spouse")
    found = {(e.kind, e.person.pk): e for e in life_events(federation.officer_a, a)}
    assert set(found) == {
        ("birth", baby.pk),
        ("birthday", eighty_eight.pk),
        ("birthday", one.pk),
        ("death", gone.pk),
        ("marriage", spouse_1.pk),
    }
    assert found[("birthday", eighty_eight.pk)].detail.startswith("88")
    assert found[("birthday", eighty_eight.pk)].day == TODAY + dt.timedelta(days=10)


def test_children_entering_school_from_a_month_before_april(federation: Federation) -> None:
    march = dt.date(2027, 3, 10)
    six = born(federation.a, dt.date(2020, 4, 2))  # six on 1 April 2027: elementary
    late = born(federation.a, dt.date(2021, 4, 2))  # five: next year
    twelve = born(federation.a, dt.date(2015, 1, 10))  # middle school
    found = {e.person.pk: e for e in life_events(federation.officer_a, federation.a, today=march)}
    assert found[six.pk].kind == "school" and found[six.pk].day == dt.date(2027, 4, 1)
    assert found[twelve.pk].kind == "school" and late.pk not in found
    assert not [
        e
        for e in life_events(federation.officer_a, federation.a, today=dt.date(2027, 1, 10))
        if e.kind == "school"
    ]


def test_a_suggested_contact_and_being_in_touch(federation: Federation) -> None:
    person = born(federation.a, years_ago(TODAY + dt.timedelta(days=4), 77))
    home = Household.objects.create(unit=federation.a, address="生野区1-1")
    HouseholdMember.objects.create(household=home, person=person, relation="head", since=TODAY)
    client = signed_in(federation.officer_a)
    page = client.get(reverse("activities:life-events", args=["A"])).content.decode()
    link = reverse("activities:household-contacts", args=[home.pk]) + f"?person={person.pk}"
    assert link in page
    form = client.get(link + "&note=77").content.decode()
    assert f'<option value="{person.pk}" selected>' in form
    services.record_contact(
        actor=federation.officer_a, person=person, contacted_on=TODAY, channel="visit"
    )
    page = client.get(reverse("activities:life-events", args=["A"])).content.decode()
    assert link not in page  # someone has been in touch


def test_a_sibling_branchs_life_events_do_not_leak(federation: Federation) -> None:
    born(federation.b, TODAY - dt.timedelta(days=1), marker=MARK_B)
    born(federation.b, years_ago(TODAY + dt.timedelta(days=2), 60), marker=MARK_B)
    client = signed_in(federation.officer_a)
    assert client.get(reverse("activities:life-events", args=["B"])).status_code in (403, 404)
    for code in ("A", "R1", "FED"):
        response = client.get(reverse("activities:life-events", args=[code]))
        assert MARK_B not in response.content.decode()
    regional = signed_in(federation.regional)
    seen = regional.get(reverse("activities:life-events", args=["R1"])).content.decode()
    assert seen.count('data-kind="birth"') == 1 and 'data-kind="birthday"' in seen


def test_my_work_suggests_the_visits_nobody_made(federation: Federation) -> None:
    person = born(federation.a, years_ago(TODAY + dt.timedelta(days=6), 88))
    home = Household.objects.create(unit=federation.a, address="生野区2-2")
    HouseholdMember.objects.create(household=home, person=person, relation="head", since=TODAY)
    page = signed_in(federation.officer_a).get(reverse("home:my-work")).content.decode()
    assert 'id="h-suggested"' in page and f"?person={person.pk}" in page
    other = signed_in(federation.officer_b).get(reverse("home:my-work")).content.decode()
    assert f"?person={person.pk}" not in other
