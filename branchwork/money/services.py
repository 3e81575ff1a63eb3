"""The money work of treasurers: dues, donations with receipts, funds, allocations of grants
and stipends with four eyes, their payment, transfers and reversals. Every write checks the
money permission, goes through ``ledger.post``, is audited, and happens in one transaction:
a refusal leaves the ledger untouched."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.education.models import Enrolment, EnrolmentStatus, School
from branchwork.org.models import PATH_STEP, Unit

from . import ledger
from .models import (
    DEFAULT_CURRENCY,
    Account,
    AccountKind,
    Allocation,
    AllocationItem,
    AllocationStatus,
    Donation,
    DuesPayment,
    DuesRate,
    Fund,
    ItemKind,
    ItemStatus,
    ReceiptCounter,
    Transaction,
    TransactionKind,
    check_amount,
)

BRANCH_DEPTH = 3


def fiscal_year_of(day: dt.date) -> int:
    """The fiscal year a day falls in, named by the year it starts in (April by default)."""
    start = int(getattr(settings, "BRANCHWORK_FISCAL_YEAR_START_MONTH", 4))
    return day.year if day.month >= start else day.year - 1


def fiscal_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    start = int(getattr(settings, "BRANCHWORK_FISCAL_YEAR_START_MONTH", 4))
    first = dt.date(year, start, 1)
    last = dt.date(year + 1, start, 1) - dt.timedelta(days=1)
    return first, last


def _need_money(actor: Any, unit: Unit) -> None:
    if not scope_for(actor).has("money", unit):
        raise PermissionDeniedError("money")


def _day(value: dt.date | None, field: str) -> dt.date:
    today = timezone.localdate()
    day = value or today
    if day > today:
        raise invalid(field, _("Money received or paid cannot be dated in the future."))
    return day


def collecting_unit(person: Any) -> Unit:
    """The branch a member pays dues to: the unit at branch depth above the person's unit."""
    unit: Unit = person.unit
    width = BRANCH_DEPTH * PATH_STEP
    if len(unit.path) > width:
        found = Unit.objects.filter(path=unit.path[:width]).first()
        if found is not None:
            return found
    return unit


# --------------------------------------------------------------------------------------------
# Dues
# --------------------------------------------------------------------------------------------


@transaction.atomic
def set_dues_rate(
    *, actor: Any, body: Unit, status: str, fiscal_year: int, amount: Any
) -> DuesRate:
    if not scope_for(actor).has("admin", body) or not scope_for(actor).has("money", body):
        raise PermissionDeniedError("money")
    if status not in ("member", "supporter"):
        raise invalid("status", _("Dues are set for members and supporters."))
    this = fiscal_year_of(timezone.localdate())
    if not this - 10 <= fiscal_year <= this + 1:
        raise invalid(
            "fiscal_year",
            _("Give a fiscal year between %(a)s and %(b)s.") % {"a": this - 10, "b": this + 1},
        )
    value = check_amount(amount)
    rate, created = DuesRate.objects.update_or_create(
        body=body, status=status, fiscal_year=fiscal_year, defaults={"amount": value}
    )
    audit.record(
        actor=actor,
        action="create" if created else "update",
        obj=rate,
        unit_id=body.pk,
        fields=["amount"],
    )
    return rate


@transaction.atomic
def record_dues(
    *,
    actor: Any,
    person: Any,
    fiscal_year: int,
    amount: Any,
    received_on: dt.date | None = None,
) -> DuesPayment:
    """A member's dues for a fiscal year, paid to their branch."""
    unit = collecting_unit(person)
    _need_money(actor, unit)
    value = check_amount(amount)
    day = _day(received_on, "received_on")
    if not DuesRate.objects.filter(fiscal_year=fiscal_year).exists():
        raise invalid(
            "fiscal_year",
            _("No dues are set for the fiscal year %(year)s.") % {"year": fiscal_year},
        )
    if not person.memberships.filter(status__in=["member", "supporter"]).exists():
        raise invalid("person", _("Only members pay dues: this person has no membership."))
    tx = ledger.post(
        actor=actor,
        unit=unit,
        kind=TransactionKind.DUES,
        lines=[(ledger.account(unit, "cash"), value), (ledger.account(unit, "dues"), -value)],
        booked_on=day,
        memo=f"dues {fiscal_year}",
    )
    payment = DuesPayment.objects.create(
        person=person,
        unit=unit,
        fiscal_year=fiscal_year,
        amount=value,
        received_on=day,
        transaction=tx,
    )
    audit.record(
        actor=actor,
        action="create",
        obj=payment,
        unit_id=unit.pk,
        fields=["person", "amount", "fiscal_year"],
    )
    return payment


