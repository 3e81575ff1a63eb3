"""Life events that call for a visit, read from the registry through the user's scope.

* **Births** and **deaths** of the last month (a birth date or a date of death recorded);
* **marriages** recorded in the last month (a spouse relationship added);
* **entering school**: children who start elementary (6), middle (12) or high school (15) on
  the next 1 April, listed from a month before it (Japan's school year);
* **milestone birthdays** of the coming month: the first birthday (돌) and the ages the
  community marks (환갑 60, 칠순/古稀 70, 희수/喜寿 77, 80, 미수/米寿 88, 90, 99, 100).

Each is a suggested contact: the page links to the household's contact log with the person
and a note filled in, and shows whether someone has been in touch since.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from branchwork.org.models import Unit
from branchwork.people.models import (
    DatePrecision,
    HouseholdMember,
    Person,
    RelationKind,
    Relationship,
)
from branchwork.people.selectors import visible_people

from .models import Contact

WINDOW_DAYS = 30
MILESTONES = (1, 60, 70, 77, 80, 88, 90, 99, 100)
SCHOOL_AGES = ((6, "elementary"), (12, "middle"), (15, "high"))
LIMIT = 500  # a branch's month; a region sees the first 500 and narrows to a branch


@dataclass
class LifeEvent:
    kind: str  # birth, death, marriage, school, birthday
    day: dt.date
    person: Person
    detail: str = ""
    household_id: int | None = None
    contacted: bool = False

    @property
    def label(self) -> str:
        return {
            "birth": _("birth"),
            "death": _("death"),
            "marriage": _("marriage"),
            "school": _("entering school"),
            "birthday": _("birthday"),
        }[self.kind]

    @property
    def note(self) -> str:
        """The note suggested for the contact."""
        return f"{self.label} {self.detail}".strip()


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _next_april(today: dt.date) -> dt.date:
    april = dt.date(today.year, 4, 1)
    return april if april >= today else dt.date(today.year + 1, 4, 1)


def _school_band(april: dt.date, age: int) -> tuple[dt.date, dt.date]:
    """Born from 2 April to 1 April: the children who are ``age`` on 1 April (Japan's rule:
    a child is of an age the day before the birthday)."""
    return (
        dt.date(april.year - age - 1, 4, 2),
        dt.date(april.year - age, 4, 1),
    )


def _people(user: Any, unit: Unit) -> QuerySet[Person]:
    return visible_people(user).filter(unit__path__startswith=unit.path, erased_at__isnull=True)


def life_events(user: Any, unit: Unit, today: dt.date | None = None) -> list[LifeEvent]:
    """The life events of ``unit``'s people (its subtree, within the user's scope), by day."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=WINDOW_DAYS)
    until = today + dt.timedelta(days=WINDOW_DAYS)
    people = _people(user, unit)
    alive = people.filter(deceased_date__isnull=True)
    out: list[LifeEvent] = []
    exact = Q(birth_precision=DatePrecision.DAY)
    for person in alive.filter(exact, birth_date__gte=since, birth_date__lte=today)[:LIMIT]:
        assert person.birth_date is not None
        out.append(LifeEvent("birth", person.birth_date, person))
    for person in people.filter(deceased_date__gte=since, deceased_date__lte=today)[:LIMIT]:
        assert person.deceased_date is not None
        out.append(LifeEvent("death", person.deceased_date, person))
    married = (
        Relationship.objects.filter(
            kind=RelationKind.SPOUSE,
            created_at__date__gte=since,
            person__in=people,
        )
        .select_related("person", "relative")
        .order_by("created_at")[:LIMIT]
    )
    seen: set[frozenset[int]] = set()
    for rel in married:
        pair = frozenset((rel.person_id, rel.relative_id))
        if pair in seen:
            continue
        seen.add(pair)
        out.append(LifeEvent("marriage", timezone.localdate(rel.created_at), rel.person))
    # Milestone birthdays: one range of birth dates per age, in one query.
    turning = Q()
    for age in MILESTONES:
        turning |= Q(
            birth_date__gte=_years_before(today, age),
            birth_date__lte=_years_before(until, age),
        )
    for person in alive.filter(exact).filter(turning).order_by("birth_date")[:LIMIT]:
        assert person.birth_date is not None
        for age in MILESTONES:
            day = _years_before(person.birth_date, -age)
            if today <= day <= until:
                out.append(LifeEvent("birthday", day, person, _("%(age)s years") % {"age": age}))
                break
    april = _next_april(today)
    if april <= until:
        levels = {
            "elementary": _("elementary school"),
            "middle": _("middle school"),
            "high": _("high school"),
        }
        for age, level in SCHOOL_AGES:
            low, high = _school_band(april, age)
            for person in alive.filter(birth_date__gte=low, birth_date__lte=high)[:LIMIT]:
                out.append(LifeEvent("school", april, person, str(levels[level])))
    out.sort(key=lambda e: (e.day, e.kind, e.person.pk))
    out = out[:LIMIT]
    _attach_households(out, since)
    return out


def _attach_households(events: list[LifeEvent], since: dt.date) -> None:
    """Each event's current household, and whether anyone has been in touch with the person
    or the household since the window began (two queries for the whole list)."""
    ids = {e.person.pk for e in events}
    homes = dict(
        HouseholdMember.objects.filter(person_id__in=ids, until__isnull=True).values_list(
            "person_id", "household_id"
        )
    )
    households = set(homes.values())
    touched = Contact.objects.filter(contacted_on__gte=since).filter(
        Q(person_id__in=ids) | Q(household_id__in=households)
    )
    touched_people, touched_homes = set(), set()
    for person_id, household_id in touched.values_list("person_id", "household_id"):
        touched_people.add(person_id)
        touched_homes.add(household_id)
    for event in events:
        event.household_id = homes.get(event.person.pk)
        event.contacted = event.person.pk in touched_people or (
            event.household_id is not None and event.household_id in touched_homes
        )
