"""Each health metric on small hand-built data, with the exact numbers expected for October
2026, and the roll-up: a parent's figures are its own rows' plus its children's."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from branchwork.activities.models import Contact, Event, EventKind, Registration
from branchwork.care.models import Case, CaseCategory
from branchwork.health import metrics
from branchwork.health.models import Snapshot
from branchwork.health.snapshots import compute, roll_up
from branchwork.org.models import Post, PostType, Term, Unit
from branchwork.people.models import Household, HouseholdMember, Membership, Person
from tests.conftest import Federation, make_person

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
JST = ZoneInfo("Asia/Tokyo")


def at(day: str, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), JST)


def person(unit: Unit, born: str | None = None) -> Person:
    made = make_person(unit)
    if born:
        Person.objects.filter(pk=made.pk).update(birth_date=dt.date.fromisoformat(born))
        made.refresh_from_db()
    return made


def member(who: Person, fed: Unit, joined: str, left: str | None = None, status: str = "member"):  # type: ignore[no-untyped-def]
    return Membership.objects.create(
        person=who,
        body=fed,
        status=status,
        joined=dt.date.fromisoformat(joined),
        left=dt.date.fromisoformat(left) if left else None,
    )


def home(unit: Unit, who: Person, since: str, until: str | None = None) -> Household:
    made = Household.objects.create(unit=unit, address=f"{unit.code}-{who.pk}")
    HouseholdMember.objects.create(
        household=made,
        person=who,
        relation="head",
        since=dt.date.fromisoformat(since),
        until=dt.date.fromisoformat(until) if until else None,
    )
    return made


@pytest.fixture
def october(federation: Federation) -> Federation:
    fed, a, a1, b = federation.fed, federation.a, federation.a1, federation.b
    Person.objects.filter(pk=federation.person_a.pk).update(birth_date=dt.date(1960, 5, 1))
    young = person(a1, "2000-01-15")
    member(federation.person_a, fed, "2020-01-01")
    member(young, fed, "2026-10-05")  # joined in October
    member(person(a), fed, "2019-04-01", left="2026-10-20")  # left in October
    member(person(b), fed, "2018-01-01")
    member(person(a), fed, "2018-01-01", status="supporter")  # not a member
    gone = person(a)
    member(gone, fed, "2018-01-01")
    Person.objects.filter(pk=gone.pk).update(deceased_date=dt.date(2026, 9, 1))
    # Households: lived in at the end of October, or not.
    h1 = home(a, federation.person_a, "2026-01-01")
    home(a1, young, "2026-11-05")  # moved in after October
    home(a, person(a), "2020-01-01", until="2026-09-30")  # left before the end
    h4 = home(a1, person(a1), "2020-01-01")
    Contact.objects.create(household=h1, contacted_on=dt.date(2026, 8, 15), channel="visit")
    Contact.objects.create(household=h4, contacted_on=dt.date(2026, 7, 1), channel="call")
    # Events in October (Japan time), one just after, one cancelled.
    kind = EventKind.objects.first()
    events = [
        Event.objects.create(
            unit=a,
            kind=kind,
            title_ja="例会",
            starts_at=at(day, h, m),
            ends_at=at(day, h, m) + dt.timedelta(hours=1),
            status=status,
            public_key=f"k{i}",
        )
        for i, (day, h, m, status) in enumerate(
            [
                ("2026-10-10", 14, 0, "scheduled"),
                ("2026-10-31", 23, 0, "scheduled"),
                ("2026-11-01", 0, 10, "scheduled"),
                ("2026-10-12", 10, 0, "cancelled"),
            ]
        )
    ]
    first = events[0]
    lesson = Event.objects.create(
        unit=a1,
        kind=EventKind.objects.get(code="language_class"),
        title_ja="ウリマル教室",
        starts_at=at("2026-10-20", 19),
        ends_at=at("2026-10-20", 20),
        public_key="lesson",
    )
    Registration.objects.create(event=lesson, person=young, code="r4", attended_at=lesson.starts_at)
    Registration.objects.create(
        event=first, person=federation.person_a, code="r1", attended_at=first.starts_at
    )
    Registration.objects.create(event=first, person=young, code="r2", attended_at=first.starts_at)
    Registration.objects.create(event=first, person=person(a), code="r3")  # did not come
    # Cases: open at the end of October (and overdue), closed within it, opened after it.
    category = CaseCategory.objects.first()
    for subject, opened, closed, due in (
        ("open", "2026-09-10", None, "2026-10-01"),
        ("closed", "2026-10-01", "2026-10-15", "2026-12-01"),
        ("later", "2026-11-03", None, "2026-12-01"),
    ):
        case = Case.objects.create(
            unit=a,
            person=federation.person_a,
            category=category,
            subject=subject,
            due_on=dt.date.fromisoformat(due),
        )
        Case.objects.filter(pk=case.pk).update(
            opened_at=at(opened),
            closed_at=at(closed) if closed else None,
            status="closed" if closed else "new",
        )
    # A1's posts: a group leader nobody holds; two secretaries, one whose term ended mid-month.
    leader = PostType.objects.get(code="group_leader")
    secretary = PostType.objects.get(code="secretary")
    Post.objects.create(unit=a1, post_type=leader, seats=1)
    Post.objects.create(unit=a1, post_type=secretary, seats=2)
    for who, end in ((person(a1, "1980-12-01"), None), (person(a1), dt.date(2026, 10, 15))):
        Term.objects.create(
            unit=a1,
            origin_unit=a1,
            post_type=secretary,
            person=who,
            start=dt.date(2025, 4, 1),
            end=end,
        )
    # The fixture's chairs of A and B: in force through October, ending on 31 December.
    Term.objects.filter(unit__in=[a, b]).update(
        start=dt.date(2025, 4, 1), end=dt.date(2026, 12, 31)
    )
    # Sweeps of A: an old one, the latest by the end of October, and one begun after it.
    from branchwork.care.models import Sweep, SweepTarget

    h_other = home(a, person(a), "2020-01-01")
    for title, started, targets in (
        ("old", "2026-09-01", [(h1, "pending", None)]),
        (
            "latest",
            "2026-10-20",
            [
                (h1, "ok", "2026-10-25"),
                (h4, "pending", None),
                (h_other, "unreachable", "2026-10-26"),
            ],
        ),
        ("later", "2026-11-05", [(h1, "pending", None)]),
    ):
        sweep = Sweep.objects.create(unit=a, title=title)
        Sweep.objects.filter(pk=sweep.pk).update(started_at=at(started))
        for household, outcome, recorded in targets:
            SweepTarget.objects.create(
                sweep=sweep,
                household=household,
                unit=household.unit,
                outcome=outcome,
                recorded_at=at(recorded) if recorded else None,
            )
    # Newsletters: person A has an address and a consent; the young member withdrew hers.
    from branchwork.people.models import Consent

    Person.objects.filter(pk__in=[federation.person_a.pk, young.pk]).update(email="x@example.jp")
    Consent.objects.create(
        person=federation.person_a, kind="newsletter", given_on=dt.date(2026, 1, 1), source="form"
    )
    Consent.objects.create(
        person=young,
        kind="newsletter",
        given_on=dt.date(2026, 10, 6),
        withdrawn_on=dt.date(2026, 10, 10),
        source="form",
    )
    # Dues of the fiscal year 2026: 12,000 for a member; person A paid in June, someone
    # else's payment came in November.
    from branchwork.money import ledger
    from branchwork.money.models import DuesPayment, DuesRate

    DuesRate.objects.create(body=fed, status="member", fiscal_year=2026, amount=12000)
    for who, day in ((federation.person_a, "2026-06-01"), (young, "2026-11-10")):
        tx = ledger.post(
            actor=None,
            unit=a,
            kind="dues",
            booked_on=dt.date.fromisoformat(day),
            lines=[(ledger.account(a, "cash"), 12000), (ledger.account(a, "dues"), -12000)],
        )
        DuesPayment.objects.create(
            person=who,
            unit=a,
            fiscal_year=2026,
            amount=12000,
            received_on=dt.date.fromisoformat(day),
            transaction=tx,
        )
    return federation


def values(month: dt.date = OCT) -> dict[tuple[str, str], tuple[float | None, int, int | None]]:
    return {
        (s.unit.code, s.metric): (s.value, s.numerator, s.denominator)
        for s in Snapshot.objects.filter(month=month).select_related("unit")
    }


def test_each_metric_for_october(october: Federation) -> None:
    compute(OCT)
    got = values()
    expect = {
        ("A", "members"): 2.0,  # person A, and the young member of A1 (joined 5 October)
        ("A1", "members"): 1.0,
        ("B", "members"): 1.0,
        ("R1", "members"): 3.0,
        ("FED", "members"): 3.0,
        ("A", "joins"): 1.0,
        ("A1", "joins"): 1.0,
        ("A", "leaves"): 1.0,
        ("A1", "leaves"): 0.0,
        ("A", "households"): 3.0,  # h1 and the swept one (A), and h4 (A1)
        ("A1", "households"): 1.0,
        ("A", "events"): 3.0,  # 10 and 31 October, A1's class; not 1 November (JST), not cancelled
        ("A1", "events"): 1.0,
        ("A", "attendance"): 3.0,
        ("A", "language_class"): 1.0,  # the young member at A1's class
        ("R1", "language_class"): 1.0,
        ("A", "open_cases"): 1.0,
        ("A", "overdue_cases"): 1.0,
        ("A1", "vacancies"): 2.0,  # the group leader's seat, and the second secretary's
        ("A", "vacancies"): 2.0,  # A's chair is held
        ("R2", "members"): 0.0,
    }
    for key, value in expect.items():
        assert got[key][0] == value, key
    # Shares: the numerator and denominator add up; the value is their ratio.
    assert got[("A", "contacted")] == (1 / 3, 1, 3)  # h1 in touch on 15 August; h4 not since July
    assert got[("A1", "contacted")] == (0.0, 0, 1)
    assert got[("A", "youth")] == (0.5, 1, 2)  # of person A (66) and the young member (26)
    assert got[("A1", "youth")] == (1.0, 1, 1)
    assert got[("C", "youth")] == (None, 0, 0)  # nobody took part: no share at all
    # Officers' median age at 31 October: A's chair (66) and A1's secretary (45); B's chair
    # has no birth date recorded. The median of two is their mean, rounded.
    assert got[("A", "officer_age")] == (56.0, 56, 2)
    assert got[("A1", "officer_age")] == (45.0, 45, 1)
    assert got[("R1", "officer_age")] == (56.0, 56, 2)
    assert ("C", "officer_age") not in got  # no officer with a birth date: no row
    assert got[("A", "terms_ending")][0] == 1.0  # A's chair ends on 31 December
    assert got[("R1", "terms_ending")][0] == 2.0  # and B's
    # The latest sweep by 31 October: h1 reached, h4 (A1) not yet, the other not reachable.
    assert got[("A", "sweep_coverage")] == (1 / 3, 1, 3)
    assert got[("A1", "sweep_coverage")] == (0.0, 0, 1)
    # Members a newsletter reaches: person A (A) yes; the young member (A1) withdrew.
    assert got[("A", "newsletter_reach")] == (0.5, 1, 2)
    assert got[("A1", "newsletter_reach")] == (0.0, 0, 1)
    # Dues: A collected 12,000 by the end of October of the 24,000 its two members owe.
    assert got[("A", "dues")] == (0.5, 12000, 24000)
    assert got[("A1", "dues")] == (0.0, 0, 12000)
    assert got[("B", "dues")] == (0.0, 0, 12000)


def test_roll_up_is_own_rows_plus_children(october: Federation) -> None:
    compute(OCT)
    got = values()
    units = list(Unit.objects.all())
    paths = {u.pk: u.path for u in units}
    period = metrics.Period.of(OCT)
    for metric in metrics.METRICS:
        if metric.per_subtree:
            continue  # a median does not add up
        own: dict[int, int] = {}
        for unit_id, numerator, _den in metric.rows(period):
            own[unit_id] = own.get(unit_id, 0) + numerator
        for unit in units:
            children = [u for u in units if u.parent_id == unit.pk]
            total = own.get(unit.pk, 0) + sum(got[(c.code, metric.code)][1] for c in children)
            assert got[(unit.code, metric.code)][1] == total, (unit.code, metric.code)
    assert roll_up(metrics.BY_CODE["members"], period, paths)  # the same figures, unwritten


def test_a_month_is_recomputed_in_place(october: Federation) -> None:
    compute(OCT)
    first = Snapshot.objects.filter(month=OCT).count()
    member(make_person(october.c), october.fed, "2026-10-02")
    call_command("health", "snapshot", "--month", "2026-10", verbosity=0)
    assert Snapshot.objects.filter(month=OCT).count() == first
    assert values()[("C", "members")][0] == 1.0
    with pytest.raises(Exception, match="YYYY-MM"):
        call_command("health", "snapshot", "--month", "October")