# --------------------------------------------------------------------------------------------
# Donations
# --------------------------------------------------------------------------------------------


@transaction.atomic
def record_donation(
    *,
    actor: Any,
    unit: Unit,
    amount: Any,
    donor: Any = None,
    donor_name: str = "",
    purpose: str = "",
    received_on: dt.date | None = None,
    receipt_number: int | None = None,
) -> Donation:
    """A donation and its receipt number: the next of the unit's year, or the number of a
    receipt already written by hand (which must not have been used)."""
    _need_money(actor, unit)
    value = check_amount(amount)
    day = _day(received_on, "received_on")
    donor_name = (donor_name or "").strip()[:200]
    if donor is None and not donor_name:
        raise invalid("donor_name", _("Name the donor, or choose them from the registry."))
    if donor is not None and not scope_for(actor).has("view", donor.unit):
        raise invalid("donor", _("No person with this number in your units."))
    counter, _created = ReceiptCounter.objects.select_for_update().get_or_create(
        unit=unit, year=day.year
    )
    if receipt_number is None:
        number = counter.last + 1
    else:
        if receipt_number < 1:
            raise invalid("receipt_number", _("A receipt number is a whole number from 1."))
        if Donation.objects.filter(
            unit=unit, receipt_year=day.year, receipt_number=receipt_number
        ).exists():
            raise invalid(
                "receipt_number",
                _("Receipt number %(n)s of %(year)s is already used.")
                % {"n": receipt_number, "year": day.year},
            )
        number = receipt_number
    counter.last = max(counter.last, number)
    counter.save(update_fields=["last"])
    tx = ledger.post(
        actor=actor,
        unit=unit,
        kind=TransactionKind.DONATION,
        lines=[(ledger.account(unit, "cash"), value), (ledger.account(unit, "donations"), -value)],
        booked_on=day,
        memo=(purpose or "")[:200],
    )
    try:
        with transaction.atomic():
            donation = Donation.objects.create(
                unit=unit,
                donor=donor,
                donor_name=donor_name,
                purpose=(purpose or "").strip()[:200],
                received_on=day,
                amount=value,
                receipt_year=day.year,
                receipt_number=number,
                transaction=tx,
            )
    except IntegrityError:
        raise invalid(
            "receipt_number",
            _("Receipt number %(n)s of %(year)s is already used.")
            % {"n": number, "year": day.year},
        ) from None
    audit.record(
        actor=actor,
        action="create",
        obj=donation,
        unit_id=unit.pk,
        fields=["amount", "donor", "receipt_number"],
    )
    return donation


# --------------------------------------------------------------------------------------------
# Funds
# --------------------------------------------------------------------------------------------


@transaction.atomic
def create_fund(
    *,
    actor: Any,
    unit: Unit,
    name: str,
    source: str,
    purpose: str,
    fiscal_year: int,
    amount: Any,
    restrictions: str = "",
    currency: str = DEFAULT_CURRENCY,
) -> Fund:
    _need_money(actor, unit)
    from .models import currencies

    if currency not in currencies():
        raise invalid("currency", _("This currency is not configured."))
    value = check_amount(amount)
    name = (name or "").strip()
    if not name:
        raise invalid("name", _("Give the fund a name."))
    if not (source or "").strip():
        raise invalid("source", _("Say where the money comes from."))
    this = fiscal_year_of(timezone.localdate())
    if not this - 10 <= fiscal_year <= this + 1:
        raise invalid(
            "fiscal_year",
            _("Give a fiscal year between %(a)s and %(b)s.") % {"a": this - 10, "b": this + 1},
        )
    seq = Account.objects.filter(unit=unit, kind=AccountKind.FUND).count() + 1
    account = Account.objects.create(
        unit=unit, kind=AccountKind.FUND, code=f"fund-{seq}", currency=currency
    )
    fund = Fund.objects.create(
        unit=unit,
        name=name[:200],
        source=source.strip()[:200],
        purpose=(purpose or "").strip()[:300],
        fiscal_year=fiscal_year,
        amount=value,
        currency=currency,
        restrictions=(restrictions or "").strip(),
        account=account,
    )
    audit.record(
        actor=actor,
        action="create",
        obj=fund,
        unit_id=unit.pk,
        fields=["name", "amount", "fiscal_year"],
    )
    return fund


