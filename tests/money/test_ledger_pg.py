"""On PostgreSQL: two payments approved at the same moment that together exceed the fund's
balance — exactly one is paid; and the database itself refuses to change or delete a ledger
row, whatever code tries."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from branchwork.money import ledger, services
from branchwork.money.models import Entry, ItemStatus, Transaction
from tests.money.conftest import Money

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_two_simultaneous_payments_exceeding_the_balance(money: Money, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    allocation = services.create_allocation(actor=money.proposer, fund=money.fund, title="同時")
    for amount in (400_000, 300_000):  # 700,000 promised within 1,000,000; 600,000 received
        services.add_grant(
            actor=money.proposer, allocation=allocation, school=money.school, amount=amount
        )
    services.propose(actor=money.proposer, allocation=allocation)
    services.decide(actor=money.approver, allocation=allocation, approve=True)
    items = list(allocation.items.order_by("pk"))
    # The school's accounts exist already (making them would itself serialise the two).
    ledger.account(money.school.unit, "cash")
    ledger.account(money.school.unit, "grants_received")
    barrier = threading.Barrier(2)
    # Both payments are held where the balance has been read and nothing written yet, until the
    # other arrives there too. With the account locked, the second cannot arrive (it waits for
    # the lock), so the first goes on after a short wait and the second then reads the new
    # balance; without the lock both would pass this point on the same old balance.
    inside = threading.Barrier(2)

    def rendezvous(name: str) -> None:
        if name == "ledger-after-balance":
            with contextlib.suppress(threading.BrokenBarrierError):
                inside.wait(timeout=3)

    from branchwork.core import faults

    monkeypatch.setattr(faults, "point", rendezvous)
    outcomes: dict[int, str] = {}

    def pay(item: object, who: object) -> None:
        try:
            barrier.wait(timeout=10)
            services.pay(actor=who, item=item)  # type: ignore[arg-type]
            outcomes[item.pk] = "paid"  # type: ignore[attr-defined]
        except ValidationError as exc:
            outcomes[item.pk] = "refused: " + " ".join(exc.messages)  # type: ignore[attr-defined]
        finally:
            connection.close()

    threads = [
        threading.Thread(target=pay, args=(items[0], money.proposer)),
        threading.Thread(target=pay, args=(items[1], money.approver)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(v.split(":")[0] for v in outcomes.values()) == ["paid", "refused"], outcomes
    assert "Not enough money" in next(v for v in outcomes.values() if v.startswith("refused"))
    paid = [i for i in items if i.__class__.objects.get(pk=i.pk).status == ItemStatus.PAID]
    assert len(paid) == 1
    assert ledger.balance(money.fund.account) == 600_000 - paid[0].amount
    assert ledger.balance(ledger.account(money.fund.unit, "cash")) >= 0
    assert list(ledger.unbalanced()) == []


def test_the_database_refuses_updates_and_deletes(money: Money) -> None:
    entry = Entry.objects.first()
    assert entry is not None
    for sql in (
        "UPDATE money_entry SET amount = amount + 1 WHERE id = %s",
        "DELETE FROM money_entry WHERE id = %s",
        "UPDATE money_transaction SET memo = 'x' WHERE id = %s",
        "DELETE FROM money_transaction WHERE id = %s",
    ):
        pk = entry.pk if "money_entry" in sql else entry.transaction_id
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql, [pk])
    assert Entry.objects.get(pk=entry.pk).amount == entry.amount
    assert Transaction.objects.filter(pk=entry.transaction_id).exists()
