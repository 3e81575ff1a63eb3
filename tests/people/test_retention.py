"""Retention rules and the purge: who each rule selects (at the day boundaries), a dry run that
erases nothing, an erasure that keeps the counts, the command, the task, the pages, who may do
what, and no sign of a sibling branch in what a unit administrator previews."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from branchwork.access.models import AuditEvent
from branchwork.core.errors import PermissionDeniedError
from branchwork.org.models import PostType, Term, Unit
from branchwork.people import retention
from branchwork.people.models import (
    Membership,
    MembershipStatus,
    Person,
    RetentionKind,
    RetentionRule,
)
from branchwork.people.retention import due_for_purge, purge, years_before
from tests.conftest import MARK_B, Federation, make_person, make_user, signed_in

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)
CUTOFF_5 = dt.date(2021, 3, 2)  # five years before TODAY: kept through this day


def rule(kind: str, years: int = 5, active: bool = True) -> RetentionRule:
    return RetentionRule.objects.create(kind=kind, years=years, active=active)


def former(person: Person, fed: Unit, left: dt.date | None, status: str = "former") -> None:
    Membership.objects.create(
        person=person, body=fed, status=status, joined=dt.date(1990, 4, 1), left=left
    )


def stale(person: Person, at: dt.datetime) -> Person:
    """Pretend the record was last changed at ``at`` (update() leaves auto_now alone)."""
    Person.objects.filter(pk=person.pk).update(updated_at=at)
    return person


def ids(qs: Any) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- selection ---------------------------------------------------------------------------


def test_years_before_handles_the_29th_of_february() -> None:
    assert years_before(dt.date(2024, 2, 29), 5) == dt.date(2019, 2, 28)
    assert years_before(TODAY, 5) == CUTOFF_5


def test_former_members_are_due_only_when_every_membership_ended_long_enough_ago(
    federation: Federation,
) -> None:
    fed, a = federation.fed, federation.a
    due = make_person(a, family="가")
    former(due, fed, CUTOFF_5 - dt.timedelta(days=1))  # left the day before the cutoff
    on_boundary = make_person(a, family="나")
    former(on_boundary, fed, CUTOFF_5)  # kept through the cutoff day itself
    rejoined = make_person(a, family="다")
    former(rejoined, fed, dt.date(2001, 1, 1))
    former(rejoined, fed, None, status=MembershipStatus.MEMBER)  # a current membership
    supporter = make_person(a, family="라")
    former(supporter, fed, dt.date(2001, 1, 1), status=MembershipStatus.SUPPORTER)
    unknown_end = make_person(a, family="마")
    former(unknown_end, fed, None)  # former, but no day of leaving: never due
    two_old = make_person(a, family="바")
    former(two_old, fed, dt.date(2001, 1, 1))
    former(two_old, fed, dt.date(2010, 1, 1))
    erased = make_person(a, family="사")
    former(erased, fed, dt.date(2001, 1, 1))
    Person.objects.filter(pk=erased.pk).update(erased_at=timezone.now())
    never_member = stale(make_person(a, family="아"), start_of(dt.date(2001, 1, 1)))

    selected = ids(due_for_purge(rule(RetentionKind.FORMER_MEMBER), TODAY))
    assert selected == {due.pk, two_old.pk}
    assert never_member.pk not in selected


def test_non_members_are_due_after_years_without_change_and_without_office_or_account(
    federation: Federation,
) -> None:
    a, fed = federation.a, federation.fed
    edge = start_of(CUTOFF_5)
    due = stale(make_person(a, family="가"), edge - dt.timedelta(seconds=1))
    on_boundary = stale(make_person(a, family="나"), edge)
    member = stale(make_person(a, family="다"), edge - dt.timedelta(days=900))
    former(member, fed, dt.date(2001, 1, 1), status=MembershipStatus.MEMBER)
    chair = PostType.objects.get(code="chair")

    def officer(end: dt.date | None, family: str) -> Person:
        person = stale(make_person(a, family=family), edge - dt.timedelta(days=900))
        Term.objects.create(
            unit=a,
            origin_unit=a,
            post_type=chair,
            person=person,
            start=dt.date(2010, 1, 1),
            end=end,
        )
        return person

    term_ended_long_ago = officer(CUTOFF_5 - dt.timedelta(days=1), "라")
    term_ended_recently = officer(CUTOFF_5, "마")
    term_open = officer(None, "바")
    with_account = stale(make_person(a, family="사"), edge - dt.timedelta(days=900))
    user = make_user("has-person")
    user.person = with_account
    user.save(update_fields=["person"])
    stale(with_account, edge - dt.timedelta(days=900))

    selected = ids(due_for_purge(rule(RetentionKind.NON_MEMBER), TODAY))
    assert due.pk in selected and term_ended_long_ago.pk in selected
    for kept in (on_boundary, member, term_ended_recently, term_open, with_account):
        assert kept.pk not in selected
    # The fixture's officers hold current terms and were just created.
    assert federation.person_a.pk not in selected


def test_deceased_are_due_years_after_the_date_of_death(federation: Federation) -> None:
    a = federation.a
    due = make_person(a, family="가")
    kept = make_person(a, family="나")
    alive = make_person(a, family="다")
    Person.objects.filter(pk=due.pk).update(deceased_date=CUTOFF_5 - dt.timedelta(days=1))
    Person.objects.filter(pk=kept.pk).update(deceased_date=CUTOFF_5)
    selected = ids(due_for_purge(rule(RetentionKind.DECEASED), TODAY))
    assert due.pk in selected and kept.pk not in selected and alive.pk not in selected


def test_a_person_due_under_two_rules_is_listed_once(federation: Federation) -> None:
    person = make_person(federation.a)
    former(person, federation.fed, dt.date(2001, 1, 1))
    Person.objects.filter(pk=person.pk).update(deceased_date=dt.date(2002, 1, 1))
    rules = [rule(RetentionKind.FORMER_MEMBER), rule(RetentionKind.DECEASED)]
    report = retention.plan_purge(rules, TODAY)
    assert [(r.kind, r.ids) for r in report.rules] == [
        ("deceased", [person.pk]),
        ("former_member", []),
    ]
    assert report.total == 1


# --- the purge ---------------------------------------------------------------------------


@pytest.fixture
def due_people(federation: Federation) -> list[Person]:
    """Three former members due on TODAY under a five-year rule: two in A, one in B."""
    people = [
        make_person(federation.a, family="가"),
        make_person(federation.a1, family="나"),
        make_person(federation.b, marker=MARK_B),
    ]
    for person in people:
        former(person, federation.fed, dt.date(2001, 1, 1))
    return people


def test_a_dry_run_lists_and_erases_nothing(federation: Federation, due_people: list[Any]) -> None:
    rules = [rule(RetentionKind.FORMER_MEMBER)]
    events = AuditEvent.objects.count()
    report = purge(actor=federation.central, rules=rules, dry_run=True, today=TODAY)
    assert report.dry_run and report.total == 3 and report.erased == 0
    assert sorted(report.rules[0].ids) == sorted(p.pk for p in due_people)
    assert dict(report.rules[0].per_unit) == {"A": 1, "A1": 1, "B": 1}
    assert Person.objects.filter(erased_at__isnull=False).count() == 0
    assert Person.objects.filter(family_name_latin=f"Kim{MARK_B}").exists()
    assert AuditEvent.objects.count() == events


def test_apply_erases_in_batches_and_keeps_the_rows(
    federation: Federation, due_people: list[Person]
) -> None:
    rules = [rule(RetentionKind.FORMER_MEMBER)]
    total, in_a = Person.objects.count(), Person.objects.filter(unit=federation.a).count()
    report = purge(actor=federation.central, rules=rules, dry_run=False, today=TODAY, batch_size=2)
    assert not report.dry_run and report.erased == 3
    assert sorted(report.rules[0].erased_ids) == sorted(p.pk for p in due_people)
    assert Person.objects.count() == total  # the rows stay
    assert Person.objects.filter(unit=federation.a).count() == in_a
    assert Membership.objects.filter(person__in=due_people).count() == 3  # history counts
    for person in due_people:
        person.refresh_from_db()
        assert person.erased_at is not None and person.family_name_hangul == ""
    erasures = AuditEvent.objects.filter(action="erase_retention")
    assert erasures.count() == 3
    assert all(MARK_B not in " ".join(e.fields) for e in erasures)
    assert AuditEvent.objects.filter(action="retention_purge").count() == 1
    # Nothing is due any more: a second run lists nobody.
    assert purge(actor=federation.central, rules=rules, dry_run=False, today=TODAY).total == 0


def test_apply_skips_someone_who_rejoined_after_the_listing(
    federation: Federation, due_people: list[Person]
) -> None:
    rules = [rule(RetentionKind.FORMER_MEMBER)]
    report = retention.plan_purge(rules, TODAY)
    former(due_people[0], federation.fed, None, status=MembershipStatus.MEMBER)
    retention.execute_plan(actor=None, report=report, rules=rules)
    assert report.erased == 2
    due_people[0].refresh_from_db()
    assert due_people[0].erased_at is None


def test_only_an_administrator_at_the_root_purges_or_sets_rules(
    federation: Federation, due_people: list[Person]
) -> None:
    rules = [rule(RetentionKind.FORMER_MEMBER)]
    for user in (federation.admin_a, federation.regional, federation.officer_a):
        with pytest.raises(PermissionDeniedError):
            purge(actor=user, rules=rules, dry_run=True, today=TODAY)
        with pytest.raises(PermissionDeniedError):
            retention.set_retention_rule(actor=user, kind="deceased", years=10)
    assert Person.objects.filter(erased_at__isnull=False).count() == 0


def test_rules_are_validated_and_audited(federation: Federation) -> None:
    central = federation.central
    with pytest.raises(ValidationError) as zero:
        retention.set_retention_rule(actor=central, kind="deceased", years=0)
    assert "years" in zero.value.message_dict
    with pytest.raises(ValidationError) as kind:
        retention.set_retention_rule(actor=central, kind="everyone", years=3)
    assert "kind" in kind.value.message_dict
    created = retention.set_retention_rule(actor=central, kind="deceased", years=10, note="规程")
    updated = retention.set_retention_rule(actor=central, kind="deceased", years=12, note="规程")
    assert created.pk == updated.pk and RetentionRule.objects.get().years == 12
    events = list(AuditEvent.objects.filter(object_type="people.retentionrule").order_by("seq"))
    assert [(e.action, e.fields) for e in events] == [
        ("create", ["active", "kind", "note", "years"]),
        ("update", ["years"]),
    ]


# --- the command and the task ----------------------------------------------------------


def _due_today(federation: Federation) -> list[Person]:
    today = timezone.localdate()
    people = [make_person(federation.a, family="가"), make_person(federation.b, marker=MARK_B)]
    for person in people:
        former(person, federation.fed, today - dt.timedelta(days=6 * 366))
    return people


def test_the_command_lists_by_default_and_erases_with_apply(federation: Federation) -> None:
    people = _due_today(federation)
    rule(RetentionKind.FORMER_MEMBER)
    rule(RetentionKind.DECEASED, years=10, active=False)  # not in force: not listed
    out = StringIO()
    call_command("purge", stdout=out)
    text = out.getvalue()
    assert "former_member (kept 5 years" in text and "2 to erase" in text
    assert "  A: 1" in text and "  B: 1" in text
    assert "deceased" not in text
    assert f"#{people[0].pk}" not in text  # numbers only with --verbose
    assert "Nothing was erased" in text
    assert Person.objects.filter(erased_at__isnull=False).count() == 0

    verbose = StringIO()
    call_command("purge", "--verbose", stdout=verbose)
    assert f"#{people[0].pk} A" in verbose.getvalue()

    applied = StringIO()
    call_command("purge", "--apply", stdout=applied)
    text = applied.getvalue()
    assert text.index("2 to erase") < text.index("former_member: 2 erased.")
    assert "Erased in all: 2." in text
    assert Person.objects.filter(erased_at__isnull=False).count() == 2
    assert MARK_B not in text  # the list shows codes and numbers, never names


def test_the_command_without_rules_says_so(federation: Federation) -> None:
    out = StringIO()
    call_command("purge", "--apply", stdout=out)
    assert "No retention rule is in force" in out.getvalue()


def test_the_task_lists_or_erases_as_the_system(federation: Federation) -> None:
    from branchwork.people.tasks import purge_by_retention

    people = _due_today(federation)
    rule(RetentionKind.FORMER_MEMBER)
    listed = purge_by_retention.call()
    assert listed["dry_run"] is True and listed["rules"][0]["listed"] == 2
    assert MARK_B not in str(listed)
    assert Person.objects.filter(erased_at__isnull=False).count() == 0
    done = purge_by_retention.call(apply=True, user_id=federation.central.pk)
    assert sorted(done["rules"][0]["erased_ids"]) == sorted(p.pk for p in people)
    with pytest.raises(PermissionDeniedError):
        purge_by_retention.call(apply=True, user_id=federation.admin_a.pk)


# --- the pages ---------------------------------------------------------------------------


def test_the_rules_page_is_for_administrators_at_the_root(federation: Federation) -> None:
    url = reverse("people:retention")
    central = signed_in(federation.central)
    assert central.get(url).status_code == 200
    viewer = make_user("fed-viewer", "viewer", federation.fed)
    assert signed_in(viewer).get(url).status_code == 403  # sees the root, may not administer
    for user in (federation.admin_a, federation.regional, federation.officer_a):
        response = signed_in(user).get(url)
        assert response.status_code == 404
        assert MARK_B not in response.content.decode()
    edit = reverse("people:retention-edit", args=["deceased"])
    assert signed_in(viewer).post(edit, {"years": 5}).status_code == 403
    assert signed_in(federation.admin_a).post(edit, {"years": 5}).status_code == 404
    assert central.delete(url).status_code == 405
    assert central.get(reverse("people:retention-edit", args=["everyone"])).status_code == 404
    assert not RetentionRule.objects.exists()


def test_the_rule_form_refuses_zero_years_and_saves_a_good_rule(federation: Federation) -> None:
    central = signed_in(federation.central)
    url = reverse("people:retention-edit", args=["former_member"])
    bad = central.post(url, {"years": 0, "active": "on"})
    assert bad.status_code == 200 and "at least one year" in bad.content.decode()
    assert not RetentionRule.objects.exists()
    ok = central.post(url, {"years": 7, "active": "on", "note": "rules §12"})
    assert ok.status_code == 302
    saved = RetentionRule.objects.get(kind="former_member")
    assert (saved.years, saved.active, saved.note) == (7, True, "rules §12")
    page = central.get(reverse("people:retention")).content.decode()
    assert "rules §12" in page


def test_the_preview_counts_only_the_units_the_user_sees(
    federation: Federation, due_people: list[Person]
) -> None:
    # TODAY is a fixed day in 2026; the people left in 2001, so they are due on any later day.
    rule(RetentionKind.FORMER_MEMBER)
    url = reverse("people:retention-preview")
    page = signed_in(federation.admin_a).get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert MARK_B not in body
    assert 'data-testid="total-former_member">2<' in body
    assert reverse("people:retention-purge") not in body  # no erase button below the root
    central = signed_in(federation.central).get(url).content.decode()
    assert 'data-testid="total-former_member">3<' in central
    assert reverse("people:retention-purge") in central
    assert signed_in(federation.officer_a).get(url).status_code == 404
    assert signed_in(federation.admin_a).post(url).status_code == 405


def test_erase_these_now_confirms_then_erases_and_reports(
    federation: Federation, due_people: list[Person]
) -> None:
    rule(RetentionKind.FORMER_MEMBER)
    url = reverse("people:retention-purge")
    for user in (federation.admin_a, federation.regional):
        assert signed_in(user).get(url).status_code == 404
        assert signed_in(user).post(url, {"digest": "x"}).status_code == 404
    viewer = make_user("fed-viewer", "viewer", federation.fed)
    assert signed_in(viewer).post(url, {"digest": "x"}).status_code == 403
    central = signed_in(federation.central)
    confirm = central.get(url)
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert "Erase these now" in body and Person.objects.filter(erased_at__isnull=False).count() == 0
    digest = retention.plan_purge(retention.active_rules()).digest
    assert digest in body
    stale_confirmation = central.post(url, {"digest": "0" * 64})
    assert "The list changed" in stale_confirmation.content.decode()
    assert Person.objects.filter(erased_at__isnull=False).count() == 0
    done = central.post(url, {"digest": digest})
    assert done.status_code == 200
    assert 'data-testid="erased-total">3 people erased.' in done.content.decode()
    assert Person.objects.filter(erased_at__isnull=False).count() == 3


def test_the_links_appear_on_the_unit_pages_for_administrators(federation: Federation) -> None:
    central = signed_in(federation.central).get(reverse("org:unit", args=["FED"]))
    assert reverse("people:retention") in central.content.decode()
    admin_a = signed_in(federation.admin_a).get(reverse("org:unit", args=["A"]))
    assert reverse("people:retention-preview") in admin_a.content.decode()
    officer = signed_in(federation.officer_a).get(reverse("org:unit", args=["A"]))
    assert reverse("people:retention-preview") not in officer.content.decode()


def test_the_preview_query_count_does_not_grow(
    federation: Federation, due_people: list[Person], django_assert_num_queries: Any
) -> None:
    rule(RetentionKind.FORMER_MEMBER)
    rule(RetentionKind.DECEASED)
    client = signed_in(federation.central)
    url = reverse("people:retention-preview")
    client.get(url)
    # session, user, second-factor device, grants (scope), rules in force, one grouped count
    # per rule, the units counted, the root units (may the user purge?)
    with django_assert_num_queries(9):
        client.get(url)
    for unit in (federation.a, federation.b1, federation.c):
        former(make_person(unit), federation.fed, dt.date(2001, 1, 1))
    with django_assert_num_queries(9):
        client.get(url)
