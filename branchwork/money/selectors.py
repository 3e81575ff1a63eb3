"""Reads of money, scoped by the money permission: a treasurer sees the accounts, funds and
ledger of their units and of the units under them; nobody else sees any."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Substr
from django.http import Http404

from branchwork.access.scoping import scope_for
from branchwork.org.models import PATH_STEP, Unit

from . import ledger
from .models import (
    Account,
    Allocation,
    AllocationItem,
    AllocationStatus,
    Donation,
    DuesPayment,
    DuesRate,
    Entry,
    Fund,
    ItemKind,
    ItemStatus,
    Transaction,
)
from .services import BRANCH_DEPTH, fiscal_year_bounds


def money_q(user: Any, field: str) -> Q:
    return scope_for(user).q("money", field)


def visible_accounts(user: Any) -> QuerySet[Account]:
    return Account.objects.filter(money_q(user, "unit__path")).select_related("unit")


def get_account_for(user: Any, pk: int) -> Account:
    found = visible_accounts(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def unit_accounts(user: Any, unit: Unit) -> list[Account]:
    """A unit's own accounts with their balances (one grouped query)."""
    return ledger.with_balances(
        visible_accounts(user).filter(unit=unit).select_related("fund").order_by("kind", "code")
    )


def entries_of(user: Any, account: Account) -> QuerySet[Entry]:
    """An account's entries, newest first, with their transactions (the account is the user's,
    so the other accounts a transaction touches are named, not opened)."""
    return (
        Entry.objects.filter(account=account)
        .filter(money_q(user, "account__unit__path"))
        .select_related("transaction", "transaction__reverses")
        .order_by("-transaction__booked_on", "-transaction_id")
    )


def visible_transactions(user: Any) -> QuerySet[Transaction]:
    """Transactions booked by the user's units, or touching one of their accounts."""
    touching = Entry.objects.filter(money_q(user, "account__unit__path")).values("transaction_id")
    return Transaction.objects.filter(
        money_q(user, "unit__path") | Q(pk__in=touching)
    ).select_related("unit")


