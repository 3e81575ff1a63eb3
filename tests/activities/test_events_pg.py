"""Concurrency on PostgreSQL: two officers take the last place of an event at the same moment.
One has it; the other's person goes on the waiting list. The event never holds more people
than it has places."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from branchwork.activities import services
from branchwork.activities.models import EventKind
from tests.conftest import Federation, make_person

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_two_registrations_for_the_last_place_one_gets_it(federation: Federation) -> None:
    starts = timezone.now() + dt.timedelta(days=1)
    event = services.create_event(
        actor=federation.officer_a,
        unit=federation.a,
        kind=EventKind.objects.get(code="sport"),
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        capacity=1,
        title_ja="運動会",
    )
    people = [make_person(federation.a), make_person(federation.a)]
    barrier = threading.Barrier(2)
    statuses: list[str] = []

    def take(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            done = services.register(actor=federation.officer_a, event=event, person=people[index])
            statuses.append(done.status)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(statuses) == ["registered", "waiting"]
    assert event.registrations.filter(status="registered").count() == 1
