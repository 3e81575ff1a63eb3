"""Concurrency on PostgreSQL: two officers claim the same area at the same moment."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from branchwork.org import services
from branchwork.org.models import TerritoryArea
from tests.conftest import Federation, _system_admin

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_the_same_area_is_claimed_once(federation: Federation) -> None:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    admin = _system_admin()

    def claim(unit_code: str) -> None:
        from branchwork.org.models import Unit

        try:
            unit = Unit.objects.get(code=unit_code)
            barrier.wait(timeout=10)
            services.add_territory(actor=admin, unit=unit, kind="postal", value="7777")
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(code,)) for code in ("A", "C")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["ok", "refused"]
    assert TerritoryArea.objects.filter(value="7777").count() == 1
