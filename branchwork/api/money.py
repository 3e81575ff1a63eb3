"""Money over the API, scoped by the money permission as the pages are: accounts with their
balances, the ledger, dues, donations, funds, allocations (four eyes: the proposer cannot
approve), payments, reversals and a unit's annual statement."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, P, QueryEx, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from branchwork.core.errors import invalid
from branchwork.education.models import School
from branchwork.money import ledger, selectors, services
from branchwork.money.models import (
    Account,
    Allocation,
    AllocationItem,
    Donation,
    DuesPayment,
    Fund,
    Transaction,
)
from branchwork.org.selectors import get_unit_for, unit_in_scope
from branchwork.people.selectors import person_in_scope

router = Router(tags=["money"])

# A fiscal year a report may ask for: dates are built from it, so it must be a year a date can
# have (the range of a school year).
FiscalYear = QueryEx[int, P(ge=1900, le=2200)]


def _money_unit(request: HttpRequest, code: str) -> Any:
    from branchwork.access.scoping import scope_for

    unit = get_unit_for(request.user, code)
    if not scope_for(request.user).has("money", unit):
        raise Http404
    return unit


class AccountOut(Schema):
    id: int
    unit: str
    code: str
    kind: str
    currency: str
    name: str
    balance: int

    @staticmethod
    def resolve_unit(obj: Account) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_balance(obj: Account) -> int:
        return int(getattr(obj, "balance", 0))


class EntryOut(Schema):
    account_id: int
    amount: int


class TransactionOut(Schema):
    id: int
    unit: str
    kind: str
    booked_on: dt.date
    memo: str
    reverses_id: int | None
    entries: list[EntryOut]

    @staticmethod
    def resolve_unit(obj: Transaction) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_entries(obj: Transaction) -> list[dict[str, int]]:
        return [{"account_id": e.account_id, "amount": e.amount} for e in obj.entries.all()]


class DuesOut(Schema):
    id: int
    person_id: int
    unit: str
    fiscal_year: int
    amount: int
    received_on: dt.date
    transaction_id: int

    @staticmethod
    def resolve_unit(obj: DuesPayment) -> str:
        return obj.unit.code


class DuesIn(Schema):
    person_id: int
    fiscal_year: int
    amount: int = Field(gt=0)
    received_on: dt.date | None = None


class DonationOut(Schema):
    id: int
    unit: str
    donor_id: int | None
    donor_name: str
    purpose: str
    received_on: dt.date
    amount: int
    receipt: str
    transaction_id: int

    @staticmethod
    def resolve_unit(obj: Donation) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_receipt(obj: Donation) -> str:
        return obj.receipt_code


class DonationIn(Schema):
    unit: str
    amount: int = Field(gt=0)
    donor_id: int | None = None
    donor_name: str = Field("", max_length=200)
    purpose: str = Field("", max_length=200)
    received_on: dt.date | None = None
    receipt_number: int | None = Field(None, ge=1)


class FundOut(Schema):
    id: int
    unit: str
    name: str
    source: str
    purpose: str
    fiscal_year: int
    amount: int
    currency: str
    restrictions: str
    account_id: int

    @staticmethod
    def resolve_unit(obj: Fund) -> str:
        return obj.unit.code


class FundIn(Schema):
    unit: str
    name: str = Field(max_length=200)
    source: str = Field(max_length=200)
    purpose: str = Field("", max_length=300)
    fiscal_year: int
    amount: int = Field(gt=0)
    restrictions: str = ""


class AmountIn(Schema):
    amount: int = Field(gt=0)
    on: dt.date | None = None
    memo: str = Field("", max_length=200)


class ItemOut(Schema):
    id: int
    kind: str
    school: str | None
    person_id: int | None
    amount: int
    term: str
    status: str
    transaction_id: int | None

    @staticmethod
    def resolve_school(obj: AllocationItem) -> str | None:
        return obj.school.unit.code if obj.school else None


class AllocationOut(Schema):
    id: int
    fund_id: int
    title: str
    status: str
    proposed_by: str
    decided_by: str | None
    reason: str
    items: list[ItemOut]

    @staticmethod
    def resolve_proposed_by(obj: Allocation) -> str:
        return obj.proposed_by.get_username()

    @staticmethod
    def resolve_decided_by(obj: Allocation) -> str | None:
        return obj.decided_by.get_username() if obj.decided_by else None

    @staticmethod
    def resolve_items(obj: Allocation) -> list[AllocationItem]:
        return list(selectors.items_of(obj))


class AllocationIn(Schema):
    title: str = Field(max_length=200)


class ItemIn(Schema):
    kind: str = Field(pattern=r"^(grant|stipend)$")
    school: str | None = None
    person_id: int | None = None
    amount: int = Field(gt=0)
    term: str = Field("", max_length=100)
    note: str = Field("", max_length=300)


class DecisionIn(Schema):
    approve: bool
    reason: str = Field("", max_length=300)


class ReverseIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


class StatementRow(Schema):
    account_id: int
    account: str
    opening: int
    increase: int
    decrease: int
    closing: int


@router.get("/money/accounts", response=list[AccountOut])
@paginate(LimitOffsetPagination)
def list_accounts(request: HttpRequest, unit: str | None = None):  # type: ignore[no-untyped-def]
    accounts = selectors.visible_accounts(request.user).select_related("fund")
    if unit:
        accounts = accounts.filter(unit=_money_unit(request, unit))
    return ledger.with_balances(accounts.order_by("unit__path", "kind", "code"))


@router.get("/money/transactions", response=list[TransactionOut])
@paginate(LimitOffsetPagination)
def list_transactions(request: HttpRequest, account: int | None = None):  # type: ignore[no-untyped-def]
    txs = selectors.visible_transactions(request.user)
    if account is not None:
        txs = txs.filter(entries__account=selectors.get_account_for(request.user, account))
    return txs.prefetch_related("entries").order_by("-booked_on", "-pk")


@router.get("/money/transactions/{tx_id}", response=TransactionOut)
def get_transaction(request: HttpRequest, tx_id: int) -> Transaction:
    return selectors.get_transaction_for(request.user, tx_id)


@router.post("/money/transactions/{tx_id}/reverse", response={201: TransactionOut})
def reverse(request: HttpRequest, tx_id: int, payload: ReverseIn) -> Status[Transaction]:
    tx = selectors.get_transaction_for(request.user, tx_id)
    return Status(201, services.reverse(actor=request.user, tx=tx, reason=payload.reason))


@router.get("/money/dues", response=list[DuesOut])
@paginate(LimitOffsetPagination)
def list_dues(request: HttpRequest, year: int | None = None):  # type: ignore[no-untyped-def]
    dues = selectors.visible_dues(request.user)
    if year is not None:
        dues = dues.filter(fiscal_year=year)
    return dues.order_by("-received_on", "-pk")


@router.post("/money/dues", response={201: DuesOut})
def record_dues(request: HttpRequest, payload: DuesIn) -> Status[DuesPayment]:
    person = person_in_scope(request.user, payload.person_id, "person_id")
    return Status(
        201,
        services.record_dues(
            actor=request.user,
            person=person,
            fiscal_year=payload.fiscal_year,
            amount=payload.amount,
            received_on=payload.received_on,
        ),
    )


@router.get("/money/donations", response=list[DonationOut])
@paginate(LimitOffsetPagination)
def list_donations(request: HttpRequest):  # type: ignore[no-untyped-def]
    return selectors.visible_donations(request.user).order_by("-received_on", "-pk")


@router.post("/money/donations", response={201: DonationOut})
def record_donation(request: HttpRequest, payload: DonationIn) -> Status[Donation]:
    unit = unit_in_scope(request.user, payload.unit, "unit")
    donor = (
        person_in_scope(request.user, payload.donor_id, "donor_id") if payload.donor_id else None
    )
    return Status(
        201,
        services.record_donation(
            actor=request.user,
            unit=unit,
            amount=payload.amount,
            donor=donor,
            donor_name=payload.donor_name,
            purpose=payload.purpose,
            received_on=payload.received_on,
            receipt_number=payload.receipt_number,
        ),
    )


@router.get("/money/funds", response=list[FundOut])
@paginate(LimitOffsetPagination)
def list_funds(request: HttpRequest, year: int | None = None):  # type: ignore[no-untyped-def]
    funds = selectors.visible_funds(request.user)
    if year is not None:
        funds = funds.filter(fiscal_year=year)
    return funds.order_by("-fiscal_year", "name")


@router.get("/money/funds/{fund_id}", response=FundOut)
def get_fund(request: HttpRequest, fund_id: int) -> Fund:
    return selectors.get_fund_for(request.user, fund_id)


@router.post("/money/funds", response={201: FundOut})
def create_fund(request: HttpRequest, payload: FundIn) -> Status[Fund]:
    unit = unit_in_scope(request.user, payload.unit, "unit")
    data = payload.dict()
    data.pop("unit")
    return Status(201, services.create_fund(actor=request.user, unit=unit, **data))


@router.post("/money/funds/{fund_id}/receipts", response={201: TransactionOut})
def receive(request: HttpRequest, fund_id: int, payload: AmountIn) -> Status[Transaction]:
    fund = selectors.get_fund_for(request.user, fund_id)
    return Status(
        201,
        services.receive_into_fund(
            actor=request.user,
            fund=fund,
            amount=payload.amount,
            received_on=payload.on,
            memo=payload.memo,
        ),
    )


@router.post("/money/funds/{fund_id}/allocations", response={201: AllocationOut})
def create_allocation(
    request: HttpRequest, fund_id: int, payload: AllocationIn
) -> Status[Allocation]:
    fund = selectors.get_fund_for(request.user, fund_id)
    return Status(
        201, services.create_allocation(actor=request.user, fund=fund, title=payload.title)
    )


@router.get("/money/allocations/{allocation_id}", response=AllocationOut)
def get_allocation(request: HttpRequest, allocation_id: int) -> Allocation:
    return selectors.get_allocation_for(request.user, allocation_id)


@router.post("/money/allocations/{allocation_id}/items", response={201: ItemOut})
def add_item(request: HttpRequest, allocation_id: int, payload: ItemIn) -> Status[AllocationItem]:
    allocation = selectors.get_allocation_for(request.user, allocation_id)
    if payload.kind == "grant":
        school = School.objects.filter(unit__code=payload.school or "").first()
        if school is None:
            raise invalid("school", _("No school with this code."))
        item = services.add_grant(
            actor=request.user,
            allocation=allocation,
            school=school,
            amount=payload.amount,
            note=payload.note,
        )
    else:
        if payload.person_id is None:
            raise invalid("person_id", _("Name the pupil by their person number."))
        person = person_in_scope(request.user, payload.person_id, "person_id")
        item = services.add_stipend(
            actor=request.user,
            allocation=allocation,
            person=person,
            amount=payload.amount,
            term=payload.term,
            note=payload.note,
        )
    return Status(201, item)


@router.post("/money/allocations/{allocation_id}/propose", response=AllocationOut)
def propose(request: HttpRequest, allocation_id: int) -> Allocation:
    allocation = selectors.get_allocation_for(request.user, allocation_id)
    return services.propose(actor=request.user, allocation=allocation)


@router.post("/money/allocations/{allocation_id}/decision", response=AllocationOut)
def decide(request: HttpRequest, allocation_id: int, payload: DecisionIn) -> Allocation:
    allocation = selectors.get_allocation_for(request.user, allocation_id)
    return services.decide(
        actor=request.user, allocation=allocation, approve=payload.approve, reason=payload.reason
    )


@router.post("/money/items/{item_id}/pay", response=ItemOut)
def pay(request: HttpRequest, item_id: int) -> AllocationItem:
    item = AllocationItem.objects.filter(
        pk=item_id, allocation__in=selectors.visible_allocations(request.user)
    ).first()
    if item is None:
        raise Http404
    return services.pay(actor=request.user, item=item)


@router.get("/money/units/{code}/statement", response=list[StatementRow])
def statement(request: HttpRequest, code: str, year: FiscalYear) -> list[dict[str, Any]]:
    unit = _money_unit(request, code)
    return [
        {
            "account_id": r["account"].pk,
            "account": r["account"].name,
            **{k: r[k] for k in ("opening", "increase", "decrease", "closing")},
        }
        for r in selectors.statement(request.user, unit, year)
    ]


class DuesRow(Schema):
    branch: str | None
    members: int
    expected: int
    collected: int
    payers: int


@router.get("/money/units/{code}/dues", response=list[DuesRow])
def dues_report(request: HttpRequest, code: str, year: FiscalYear) -> list[dict[str, Any]]:
    """Dues collection per branch under the unit for a fiscal year."""
    unit = _money_unit(request, code)
    return [
        {
            "branch": r["unit"].code if r["unit"] else None,
            **{k: r[k] for k in ("members", "expected", "collected", "payers")},
        }
        for r in selectors.dues_by_branch(request.user, unit, year)
    ]
