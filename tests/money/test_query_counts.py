"""Query counts pinned for the money pages: the same number of queries whatever the number of
payments, donations, funds, allocation items and entries (no query per row)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branchwork.education import services as school_services
from branchwork.money import ledger, services
from branchwork.money.models import Allocation
from branchwork.people.models import Membership
from tests.conftest import Federation, make_person, signed_in
from tests.money.conftest import Money

pytestmark = pytest.mark.django_db


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx.captured_queries)


def grow(federation: Federation, money: Money, n: int) -> Allocation:
    """n more members paying dues, donors, pupils with stipends, and a paid allocation."""
    allocation = services.create_allocation(actor=money.proposer, fund=money.fund, title=f"{n}")
    services.add_grant(actor=money.proposer, allocation=allocation, school=money.school, amount=10)
    for i in range(n):
        for unit in (federation.a, federation.a1):
            person = make_person(unit)
            Membership.objects.create(person=person, body=federation.fed, status="member")
            services.record_dues(
                actor=money.treasurer_a, person=person, fiscal_year=money.year, amount=6000 + i
            )
            services.record_donation(
                actor=money.treasurer_a, unit=federation.a, amount=1000, donor=person
            )
            school_services.enrol(
                actor=federation.officer_a, person=person, school=money.school, grade=2
            )
            services.add_stipend(
                actor=money.proposer, allocation=allocation, person=person, amount=100, term="前期"
            )
    services.propose(actor=money.proposer, allocation=allocation)
    services.decide(actor=money.approver, allocation=allocation, approve=True)
    for item in allocation.items.all():
        services.pay(actor=money.proposer, item=item)
    return allocation


def test_money_pages_take_a_fixed_number_of_queries(federation: Federation, money: Money) -> None:
    treasurer = signed_in(money.treasurer_a)
    regional = signed_in(money.proposer)
    approver = signed_in(money.approver)
    cash = ledger.account(federation.a, "cash")

    def urls(allocation: Allocation) -> list[tuple[Client, str]]:
        tx = allocation.items.exclude(transaction=None).first().transaction  # type: ignore[union-attr]
        return [
            (treasurer, reverse("money:unit", args=["A"])),
            (treasurer, reverse("money:account", args=[cash.pk])),
            (treasurer, reverse("money:unit-donations", args=["A"])),
            (treasurer, reverse("money:unit-dues", args=["A"])),
            (treasurer, reverse("money:unit-arrears", args=["A"])),
            (treasurer, reverse("money:unit-statement", args=["A"])),
            (regional, reverse("money:unit-dues", args=["R1"])),
            (regional, reverse("money:fund", args=[money.fund.pk])),
            (regional, reverse("money:allocation", args=[allocation.pk])),
            (regional, reverse("money:transaction", args=[tx.pk])),
            (regional, reverse("money:reports")),
            (approver, reverse("home:my-work")),
        ]

    first = grow(federation, money, 2)
    before = [queries(c, u) for c, u in urls(first)]
    second = grow(federation, money, 6)
    after = [queries(c, u) for c, u in urls(second)]
    assert after == before, list(zip([u for _, u in urls(second)], before, after, strict=True))
