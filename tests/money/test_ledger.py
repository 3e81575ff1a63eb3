"""The ledger: balanced, append-only, never below zero; four eyes on allocations; corrections
by reversal; bad input refused with the ledger untouched."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum

from branchwork.core.errors import PermissionDeniedError
from branchwork.money import ledger, services
from branchwork.money.models import (
    Allocation,
    AllocationItem,
    AppendOnlyError,
    Entry,
    ItemStatus,
    Transaction,
)
from tests.conftest import Federation, make_person
from tests.money.conftest import Money

pytestmark = pytest.mark.django_db


def ledger_rows() -> tuple[int, int]:
    return Transaction.objects.count(), Entry.objects.count()


def approved(money: Money, *items: tuple[str, object, int]) -> Allocation:
    allocation = services.create_allocation(actor=money.proposer, fund=money.fund, title="前期")
    for kind, who, amount in items:
        if kind == "grant":
            services.add_grant(
                actor=money.proposer, allocation=allocation, school=who, amount=amount
            )
        else:
            services.add_stipend(
                actor=money.proposer, allocation=allocation, person=who, amount=amount, term="前期"
            )
    services.propose(actor=money.proposer, allocation=allocation)
    return services.decide(actor=money.approver, allocation=allocation, approve=True)


def test_a_year_of_money_balances(federation: Federation, money: Money) -> None:
    dues = services.record_dues(
        actor=money.treasurer_a, person=federation.person_a, fiscal_year=money.year, amount=12000
    )
    assert dues.unit == federation.a
    allocation = approved(money, ("grant", money.school, 400_000), ("stipend", money.pupil, 50_000))
    for item in allocation.items.all():
        services.pay(actor=money.proposer, item=item)
    services.transfer(
        actor=money.treasurer_a, from_unit=federation.a, to_unit=federation.r1, amount=2000
    )
    cash_a = ledger.account(federation.a, "cash")
    assert ledger.balance(cash_a) == 12000 - 2000
    cash_r1 = ledger.account(federation.r1, "cash")
    assert ledger.balance(cash_r1) == 600_000 - 450_000 + 2000
    assert ledger.balance(money.fund.account) == 600_000 - 450_000
    school_cash = ledger.account(money.school.unit, "cash")
    assert ledger.balance(school_cash) == 400_000
    # Debits equal credits for every transaction and in total.
    assert list(ledger.unbalanced()) == []
    assert Entry.objects.aggregate(s=Sum("amount"))["s"] == 0
    figures = services.received(money.fund), services.committed(money.fund)
    assert figures == (600_000, 450_000)


def test_no_code_path_changes_or_deletes_a_ledger_row(money: Money) -> None:
    tx = Transaction.objects.first()
    assert tx is not None
    entry = tx.entries.first()
    assert entry is not None
    with pytest.raises(AppendOnlyError):
        entry.amount = 1
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        Entry.objects.filter(pk=entry.pk).update(amount=1)
    with pytest.raises(AppendOnlyError):
        Transaction.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        tx.memo = "changed"
        tx.save()
    entry.refresh_from_db()
    assert entry.amount != 1


def test_four_eyes(federation: Federation, money: Money) -> None:
    allocation = services.create_allocation(actor=money.proposer, fund=money.fund, title="後期")
    services.add_grant(
        actor=money.proposer, allocation=allocation, school=money.school, amount=1000
    )
    item = allocation.items.get()
    with pytest.raises(ValidationError):  # only approved items are paid
        services.pay(actor=money.proposer, item=item)
    services.propose(actor=money.proposer, allocation=allocation)
    with pytest.raises(ValidationError, match="another treasurer"):
        services.decide(actor=money.proposer, allocation=allocation, approve=True)
    with pytest.raises(PermissionDeniedError):  # a branch treasurer holds no money on R1
        services.decide(actor=money.treasurer_a, allocation=allocation, approve=True)
    with pytest.raises(PermissionDeniedError):  # an officer holds no money permission
        services.decide(actor=federation.regional, allocation=allocation, approve=True)
    allocation.refresh_from_db()
    assert allocation.status == "proposed"
    # The database refuses it too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.filter(pk=allocation.pk).update(
            decided_by=money.proposer, status="approved"
        )
    services.decide(actor=money.approver, allocation=allocation, approve=True)
    paid = services.pay(actor=money.proposer, item=item)
    assert paid.status == ItemStatus.PAID
    with pytest.raises(ValidationError, match="already paid"):
        services.pay(actor=money.proposer, item=item)


def test_bad_input_leaves_the_ledger_untouched(federation: Federation, money: Money) -> None:
    before = ledger_rows()
    for amount in (-100, 0, "1.5", "12.000,5", 1.5, "abc", True):
        with pytest.raises(ValidationError):
            services.record_dues(
                actor=money.treasurer_a,
                person=federation.person_a,
                fiscal_year=money.year,
                amount=amount,
            )
    # An allocation larger than the fund.
    allocation = services.create_allocation(actor=money.proposer, fund=money.fund, title="過大")
    services.add_grant(
        actor=money.proposer, allocation=allocation, school=money.school, amount=1_000_001
    )
    with pytest.raises(ValidationError, match="larger than"):
        services.propose(actor=money.proposer, allocation=allocation)
    # A stipend to someone who is not enrolled.
    with pytest.raises(ValidationError, match="enrolled"):
        services.add_stipend(
            actor=money.proposer,
            allocation=allocation,
            person=make_person(federation.a),
            amount=1000,
        )
    # A receipt number used twice.
    first = services.record_donation(
        actor=money.treasurer_a, unit=federation.a, amount=3000, donor=federation.person_a
    )
    after_first = ledger_rows()
    with pytest.raises(ValidationError, match="already used"):
        services.record_donation(
            actor=money.treasurer_a,
            unit=federation.a,
            amount=3000,
            donor_name="匿名",
            receipt_number=first.receipt_number,
        )
    # Dues to someone else's branch; a donor outside one's units.
    with pytest.raises(PermissionDeniedError):
        services.record_dues(
            actor=money.treasurer_a,
            person=federation.person_b,
            fiscal_year=money.year,
            amount=12000,
        )
    with pytest.raises(ValidationError):
        services.record_donation(
            actor=money.treasurer_a, unit=federation.a, amount=1000, donor=federation.person_b
        )
    # More than the cash holds.
    with pytest.raises(ValidationError, match="Not enough money"):
        services.transfer(
            actor=money.treasurer_a,
            from_unit=federation.a,
            to_unit=federation.r1,
            amount=3001,
        )
    assert ledger_rows() == after_first
    assert after_first[0] == before[0] + 1


def test_a_fund_never_goes_below_zero(federation: Federation, money: Money) -> None:
    """Approved within what was promised, but more than has come in: the payment that would
    overdraw the fund is refused."""
    allocation = approved(money, ("grant", money.school, 500_000), ("grant", money.school, 200_000))
    first, second = allocation.items.order_by("pk")
    services.pay(actor=money.proposer, item=first)
    before = ledger_rows()
    with pytest.raises(ValidationError, match="Not enough money"):
        services.pay(actor=money.proposer, item=second)
    assert ledger_rows() == before
    second.refresh_from_db()
    assert second.status == ItemStatus.PLANNED
    services.receive_into_fund(actor=money.proposer, fund=money.fund, amount=400_000)
    services.pay(actor=money.proposer, item=second)
    with pytest.raises(ValidationError):  # nothing beyond the promised amount comes in
        services.receive_into_fund(actor=money.proposer, fund=money.fund, amount=1)


def test_corrections_are_reversals(federation: Federation, money: Money) -> None:
    dues = services.record_dues(
        actor=money.treasurer_a, person=federation.person_a, fiscal_year=money.year, amount=12000
    )
    cash = ledger.account(federation.a, "cash")
    with pytest.raises(ValidationError):
        services.reverse(actor=money.treasurer_a, tx=dues.transaction, reason="")
    reversal = services.reverse(actor=money.treasurer_a, tx=dues.transaction, reason="二重記帳")
    assert ledger.balance(cash) == 0
    assert reversal.reverses == dues.transaction
    with pytest.raises(ValidationError, match="already reversed"):
        services.reverse(actor=money.treasurer_a, tx=dues.transaction, reason="again")
    with pytest.raises(ValidationError):
        services.reverse(actor=money.treasurer_a, tx=reversal, reason="undo")
    # A reversed payment may be paid again; the ledger keeps both.
    allocation = approved(money, ("stipend", money.pupil, 30_000))
    item = services.pay(actor=money.proposer, item=allocation.items.get())
    assert item.transaction is not None
    services.reverse(actor=money.proposer, tx=item.transaction, reason="口座違い")
    item.refresh_from_db()
    assert item.status == ItemStatus.PLANNED and item.transaction is None
    services.pay(actor=money.proposer, item=item)
    assert AllocationItem.objects.get(pk=item.pk).status == ItemStatus.PAID
    assert list(ledger.unbalanced()) == []


def test_receipt_numbers_run_in_sequence(federation: Federation, money: Money) -> None:
    made = [
        services.record_donation(
            actor=money.treasurer_a,
            unit=federation.a,
            amount=1000 * (i + 1),
            donor_name=f"寄付者{i}",
        )
        for i in range(3)
    ]
    assert [d.receipt_number for d in made] == [1, 2, 3]
    by_hand = services.record_donation(
        actor=money.treasurer_a,
        unit=federation.a,
        amount=500,
        donor_name="手書き",
        receipt_number=10,
    )
    nxt = services.record_donation(
        actor=money.treasurer_a, unit=federation.a, amount=500, donor_name="次"
    )
    assert (by_hand.receipt_number, nxt.receipt_number) == (10, 11)
    assert nxt.receipt_code.startswith("A-")


def test_grants_by_formula(federation: Federation, money: Money) -> None:
    allocation = services.create_allocation(actor=money.proposer, fund=money.fund, title="定額")
    made = services.grants_per_pupil(actor=money.proposer, allocation=allocation, per_pupil=30_000)
    assert made == 1
    item = allocation.items.get()
    assert (item.school, item.amount) == (money.school, 30_000)


def test_amounts_are_shown_in_their_currencys_minor_units(settings) -> None:  # type: ignore[no-untyped-def]
    from branchwork.core.templatetags.branchwork import money, money_abs, yen

    settings.BRANCHWORK_CURRENCIES = {"JPY": 0, "USD": 2, "KRW": 0, "CHF": 2}
    assert yen(1234567) == "¥1,234,567"
    assert yen(-500) == "−¥500"
    assert money(1250, "USD") == "$12.50"
    assert money(-5, "USD") == "−$0.05"
    assert money(990, "CHF") == "9.90 CHF"
    assert money_abs(-30000, "KRW") == "₩30,000"