def received(fund: Fund) -> int:
    """What has come into the fund so far (its receipts, less those reversed)."""
    receipts = Q(transaction__kind=TransactionKind.FUND_RECEIPT) | Q(
        transaction__kind=TransactionKind.REVERSAL,
        transaction__reverses__kind=TransactionKind.FUND_RECEIPT,
    )
    raw = fund.account.entries.filter(receipts).aggregate(s=Sum("amount"))["s"] or 0
    return -raw


@transaction.atomic
def receive_into_fund(
    *, actor: Any, fund: Fund, amount: Any, received_on: dt.date | None = None, memo: str = ""
) -> Transaction:
    _need_money(actor, fund.unit)
    value = check_amount(amount)
    fund = Fund.objects.select_for_update().select_related("account", "unit").get(pk=fund.pk)
    if received(fund) + value > fund.amount:
        raise invalid(
            "amount",
            _("The fund was promised %(amount)s; %(received)s has come in already.")
            % {"amount": f"{fund.amount:,}", "received": f"{received(fund):,}"},
        )
    return ledger.post(
        actor=actor,
        unit=fund.unit,
        kind=TransactionKind.FUND_RECEIPT,
        lines=[
            (ledger.account(fund.unit, "cash", fund.currency), value),
            (fund.account, -value),
        ],
        booked_on=_day(received_on, "received_on"),
        memo=memo or fund.source,
    )


# --------------------------------------------------------------------------------------------
# Allocations: drafted and proposed by one treasurer, approved by another
# --------------------------------------------------------------------------------------------


def committed(fund: Fund, *, excluding: Allocation | None = None) -> int:
    """What approved allocations of the fund have promised (paid or not)."""
    items = AllocationItem.objects.filter(
        allocation__fund=fund, allocation__status=AllocationStatus.APPROVED
    )
    if excluding is not None:
        items = items.exclude(allocation=excluding)
    return items.aggregate(s=Sum("amount"))["s"] or 0


def total(allocation: Allocation) -> int:
    return allocation.items.aggregate(s=Sum("amount"))["s"] or 0


@transaction.atomic
def create_allocation(*, actor: Any, fund: Fund, title: str) -> Allocation:
    _need_money(actor, fund.unit)
    title = (title or "").strip()
    if not title:
        raise invalid("title", _("Give the allocation a title."))
    allocation = Allocation.objects.create(fund=fund, title=title[:200], proposed_by=actor)
    audit.record(
        actor=actor, action="create", obj=allocation, unit_id=fund.unit_id, fields=["title"]
    )
    return allocation


def _draft(actor: Any, allocation: Allocation) -> Allocation:
    allocation = (
        Allocation.objects.select_for_update()
        .select_related("fund", "fund__unit")
        .get(pk=allocation.pk)
    )
    _need_money(actor, allocation.fund.unit)
    if allocation.status != AllocationStatus.DRAFT:
        raise invalid("status", _("Only a draft can be changed."))
    return allocation


@transaction.atomic
def add_grant(
    *, actor: Any, allocation: Allocation, school: School, amount: Any, note: str = ""
) -> AllocationItem:
    allocation = _draft(actor, allocation)
    if not school.unit.path.startswith(allocation.fund.unit.path):
        raise invalid("school", _("This school is outside the units the fund serves."))
    item = AllocationItem.objects.create(
        allocation=allocation,
        kind=ItemKind.GRANT,
        school=school,
        amount=check_amount(amount),
        note=(note or "").strip()[:300],
    )
    audit.record(
        actor=actor,
        action="create",
        obj=item,
        unit_id=allocation.fund.unit_id,
        fields=["school", "amount"],
    )
    return item


