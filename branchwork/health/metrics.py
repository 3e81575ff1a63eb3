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

    @staticmethod
    def parse(text: str) -> dt.date | None:
        """A month written YYYY-MM, as its first day; None when it is not one."""
        try:
            year, number = (int(part) for part in text.split("-"))
            return dt.date(year, number, 1)
        except ValueError:
            return None

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
    # A metric that does not add up the tree (a median) gives its rows per subtree already:
    # (unit, value, how many it was taken over); ``snapshots`` writes them as they are.
    per_subtree: bool = False


def _counted(qs: Any, unit: str, count: Any) -> Rows:
    return (
        (row[0], int(row[1] or 0), None)
        for row in qs.values_list(unit).annotate(n=count).order_by().values_list(unit, "n")
    )


def _in_force(p: Period) -> Q:
    return (Q(joined__isnull=True) | Q(joined__lte=p.end)) & (
        Q(left__isnull=True) | Q(left__gt=p.end)
    )


def _memberships_at_end(p: Period) -> Any:
    """Memberships of the association in force at the month's end, of people alive then and
    not erased."""
    from branchwork.people.models import Membership

    return Membership.objects.filter(
        _in_force(p),
        status="member",
        body__kind="federation",
        person__erased_at__isnull=True,
    ).filter(Q(person__deceased_date__isnull=True) | Q(person__deceased_date__gt=p.end))


def _members(p: Period) -> Rows:
    return _counted(_memberships_at_end(p), "person__unit_id", Count("person", distinct=True))


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


def _language_class(p: Period) -> Rows:
    """Attendances at the month's Korean language classes (events of that kind)."""
    return _counted(
        _attended(p).filter(event__kind__code="language_class"), "event__unit_id", Count("pk")
    )


def _officer_age(p: Period) -> Rows:
    """The median age, at the month's end, of the officers whose terms were in force then, for
    every unit's subtree: per depth of the tree, the officers ranked by birth date within each
    ancestor by a window function, and the middle one (or the two middle ones) taken. One
    statement per depth, on SQLite and PostgreSQL alike."""
    from django.db import connection

    from branchwork.org.models import PATH_STEP

    sql = """
        SELECT anc, born, rn, n FROM (
            SELECT substr(u.path, 1, %s) AS anc, p.birth_date AS born,
                   ROW_NUMBER() OVER (PARTITION BY substr(u.path, 1, %s)
                                      ORDER BY p.birth_date, p.id) AS rn,
                   COUNT(*) OVER (PARTITION BY substr(u.path, 1, %s)) AS n
            FROM org_term t
            JOIN org_unit u ON u.id = t.unit_id
            JOIN people_person p ON p.id = t.person_id
            WHERE t.start <= %s AND (t."end" IS NULL OR t."end" >= %s)
              AND p.birth_date IS NOT NULL AND length(u.path) >= %s
        ) ranked
        WHERE rn = (n + 1) / 2 OR rn = (n + 2) / 2
    """
    from branchwork.org.models import Unit

    by_path = dict(Unit.objects.values_list("path", "pk"))
    deepest = max((len(path) for path in by_path), default=0) // PATH_STEP
    for depth in range(1, deepest + 1):
        width = depth * PATH_STEP
        middles: dict[str, list[dt.date]] = {}
        counts: dict[str, int] = {}
        with connection.cursor() as cur:
            cur.execute(sql, [width, width, width, p.end, p.end, width])
            for anc, born, _rn, n in cur.fetchall():
                if isinstance(born, str):
                    born = dt.date.fromisoformat(born)
                middles.setdefault(anc, []).append(born)
                counts[anc] = int(n)
        for anc, borns in middles.items():
            unit_id = by_path.get(anc)
            if unit_id is None:
                continue
            ages = [_age(b, p.end) for b in borns]
            yield unit_id, round(sum(ages) / len(ages)), counts[anc]


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


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


def _terms_ending(p: Period) -> Rows:
    """Officers' terms in force at the month's end that end within the next 90 days: posts
    that will need someone soon (succession)."""
    from branchwork.org.models import Term

    ending = Term.objects.filter(
        start__lte=p.end, end__gte=p.end, end__lte=p.end + dt.timedelta(days=90)
    )
    return _counted(ending, "unit_id", Count("pk"))


