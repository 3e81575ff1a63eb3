"""Reads of the contact log, always through the scoping in ``branchwork.access``: a contact is
seen by whoever may see its household (or, for a person with no household, the person)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from branchwork.access.scoping import scope_for
from branchwork.org.models import PATH_STEP, Unit
from branchwork.people.models import Household, HouseholdMember, Person

from .models import Audience, Contact, Event, EventStatus, Registration, RegistrationStatus

DEFAULT_QUIET_DAYS = 90  # "not contacted for N days" unless the branch chooses otherwise
FOLLOW_UP_AHEAD_DAYS = 7  # "My work" lists follow-ups due within a week (and overdue ones)


def visible_contacts(user: Any, perm: str = "view") -> QuerySet[Contact]:
    scope = scope_for(user)
    cond = scope.q(perm, "household__unit__path") | (
        Q(household__isnull=True) & scope.q(perm, "person__unit__path")
    )
    return Contact.objects.filter(cond).select_related("officer", "person", "household")


def contacts_of_household(user: Any, household: Household) -> QuerySet[Contact]:
    return visible_contacts(user).filter(household=household)


def contacts_of_person(user: Any, person: Person) -> QuerySet[Contact]:
    return visible_contacts(user).filter(person=person)


def last_contacted(household: Household) -> dt.date | None:
    found: dt.date | None = household.contacts.aggregate(last=Max("contacted_on"))["last"]
    return found


def quiet_households(user: Any, unit: Unit, days: int = DEFAULT_QUIET_DAYS) -> QuerySet[Household]:
    """The households under ``unit`` the user may see that nobody has been in touch with for
    ``days`` days (or ever), those with the nearest follow-up first, then the longest quiet.
    Each carries ``last_contacted`` and ``next_follow_up``. Households whose people have all
    left are not listed."""
    cutoff = timezone.localdate() - dt.timedelta(days=days)
    lived_in = HouseholdMember.objects.filter(household=OuterRef("pk"), until__isnull=True)
    of_home = Contact.objects.filter(household=OuterRef("pk"))
    # "No contact since the cutoff" as NOT EXISTS, which the (household, date) index answers
    # at once; the last contact and the next follow-up are read only for the households kept.
    households = scope_for(user).filter(Household.objects.all(), "view", path_field="unit__path")
    return (
        households.filter(unit__path__startswith=unit.path)
        .filter(Exists(lived_in))
        .exclude(Exists(of_home.filter(contacted_on__gte=cutoff)))
        .annotate(
            last_contacted=Subquery(of_home.order_by("-contacted_on").values("contacted_on")[:1]),
            next_follow_up=Subquery(
                of_home.filter(follow_up_done_at__isnull=True, follow_up_on__isnull=False)
                .order_by("follow_up_on")
                .values("follow_up_on")[:1]
            ),
        )
        .select_related("unit")
        .order_by(
            F("next_follow_up").asc(nulls_last=True),
            F("last_contacted").asc(nulls_first=True),
            "pk",
        )
    )


def follow_ups_due_for(user: Any, ahead_days: int = FOLLOW_UP_AHEAD_DAYS) -> QuerySet[Contact]:
    """The follow-ups the user set that are open and due within ``ahead_days`` (overdue ones
    included), nearest first: for "My work"."""
    due = timezone.localdate() + dt.timedelta(days=ahead_days)
    return (
        visible_contacts(user)
        .filter(officer=user, follow_up_done_at__isnull=True, follow_up_on__lte=due)
        .select_related("household__unit", "person")
        .order_by("follow_up_on", "pk")
    )


# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------


def paths_above(user: Any, perm: str = "view") -> list[str]:
    """The paths of the units above the user's granted units (their events and news concern
    the user's people too: a region's commemoration, the federation's congress)."""
    out: set[str] = set()
    for path in scope_for(user).paths(perm):
        out |= {path[: i * PATH_STEP] for i in range(1, len(path) // PATH_STEP)}
    return sorted(out)


def visible_events(user: Any) -> QuerySet[Event]:
    """Events organised by the user's units and the units above them, and public events."""
    scope = scope_for(user)
    cond = scope.q("view", "unit__path") | Q(audience=Audience.PUBLIC)
    above = paths_above(user)
    if above:
        cond |= Q(unit__path__in=above)
    return Event.objects.filter(cond).select_related("unit", "kind")


def public_events() -> QuerySet[Event]:
    """The named public door: scheduled events open to the public."""
    return Event.objects.filter(
        audience=Audience.PUBLIC, status=EventStatus.SCHEDULED
    ).select_related("unit", "kind")


def get_event_for(user: Any, pk: int) -> Event:
    event = visible_events(user).filter(pk=pk).first()
    if event is None:
        raise Http404
    return event


def visible_registrations(user: Any, event: Event) -> QuerySet[Registration]:
    """The organiser's officers see every registration; others only their own people's."""
    registrations = event.registrations.select_related("person")
    scope = scope_for(user)
    if scope.has("view", event.unit):
        return registrations
    return registrations.filter(scope.q("view", "person__unit__path"))


def attendance_counts(event: Event) -> dict[str, int]:
    """Registered, waiting and present, counted by the database."""
    counts = event.registrations.aggregate(
        registered=Count("pk", filter=Q(status=RegistrationStatus.REGISTERED)),
        waiting=Count("pk", filter=Q(status=RegistrationStatus.WAITING)),
        present=Count("pk", filter=Q(attended_at__isnull=False) & ~Q(status="cancelled")),
    )
    return {k: int(v or 0) for k, v in counts.items()}


# --------------------------------------------------------------------------------------------
# A unit's activity over the last twelve months
# --------------------------------------------------------------------------------------------

SUMMARY_MONTHS = 12


def _months(today: dt.date, count: int) -> list[dt.date]:
    first = today.replace(day=1)
    out = []
    for _ in range(count):
        out.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return out[::-1]


def activity_summary(
    user: Any, unit: Unit, today: dt.date | None = None, months: int = SUMMARY_MONTHS
) -> list[dict[str, Any]]:
    """Month by month over the last ``months`` months (the current one included) for the
    unit and its subtree, within the user's scope: events held, attendances, people who came,
    contacts and households contacted. Four grouped queries, whatever the unit's size."""
    from branchwork.core.db import MonthOf

    today = today or timezone.localdate()
    month_list = _months(today, months)
    start = month_list[0]
    tz = timezone.get_current_timezone()
    start_at = timezone.make_aware(dt.datetime.combine(start, dt.time()), tz)
    scope = scope_for(user)
    events = Event.objects.filter(
        scope.q("view", "unit__path"),
        unit__path__startswith=unit.path,
        status=EventStatus.SCHEDULED,
        starts_at__gte=start_at,
        starts_at__lte=timezone.now(),
    )
    held = (
        events.annotate(month=MonthOf("starts_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    came = (
        Registration.objects.filter(event__in=events, attended_at__isnull=False)
        .exclude(status=RegistrationStatus.CANCELLED)
        .annotate(month=MonthOf("event__starts_at"))
        .values("month")
        .annotate(n=Count("pk"), people=Count("person", distinct=True))
        .order_by()
    )
    # Contacts through the units themselves (those of the subtree the user may see), once for
    # households and once for people without one: an OR across the two joins would make the
    # database read every contact.
    units = Unit.objects.filter(scope.q("view", "path"), path__startswith=unit.path).values("pk")
    dated = Contact.objects.filter(contacted_on__gte=start, contacted_on__lte=today)
    by_household = (
        dated.filter(household__unit__in=units)
        .annotate(month=MonthOf("contacted_on", is_datetime=False))
        .values("month")
        .annotate(n=Count("pk"), households=Count("household", distinct=True))
        .order_by()
    )
    by_person = (
        dated.filter(household__isnull=True, person__unit__in=units)
        .annotate(month=MonthOf("contacted_on", is_datetime=False))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )

    def key(value: str) -> dt.date:
        return dt.date(int(value[:4]), int(value[5:7]), 1)

    rows = {
        m: {"month": m, "events": 0, "attendances": 0, "people": 0, "contacts": 0, "households": 0}
        for m in month_list
    }
    for row in held:
        rows[key(row["month"])]["events"] = row["n"]
    for row in came:
        rows[key(row["month"])].update(attendances=row["n"], people=row["people"])
    for row in by_household:
        rows[key(row["month"])].update(contacts=row["n"], households=row["households"])
    for row in by_person:
        rows[key(row["month"])]["contacts"] += row["n"]
    return [rows[m] for m in month_list]