@transaction.atomic
def add_stipend(
    *,
    actor: Any,
    allocation: Allocation,
    person: Any,
    amount: Any,
    term: str = "",
    note: str = "",
) -> AllocationItem:
    allocation = _draft(actor, allocation)
    year = allocation.fund.fiscal_year
    if not Enrolment.objects.filter(
        person=person,
        school_year=year,
        status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED],
    ).exists():
        raise invalid(
            "person",
            _("A stipend goes to a pupil enrolled in the school year %(year)s: this person is not.")
            % {"year": year},
        )
    item = AllocationItem.objects.create(
        allocation=allocation,
        kind=ItemKind.STIPEND,
        person=person,
        amount=check_amount(amount),
        term=(term or "").strip()[:100],
        note=(note or "").strip()[:300],
    )
    audit.record(
        actor=actor,
        action="create",
        obj=item,
        unit_id=allocation.fund.unit_id,
        fields=["person", "amount"],
    )
    return item


@transaction.atomic
def grants_per_pupil(*, actor: Any, allocation: Allocation, per_pupil: Any) -> int:
    """A grant to every school by formula: its pupils enrolled in the fund's year × the rate.
    Returns how many grants were added."""
    allocation = _draft(actor, allocation)
    rate = check_amount(per_pupil, "per_pupil")
    from django.db.models import Count

    counts = (
        Enrolment.objects.filter(
            school_year=allocation.fund.fiscal_year,
            status=EnrolmentStatus.ENROLLED,
            school__unit__path__startswith=allocation.fund.unit.path,
        )
        .values("school")
        .annotate(n=Count("pk"))
        .order_by("school")
    )
    items = [
        AllocationItem(
            allocation=allocation,
            kind=ItemKind.GRANT,
            school_id=row["school"],
            amount=row["n"] * rate,
            note=f"{row['n']} × {rate:,}",
        )
        for row in counts
        if row["n"]
    ]
    AllocationItem.objects.bulk_create(items, batch_size=2000)
    audit.record(
        actor=actor,
        action="create",
        obj=allocation,
        unit_id=allocation.fund.unit_id,
        fields=["items"],
    )
    return len(items)


@transaction.atomic
def remove_item(*, actor: Any, item: AllocationItem) -> None:
    allocation = _draft(actor, item.allocation)
    AllocationItem.objects.filter(pk=item.pk, allocation=allocation).delete()
    audit.record(
        actor=actor,
        action="delete",
        obj=allocation,
        unit_id=allocation.fund.unit_id,
        fields=["items"],
    )


def _fits(allocation: Allocation) -> None:
    fund = allocation.fund
    want = total(allocation)
    free = fund.amount - committed(fund, excluding=allocation)
    if want > free:
        raise invalid(
            "items",
            _(
                "The allocation (%(want)s) is larger than what the fund has left to allocate"
                " (%(free)s)."
            )
            % {"want": f"{want:,}", "free": f"{free:,}"},
        )


@transaction.atomic
def propose(*, actor: Any, allocation: Allocation) -> Allocation:
    allocation = _draft(actor, allocation)
    if not allocation.items.exists():
        raise invalid("items", _("Add grants or stipends before proposing the allocation."))
    _fits(allocation)
    allocation.status = AllocationStatus.PROPOSED
    allocation.proposed_by = actor
    allocation.proposed_at = timezone.now()
    allocation.save(update_fields=["status", "proposed_by", "proposed_at"])
    audit.record(
        actor=actor,
        action="propose",
        obj=allocation,
        unit_id=allocation.fund.unit_id,
        fields=["status"],
    )
    return allocation


@transaction.atomic
def decide(*, actor: Any, allocation: Allocation, approve: bool, reason: str = "") -> Allocation:
    """Approve or reject a proposed allocation: only someone else than its proposer, holding
    the money permission on the fund's unit."""
    # The fund is locked first, so two approvals of allocations of one fund run one by one.
    Fund.objects.select_for_update().filter(pk=allocation.fund_id).first()
    allocation = (
        Allocation.objects.select_for_update()
        .select_related("fund", "fund__unit")
        .get(pk=allocation.pk)
    )
    _need_money(actor, allocation.fund.unit)
    if allocation.status != AllocationStatus.PROPOSED:
        raise invalid("status", _("Only a proposed allocation can be approved or rejected."))
    if allocation.proposed_by_id == getattr(actor, "pk", None):
        raise invalid(
            "status",
            _("You proposed this allocation: another treasurer must approve or reject it."),
        )
    reason = (reason or "").strip()[:300]
    if approve:
        _fits(allocation)
    elif not reason:
        raise invalid("reason", _("Say why the allocation is rejected."))
    allocation.status = AllocationStatus.APPROVED if approve else AllocationStatus.REJECTED
    allocation.decided_by = actor
    allocation.decided_at = timezone.now()
    allocation.reason = reason
    allocation.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit.record(
        actor=actor,
        action="approve" if approve else "reject",
        obj=allocation,
        unit_id=allocation.fund.unit_id,
        fields=["status"],
    )
    return allocation


