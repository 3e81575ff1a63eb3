"""The metrics of a unit's health, each defined once, in SQL.

A metric is a grouped query over the rows a unit owns directly (its own people, households,
events, cases, posts …) for one month: per owning unit, a numerator and (for a share) a
denominator. ``snapshots.compute`` adds those up the tree, so a branch's value covers its
groups and a region's its branches. Every metric here is additive in that way: counts add, and
a share is the sum of numerators over the sum of denominators.

Months are calendar months; "at the month's end" is its last day. Facts are read as the
registry holds them now (a case escalated since is counted under its present unit; an erased
person is no longer counted), so a past month recomputed later can differ slightly from what
was computed at the time — the snapshot computed at the time is the record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Rows = Iterable[tuple[int, int, int | None]]  # owning unit, numerator, denominator


@dataclass(frozen=True)
class Period:
    start: dt.date  # the month's first day
    end: dt.date  # its last day

    @classmethod
    def of(cls, month: dt.date) -> Period:
        start = month.replace(day=1)
        nxt = (start + dt.timedelta(days=32)).replace(day=1)
        return cls(start, nxt - dt.timedelta(days=1))

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The month as an instant range in the installation's time zone: [from, until)."""
        zone = ZoneInfo(settings.TIME_ZONE)
        since = dt.datetime.combine(self.start, dt.time(), zone)
        until = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), zone)
        return since, until


@dataclass(frozen=True)
class Metric:
    code: str
    label: Promise
    share: bool  # a share (numerator / denominator) or a count
    better: int  # +1 when more is better, -1 when less is
    rows: Callable[[Period], Rows]


def _counted(qs: Any, unit: str, count: Any) -> Rows:
    return (
        (row[0], int(row[1] or 0), None)
        for row in qs.values_list(unit).annotate(n=count).order_by().values_list(unit, "n")
    )


def _in_force(p: Period) -> Q:
    return (Q(joined__isnull=True) | Q(joined__lte=p.end)) & (
        Q(left__isnull=True) | Q(left__gt=p.end)
    )


def _members(p: Period) -> Rows:
    from branchwork.people.models import Membership

    members = Membership.objects.filter(
        _in_force(p),
        status="member",
        body__kind="federation",
        person__erased_at__isnull=True,
    ).filter(Q(person__deceased_date__isnull=True) | Q(person__deceased_date__gt=p.end))
    return _counted(members, "person__unit_id", Count("person", distinct=True))


def _joins(p: Period) -> Rows:
    from branchwork.people.models import Membership

    joined = Membership.objects.filter(
        status="member", body__kind="federation", joined__gte=p.start, joined__lte=p.end
    )
    return _counted(joined, "person__unit_id", Count("person", distinct=True))


def _leaves(p: Period) -> Rows:
    from branchwork.people.models import Membership

    left = Membership.objects.filter(body__kind="federation", left__gte=p.start, left__lte=p.end)
    return _counted(left, "person__unit_id", Count("person", distinct=True))


def _lived_in(p: Period) -> Any:
    from branchwork.people.models import Household, HouseholdMember

    someone = HouseholdMember.objects.filter(household=OuterRef("pk"), since__lte=p.end).filter(
        Q(until__isnull=True) | Q(until__gt=p.end)
    )
    return Household.objects.filter(Exists(someone))


def _households(p: Period) -> Rows:
    return _counted(_lived_in(p), "unit_id", Count("pk"))


def _contacted(p: Period) -> Rows:
    from branchwork.activities.models import Contact

    recent = Contact.objects.filter(
        household=OuterRef("pk"),
        contacted_on__gt=p.end - dt.timedelta(days=90),
        contacted_on__lte=p.end,
    )
    rows = (
        _lived_in(p)
        .values_list("unit_id")
        .annotate(total=Count("pk"), reached=Count("pk", filter=Q(Exists(recent))))
        .order_by()
        .values_list("unit_id", "reached", "total")
    )
    return ((u, int(n), int(d)) for u, n, d in rows)


def _month_events(p: Period) -> Any:
    from branchwork.activities.models import Event

    since, until = p.bounds()
    return Event.objects.filter(status="scheduled", starts_at__gte=since, starts_at__lt=until)


def _events(p: Period) -> Rows:
    return _counted(_month_events(p), "unit_id", Count("pk"))


def _attended(p: Period) -> Any:
    from branchwork.activities.models import Registration

    return Registration.objects.filter(
        event__in=_month_events(p), attended_at__isnull=False
    ).exclude(status="cancelled")


def _attendance(p: Period) -> Rows:
    return _counted(_attended(p), "event__unit_id", Count("pk"))


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (29 February becomes 1 March)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return dt.date(day.year - years, 3, 1)


def _youth(p: Period) -> Rows:
    """Of the people (by their own unit) who attended an event in the month, those under 30
    at its end."""
    born_after = _years_before(p.end, 30)
    rows = (
        _attended(p)
        .filter(person__isnull=False)
        .values_list("person__unit_id")
        .annotate(
            total=Count("person", distinct=True),
            young=Count("person", distinct=True, filter=Q(person__birth_date__gt=born_after)),
        )
        .order_by()
        .values_list("person__unit_id", "young", "total")
    )
    return ((u, int(n), int(d)) for u, n, d in rows)


def _open_at_end(p: Period) -> Any:
    from branchwork.care.models import Case

    _since, until = p.bounds()
    return Case.objects.filter(opened_at__lt=until).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=until)
    )


def _open_cases(p: Period) -> Rows:
    return _counted(_open_at_end(p), "unit_id", Count("pk"))


def _overdue_cases(p: Period) -> Rows:
    return _counted(_open_at_end(p).filter(due_on__lt=p.end), "unit_id", Count("pk"))


def _vacancies(p: Period) -> Rows:
    """Seats of the unit's posts that nobody held at the month's end."""
    from branchwork.org.models import Post, Term

    held = (
        Term.objects.filter(unit=OuterRef("unit"), post_type=OuterRef("post_type"))
        .filter(start__lte=p.end)
        .filter(Q(end__isnull=True) | Q(end__gte=p.end))
        .values("unit")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Post.objects.annotate(held=Coalesce(Subquery(held, output_field=IntegerField()), Value(0)))
        .filter(seats__gt=F("held"))
        .values_list("unit_id")
        .annotate(free=Sum(F("seats") - F("held")))
        .order_by()
        .values_list("unit_id", "free")
    )
    return ((u, int(n), None) for u, n in rows)


METRICS: tuple[Metric, ...] = (
    Metric("members", _("members"), False, +1, _members),
    Metric("joins", _("joined in the month"), False, +1, _joins),
    Metric("leaves", _("left in the month"), False, -1, _leaves),
    Metric("households", _("households"), False, +1, _households),
    Metric("contacted", _("households in touch in the last 90 days"), True, +1, _contacted),
    Metric("events", _("events held"), False, +1, _events),
    Metric("attendance", _("attendances"), False, +1, _attendance),
    Metric("youth", _("share of participants under 30"), True, +1, _youth),
    Metric("open_cases", _("open cases"), False, -1, _open_cases),
    Metric("overdue_cases", _("overdue cases"), False, -1, _overdue_cases),
    Metric("vacancies", _("vacant officer seats"), False, -1, _vacancies),
)
BY_CODE = {m.code: m for m in METRICS}
