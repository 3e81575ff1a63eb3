"""Concurrency on PostgreSQL: two officers save the same person at the same moment, each from
the version they loaded. Exactly one save lands; the other gets the conflict with the current
record, and nothing is lost silently."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from branchwork.people import services
from branchwork.people.models import Person
from tests.conftest import Federation

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_two_saves_of_one_version_one_lands_one_conflicts(federation: Federation) -> None:
    person = services.create_person(
        actor=federation.officer_a, unit=federation.a, family_name_hangul="김", occupation=""
    )
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(occupation: str) -> None:
        try:
            mine = Person.objects.select_related("unit").get(pk=person.pk)
            barrier.wait(timeout=10)
            services.update_person(
                actor=federation.officer_a, person=mine, version=mine.version, occupation=occupation
            )
            outcomes[occupation] = "saved"
        except services.EditConflict as conflict:
            outcomes[occupation] = f"conflict:{conflict.current.occupation}"
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(job,)) for job in ("교사", "의사")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(v.split(":")[0] for v in outcomes.values()) == ["conflict", "saved"]
    winner = next(k for k, v in outcomes.items() if v == "saved")
    loser = next(k for k, v in outcomes.items() if v != "saved")
    person.refresh_from_db()
    assert person.version == 2
    assert person.occupation == winner
    # The loser is shown the record as the winner left it.
    assert outcomes[loser] == f"conflict:{winner}"