@transaction.atomic
def reopen(*, actor: Any, allocation: Allocation) -> Allocation:
    """A rejected allocation back to draft, to be corrected and proposed again."""
    allocation = Allocation.objects.select_for_update().select_related("fund").get(pk=allocation.pk)
    _need_money(actor, allocation.fund.unit)
    if allocation.status != AllocationStatus.REJECTED:
        raise invalid("status", _("Only a rejected allocation can be taken back to draft."))
    allocation.status = AllocationStatus.DRAFT
    allocation.decided_by = None
    allocation.decided_at = None
    allocation.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        actor=actor,
        action="reopen",
        obj=allocation,
        unit_id=allocation.fund.unit_id,
        fields=["status"],
    )
    return allocation


@transaction.atomic
def pay(*, actor: Any, item: AllocationItem, paid_on: dt.date | None = None) -> AllocationItem:
    """Pay an approved grant or stipend out of its fund (once)."""
    item = (
        AllocationItem.objects.select_for_update(of=("self",))
        .select_related(
            "allocation__fund__account", "allocation__fund__unit", "school__unit", "person"
        )
        .get(pk=item.pk)
    )
    fund = item.allocation.fund
    _need_money(actor, fund.unit)
    if item.allocation.status != AllocationStatus.APPROVED:
        raise invalid("status", _("Only an approved allocation can be paid."))
    if item.status == ItemStatus.PAID:
        raise invalid("status", _("This item is already paid."))
    amount = item.amount
    lines: list[ledger.Line] = [
        (fund.account, amount),
        (ledger.account(fund.unit, "cash", fund.currency), -amount),
    ]
    if item.kind == ItemKind.GRANT:
        assert item.school is not None
        school_unit = item.school.unit
        lines += [
            (ledger.account(school_unit, "cash", fund.currency), amount),
            (ledger.account(school_unit, "grants_received", fund.currency), -amount),
        ]
        memo = f"{fund.name}: {school_unit.name}"
        kind = TransactionKind.GRANT
    else:
        memo = f"{fund.name}: {item.term}".strip(": ")
        kind = TransactionKind.STIPEND
    tx = ledger.post(
        actor=actor,
        unit=fund.unit,
        kind=kind,
        lines=lines,
        booked_on=_day(paid_on, "paid_on"),
        memo=memo,
    )
    item.status = ItemStatus.PAID
    item.transaction = tx
    item.save(update_fields=["status", "transaction"])
    audit.record(actor=actor, action="pay", obj=item, unit_id=fund.unit_id, fields=["status"])
    return item


# --------------------------------------------------------------------------------------------
# Transfers and reversals
# --------------------------------------------------------------------------------------------


@transaction.atomic
def transfer(
    *,
    actor: Any,
    from_unit: Unit,
    to_unit: Unit,
    amount: Any,
    memo: str = "",
    on: dt.date | None = None,
) -> Transaction:
    """Money from one unit's cash to another's (the paying unit's treasurer moves it)."""
    _need_money(actor, from_unit)
    if from_unit.pk == to_unit.pk:
        raise invalid("to_unit", _("Choose another unit to transfer to."))
    value = check_amount(amount)
    return ledger.post(
        actor=actor,
        unit=from_unit,
        kind=TransactionKind.TRANSFER,
        lines=[
            (ledger.account(from_unit, "cash"), -value),
            (ledger.account(to_unit, "cash"), value),
        ],
        booked_on=_day(on, "on"),
        memo=memo,
    )


@transaction.atomic
def reverse(*, actor: Any, tx: Transaction, reason: str) -> Transaction:
    """Correct a transaction by reversing it; a reversed payment's item may be paid again."""
    _need_money(actor, tx.unit)
    reversal = ledger.reverse(actor=actor, tx=tx, reason=reason)
    AllocationItem.objects.filter(transaction=tx).update(
        status=ItemStatus.PLANNED, transaction=None
    )
    return reversal
