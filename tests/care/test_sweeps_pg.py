"""Concurrency on PostgreSQL: two officers record the same household of a sweep at the same
moment. One result is recorded; the other officer is told the first one's result; the
household is counted once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from branchwork.care import sweeps
from branchwork.care.models import Case, SweepTarget
from branchwork.people.models import Household, HouseholdMember
from tests.conftest import Federation, make_person, make_user

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_two_officers_record_the_same_household(federation: Federation) -> None:
    home = Household.objects.create(unit=federation.a, address="生野区1-1")
    HouseholdMember.objects.create(
        household=home,
        person=make_person(federation.a),
        relation="head",
        since=timezone.localdate(),
    )
    second = make_user("officer-a2", "officer", federation.a)
    sweep = sweeps.start_sweep(actor=federation.officer_a, unit=federation.a, title="安否確認")
    target = SweepTarget.objects.get(sweep=sweep)
    barrier = threading.Barrier(2)
    results: dict[str, tuple[str, bool]] = {}

    def record(who: object, outcome: str) -> None:
        try:
            barrier.wait(timeout=10)
            done, recorded = sweeps.record_outcome(actor=who, target=target, outcome=outcome)
            results[outcome] = (done.outcome, recorded)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=record, args=(federation.officer_a, "ok")),
        threading.Thread(target=record, args=(second, "needs_help")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(r[1] for r in results.values()) == [False, True]
    first = next(outcome for outcome, (_, recorded) in results.items() if recorded)
    # The one not recorded saw the first one's result.
    assert all(seen == first for seen, _ in results.values())
    target.refresh_from_db()
    assert target.outcome == first and target.attempts == 1
    rows = sweeps.coverage(federation.officer_a, sweep, federation.a)
    assert sum(r["reached"] for r in rows) == 1
    assert Case.objects.count() == (1 if first == "needs_help" else 0)