def get_transaction_for(user: Any, pk: int) -> Transaction:
    found = visible_transactions(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def visible_funds(user: Any) -> QuerySet[Fund]:
    return Fund.objects.filter(money_q(user, "unit__path")).select_related("unit", "account")


def get_fund_for(user: Any, pk: int) -> Fund:
    found = visible_funds(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def fund_figures(fund: Fund) -> dict[str, int]:
    """Promised, received, committed by approved allocations, paid out, and the balance."""
    from .services import committed, received

    paid = (
        AllocationItem.objects.filter(allocation__fund=fund, status=ItemStatus.PAID).aggregate(
            s=Sum("amount")
        )["s"]
        or 0
    )
    return {
        "promised": fund.amount,
        "received": received(fund),
        "committed": committed(fund),
        "paid": paid,
        "balance": ledger.balance(fund.account),
        "free": fund.amount - committed(fund),
    }


def visible_allocations(user: Any) -> QuerySet[Allocation]:
    return Allocation.objects.filter(money_q(user, "fund__unit__path")).select_related(
        "fund", "fund__unit", "proposed_by", "decided_by"
    )


def get_allocation_for(user: Any, pk: int) -> Allocation:
    found = visible_allocations(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def items_of(allocation: Allocation) -> QuerySet[AllocationItem]:
    return allocation.items.select_related("school__unit", "person", "transaction").order_by(
        "kind", "school__unit__code", "person__family_name_kana", "pk"
    )


def approvals_waiting(user: Any) -> QuerySet[Allocation]:
    """Proposed allocations the user may decide on (not their own): for "My work"."""
    return (
        visible_allocations(user)
        .filter(status=AllocationStatus.PROPOSED)
        .exclude(proposed_by_id=getattr(user, "pk", None))
        .annotate(total=Coalesce(Sum("items__amount"), 0), count=Count("items"))
        .order_by("proposed_at", "pk")
    )


def visible_donations(user: Any) -> QuerySet[Donation]:
    return Donation.objects.filter(money_q(user, "unit__path")).select_related(
        "unit", "donor", "transaction", "transaction__reversed_by"
    )


def get_donation_for(user: Any, pk: int) -> Donation:
    found = visible_donations(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def visible_dues(user: Any) -> QuerySet[DuesPayment]:
    return DuesPayment.objects.filter(money_q(user, "unit__path")).select_related(
        "person", "unit", "transaction"
    )


def standing() -> Q:
    """Documents whose ledger transaction still stands (not reversed)."""
    return Q(transaction__reversed_by__isnull=True)


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------


def dues_by_branch(user: Any, unit: Unit, year: int) -> list[dict[str, Any]]:
    """Per branch under (or at) ``unit``: members owing dues in the fiscal year, what they owe
    at the year's rates, what was collected, and the share. Grouped queries."""
    from branchwork.people.models import Membership

    first, last = fiscal_year_bounds(year)
    width = BRANCH_DEPTH * PATH_STEP
    rates = {(r.body_id, r.status): r.amount for r in DuesRate.objects.filter(fiscal_year=year)}
    in_force = (
        Membership.objects.filter(
            person__unit__path__startswith=unit.path,
            person__erased_at__isnull=True,
            status__in=["member", "supporter"],
        )
        .filter(Q(joined__isnull=True) | Q(joined__lte=last))
        .filter(Q(left__isnull=True) | Q(left__gte=first))
        .filter(scope_for(user).q("view", "person__unit__path"))
        .annotate(branch=Substr("person__unit__path", 1, width))
        .values("branch", "body_id", "status")
        .annotate(n=Count("person", distinct=True))
        .order_by()
    )
    rows: dict[str, dict[str, Any]] = {}
    for row in in_force:
        rate = rates.get((row["body_id"], row["status"]))
        if rate is None:
            continue
        entry = rows.setdefault(row["branch"], {"members": 0, "expected": 0, "collected": 0})
        entry["members"] += row["n"]
        entry["expected"] += row["n"] * rate
    collected = (
        visible_dues(user)
        .filter(fiscal_year=year, unit__path__startswith=unit.path)
        .filter(standing())
        .annotate(branch=Substr("unit__path", 1, width))
        .values("branch")
        .annotate(s=Sum("amount"), payers=Count("person", distinct=True))
        .order_by()
    )
    for got in collected:
        entry = rows.setdefault(got["branch"], {"members": 0, "expected": 0, "collected": 0})
        entry["collected"] = got["s"] or 0
        entry["payers"] = got["payers"]
    units = {u.path: u for u in Unit.objects.filter(path__in=list(rows))}
    out = []
    for path, entry in sorted(rows.items()):
        entry["unit"] = units.get(path)
        entry.setdefault("payers", 0)
        entry["share"] = entry["collected"] / entry["expected"] if entry["expected"] else 0.0
        out.append(entry)
    return out


def arrears(user: Any, branch: Unit, year: int) -> QuerySet[Any]:
    """The branch's members who paid less than their dues for the fiscal year (those with a
    membership in force and a rate), least paid first."""
    from django.db.models import IntegerField, OuterRef, Subquery, Value

    from branchwork.people.models import Membership, Person

    first, last = fiscal_year_bounds(year)
    rate = DuesRate.objects.filter(
        fiscal_year=year, body_id=OuterRef("body_id"), status=OuterRef("status")
    ).values("amount")[:1]
    owed = (
        Membership.objects.filter(person=OuterRef("pk"), status__in=["member", "supporter"])
        .filter(Q(joined__isnull=True) | Q(joined__lte=last))
        .filter(Q(left__isnull=True) | Q(left__gte=first))
        .annotate(rate=Subquery(rate))
        .values("person")
        .annotate(s=Sum("rate"))
        .values("s")
    )
    paid = (
        DuesPayment.objects.filter(person=OuterRef("pk"), fiscal_year=year)
        .filter(standing())
        .values("person")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return (
        Person.objects.filter(unit__path__startswith=branch.path, erased_at__isnull=True)
        .filter(scope_for(user).q("view", "unit__path"))
        .annotate(
            owed=Coalesce(Subquery(owed, output_field=IntegerField()), Value(0)),
            paid=Coalesce(Subquery(paid, output_field=IntegerField()), Value(0)),
        )
        .filter(owed__gt=0)
        .exclude(paid__gte=F("owed"))
        .select_related("unit")
        .order_by("paid", "family_name_kana", "pk")
    )


def utilisation(user: Any, year: int) -> list[dict[str, Any]]:
    """Per fund of the fiscal year: promised, received, committed, paid (grants and stipends)."""
    funds = visible_funds(user).filter(fiscal_year=year).order_by("unit__path", "name")
    out = []
    for fund in funds:
        figures: dict[str, Any] = dict(fund_figures(fund))
        figures["fund"] = fund
        out.append(figures)
    return out


def paid_by_school(user: Any, year: int) -> list[dict[str, Any]]:
    """Grants paid in a fiscal year per school, and stipends per pupil's branch."""
    items = AllocationItem.objects.filter(
        money_q(user, "allocation__fund__unit__path"),
        allocation__fund__fiscal_year=year,
        status=ItemStatus.PAID,
    )
    grants = list(
        items.filter(kind=ItemKind.GRANT)
        .values(
            "school__unit__code",
            "school__unit__name_ja",
            "school__unit__name_ko",
            "school__unit__name_en",
        )
        .annotate(s=Sum("amount"), n=Count("pk"))
        .order_by("school__unit__code")
    )
    return [dict(g) for g in grants]


def stipends_by_branch(user: Any, year: int) -> list[dict[str, Any]]:
    width = BRANCH_DEPTH * PATH_STEP
    rows: list[dict[str, Any]] = [
        dict(r)
        for r in AllocationItem.objects.filter(
            money_q(user, "allocation__fund__unit__path"),
            allocation__fund__fiscal_year=year,
            status=ItemStatus.PAID,
            kind=ItemKind.STIPEND,
        )
        .annotate(branch=Substr("person__unit__path", 1, width))
        .values("branch")
        .annotate(s=Sum("amount"), n=Count("pk"))
        .order_by("branch")
    ]
    units = {u.path: u for u in Unit.objects.filter(path__in=[r["branch"] for r in rows])}
    for row in rows:
        row["unit"] = units.get(row["branch"])
    return rows


def paid_by_region(user: Any, year: int) -> list[dict[str, Any]]:
    """Grants (by the school's region) and stipends (by the pupil's region) paid in a fiscal
    year: two grouped queries."""
    width = 2 * PATH_STEP
    items = AllocationItem.objects.filter(
        money_q(user, "allocation__fund__unit__path"),
        allocation__fund__fiscal_year=year,
        status=ItemStatus.PAID,
    )
    rows: dict[str, dict[str, Any]] = {}
    for kind, path in (
        (ItemKind.GRANT, "school__unit__path"),
        (ItemKind.STIPEND, "person__unit__path"),
    ):
        for got in (
            items.filter(kind=kind)
            .annotate(region=Substr(path, 1, width))
            .values("region")
            .annotate(s=Sum("amount"))
            .order_by()
        ):
            row = rows.setdefault(got["region"], {"grants": 0, "stipends": 0})
            row["grants" if kind == ItemKind.GRANT else "stipends"] = got["s"] or 0
    units = {u.path: u for u in Unit.objects.filter(path__in=list(rows))}
    return [
        {"unit": units.get(path), **row, "total": row["grants"] + row["stipends"]}
        for path, row in sorted(rows.items())
    ]


def stipend_history(user: Any, person: Any) -> QuerySet[AllocationItem]:
    return (
        AllocationItem.objects.filter(
            money_q(user, "allocation__fund__unit__path"), kind=ItemKind.STIPEND, person=person
        )
        .select_related("allocation__fund", "transaction")
        .order_by("-allocation__fund__fiscal_year", "pk")
    )


def statement(user: Any, unit: Unit, year: int) -> list[dict[str, Any]]:
    """A unit's annual statement: per account, the balance at the start of the fiscal year,
    what came in and went out during it, and the balance at its end (grouped queries)."""
    first, last = fiscal_year_bounds(year)
    accounts = list(visible_accounts(user).filter(unit=unit).order_by("kind", "code"))
    if not accounts:
        return []
    ids = [a.pk for a in accounts]
    before = dict(
        Entry.objects.filter(account_id__in=ids, transaction__booked_on__lt=first)
        .values_list("account_id")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    during = {
        row["account_id"]: row
        for row in Entry.objects.filter(
            account_id__in=ids, transaction__booked_on__gte=first, transaction__booked_on__lte=last
        )
        .values("account_id")
        .annotate(
            debit=Coalesce(Sum("amount", filter=Q(amount__gt=0)), 0),
            credit=Coalesce(Sum("amount", filter=Q(amount__lt=0)), 0),
        )
        .order_by()
    }
    out = []
    for acc in accounts:
        row = during.get(acc.pk, {"debit": 0, "credit": 0})
        opening = ledger.natural(acc, before.get(acc.pk) or 0)
        raw_in, raw_out = row["debit"], -row["credit"]
        increase, decrease = (raw_out, raw_in) if acc.credit_side else (raw_in, raw_out)
        out.append(
            {
                "account": acc,
                "opening": opening,
                "increase": increase,
                "decrease": decrease,
                "closing": opening + increase - decrease,
            }
        )
    return out


def this_fiscal_year() -> int:
    from django.utils import timezone

    from .services import fiscal_year_of

    return fiscal_year_of(timezone.localdate())