def _sweep_coverage(p: Period) -> Rows:
    """Of the households in the latest sweep (started by the month's end) that took in each
    unit, those reached by then."""
    from branchwork.care.models import REACHED, SweepTarget

    _since, until = p.bounds()
    latest = (
        SweepTarget.objects.filter(unit=OuterRef("unit"), sweep__started_at__lt=until)
        .order_by("-sweep__started_at", "-sweep_id")
        .values("sweep_id")[:1]
    )
    rows = (
        SweepTarget.objects.filter(sweep__started_at__lt=until)
        .filter(sweep_id=Subquery(latest))
        .values_list("unit_id")
        .annotate(
            total=Count("pk"),
            reached=Count("pk", filter=Q(outcome__in=REACHED, recorded_at__lt=until)),
        )
        .order_by()
        .values_list("unit_id", "reached", "total")
    )
    return ((u, int(n), int(d)) for u, n, d in rows)


def _newsletter_reach(p: Period) -> Rows:
    """Of the members at the month's end, those a newsletter can reach: an e-mail address
    and a newsletter consent in force."""
    from branchwork.people.models import Consent

    consent = Consent.objects.filter(
        person=OuterRef("person"), kind="newsletter", given_on__lte=p.end
    ).filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=p.end))
    rows = (
        _memberships_at_end(p)
        .values_list("person__unit_id")
        .annotate(
            total=Count("person", distinct=True),
            reached=Count(
                "person", distinct=True, filter=Q(Exists(consent)) & ~Q(person__email="")
            ),
        )
        .order_by()
        .values_list("person__unit_id", "reached", "total")
    )
    return ((u, int(n), int(d)) for u, n, d in rows)


def _dues(p: Period) -> Rows:
    """Dues collected in the fiscal year up to the month's end (by the collecting branch),
    against what the members at the month's end owe for the year (by their own unit)."""
    from branchwork.money.models import DuesPayment, DuesRate
    from branchwork.money.services import fiscal_year_of
    from branchwork.people.models import Membership

    year = fiscal_year_of(p.end)
    paid = (
        DuesPayment.objects.filter(
            fiscal_year=year, received_on__lte=p.end, transaction__reversed_by__isnull=True
        )
        .values_list("unit_id")
        .annotate(s=Sum("amount"))
        .order_by()
        .values_list("unit_id", "s")
    )
    rate = DuesRate.objects.filter(
        fiscal_year=year, body_id=OuterRef("body_id"), status=OuterRef("status")
    ).values("amount")[:1]
    owed = (
        Membership.objects.filter(
            _in_force(p), status__in=["member", "supporter"], person__erased_at__isnull=True
        )
        .filter(Q(person__deceased_date__isnull=True) | Q(person__deceased_date__gt=p.end))
        .annotate(rate=Subquery(rate, output_field=IntegerField()))
        .filter(rate__isnull=False)
        .values_list("person__unit_id")
        .annotate(s=Sum("rate"))
        .order_by()
        .values_list("person__unit_id", "s")
    )
    for unit_id, amount in paid:
        yield unit_id, int(amount or 0), 0
    for unit_id, amount in owed:
        yield unit_id, 0, int(amount or 0)


METRICS: tuple[Metric, ...] = (
    Metric("members", _("members"), False, +1, _members),
    Metric("joins", _("joined in the month"), False, +1, _joins),
    Metric("leaves", _("left in the month"), False, -1, _leaves),
    Metric("households", _("households"), False, +1, _households),
    Metric("contacted", _("households in touch in the last 90 days"), True, +1, _contacted),
    Metric("events", _("events held"), False, +1, _events),
    Metric("attendance", _("attendances"), False, +1, _attendance),
    Metric("youth", _("share of participants under 30"), True, +1, _youth),
    Metric("language_class", _("attendances at language classes"), False, +1, _language_class),
    Metric("open_cases", _("open cases"), False, -1, _open_cases),
    Metric("overdue_cases", _("overdue cases"), False, -1, _overdue_cases),
    Metric("vacancies", _("vacant officer seats"), False, -1, _vacancies),
    Metric("terms_ending", _("officers' terms ending within 90 days"), False, -1, _terms_ending),
    Metric("officer_age", _("officers' median age"), False, -1, _officer_age, per_subtree=True),
    Metric("sweep_coverage", _("households reached in the last sweep"), True, +1, _sweep_coverage),
    Metric("newsletter_reach", _("members a newsletter reaches"), True, +1, _newsletter_reach),
    Metric("dues", _("dues collected of dues owed this fiscal year"), True, +1, _dues),
)
BY_CODE = {m.code: m for m in METRICS}
