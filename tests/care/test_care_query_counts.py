"""Query counts pinned for the care pages: the same number of queries whatever the number of
cases, offers and sweep targets (no query per row)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branchwork.care import aid, services, sweeps
from branchwork.care.models import CaseCategory, Sweep
from branchwork.people.models import Household, HouseholdMember
from tests.conftest import Federation, make_person, make_user, signed_in


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx.captured_queries)


def grow(federation: Federation, worker: Any, n: int) -> Any:
    category = CaseCategory.objects.get(code="health")
    case = None
    for i in range(n):
        for unit in (federation.a, federation.a1):
            person = make_person(unit)
            home = Household.objects.create(unit=unit, address=f"{unit.code}-{i}-{person.pk}")
            HouseholdMember.objects.create(
                household=home, person=person, relation="head", since=timezone.localdate()
            )
            case = services.open_case(
                actor=worker,
                unit=unit,
                person=person,
                category=category,
                subject=f"相談 {i}",
                assigned_to=worker,
                note="最初",
            )
            services.add_note(actor=worker, case=case, text="訪問")
            aid.offer_help(actor=federation.officer_a, person=person, kinds=["visiting"])
    return case


def test_care_pages_take_a_fixed_number_of_queries(federation: Federation) -> None:
    worker = make_user("worker-a", "case_worker", federation.a)
    officer = signed_in(federation.officer_a)
    own = signed_in(worker)

    def urls(case: Any, sweep: Sweep) -> list[tuple[Client, str]]:
        return [
            (own, reverse("care:unit-cases", args=["A"])),
            (own, reverse("care:unit-cases", args=["A"]) + "?show=overdue"),
            (own, reverse("care:case", args=[case.pk])),
            (own, reverse("home:my-work")),
            (officer, reverse("care:unit-offers", args=["A"])),
            (officer, reverse("care:sweep", args=[sweep.pk])),
            (officer, reverse("care:sweep-coverage", args=[sweep.pk])),
            (officer, reverse("care:my-list", args=[sweep.pk])),
            (officer, reverse("care:sweep-ticks", args=[sweep.pk])),
        ]

    def round_(n: int) -> list[int]:
        case = grow(federation, worker, n)
        sweep = sweeps.start_sweep(actor=federation.officer_a, unit=federation.a, title="確認")
        sweeps.assign_targets(actor=federation.officer_a, sweep=sweep)
        return [queries(c, u) for c, u in urls(case, sweep)]

    before = round_(2)
    after = round_(6)
    assert after == before
