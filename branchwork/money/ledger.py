"""Posting to the ledger: balanced transactions that never overdraw a cash or fund account.

``post`` is the one door into the ledger. It checks that the entries balance, locks the
accounts the transaction draws on (in id order, so two posts never wait on each other in a
circle), sums them in SQL, refuses any that would go below zero, and writes the transaction
and its entries. Two payments approved at the same moment are therefore serialised on the
account's row: the second sees the first's entries and is refused if the money is gone.
(SQLite has no row locks, but it lets one writer at a time: a second writer that read the
balance before the first committed fails instead of overdrawing.)

Callers check the permissions; ``post`` checks only the arithmetic.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.core import faults
from branchwork.core.errors import invalid
from branchwork.org.models import Unit

from .models import (
    CREDIT_KINDS,
    DEFAULT_CURRENCY,
    NEVER_NEGATIVE,
    STANDARD_ACCOUNTS,
    Account,
    Entry,
    Transaction,
    TransactionKind,
)

Line = tuple[Account, int]


def account(unit: Unit, code: str, currency: str = DEFAULT_CURRENCY) -> Account:
    """A unit's standard account (cash, dues, donations …), made when first needed."""
    kind = STANDARD_ACCOUNTS[code][0]
    found, _created = Account.objects.get_or_create(
        unit=unit, code=code, currency=currency, defaults={"kind": kind}
    )
    return found


def natural(account: Account, raw: int) -> int:
    """A raw sum of entries (debits positive) on the account's natural side."""
    return -raw if account.kind in CREDIT_KINDS else raw


def balance(account: Account, *, until: dt.date | None = None) -> int:
    entries = Entry.objects.filter(account=account)
    if until is not None:
        entries = entries.filter(transaction__booked_on__lte=until)
    raw = entries.aggregate(s=Sum("amount"))["s"] or 0
    return natural(account, raw)


def with_balances(accounts: QuerySet[Account]) -> list[Account]:
    """The accounts with ``.balance`` set (one grouped query)."""
    rows: list[Account] = list(accounts.annotate(raw=Sum("entries__amount")))
    for row in rows:
        row.balance = natural(row, getattr(row, "raw", 0) or 0)  # type: ignore[attr-defined]
    return rows


def _check_lines(lines: Sequence[Line]) -> None:
    if len(lines) < 2:
        raise invalid("amount", _("A transaction moves money between at least two accounts."))
    sums: dict[str, int] = defaultdict(int)
    for acc, amount in lines:
        if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
            raise invalid("amount", _("Give a whole amount: no fractions of a yen, no signs."))
        sums[acc.currency] += amount
    if any(sums.values()):
        raise invalid("amount", _("The debits and credits of a transaction must be equal."))


@transaction.atomic
def post(
    *,
    actor: Any,
    unit: Unit,
    kind: str,
    lines: Sequence[Line],
    booked_on: dt.date | None = None,
    memo: str = "",
    reverses: Transaction | None = None,
) -> Transaction:
    _check_lines(lines)
    # The accounts this transaction takes money from, locked before their balance is read.
    drawn = sorted(
        {acc.pk for acc, amount in lines if acc.kind in NEVER_NEGATIVE and natural(acc, amount) < 0}
    )
    if drawn:
        locked = list(Account.objects.select_for_update().filter(pk__in=drawn).order_by("pk"))
        raw = dict(
            Entry.objects.filter(account_id__in=drawn)
            .values_list("account_id")
            .annotate(s=Sum("amount"))
            .order_by()
        )
        change: dict[int, int] = defaultdict(int)
        for acc, amount in lines:
            change[acc.pk] += amount
        for acc in locked:
            after = natural(acc, (raw.get(acc.pk) or 0) + change[acc.pk])
            if after < 0:
                raise invalid(
                    "amount",
                    _("Not enough money: %(account)s of %(unit)s holds %(balance)s.")
                    % {
                        "account": acc.name,
                        "unit": acc.unit.name,
                        "balance": f"{natural(acc, raw.get(acc.pk) or 0):,}",
                    },
                )
        faults.point("ledger-after-balance")  # read, not yet written: where a race would be
    tx = Transaction.objects.create(
        unit=unit,
        kind=kind,
        booked_on=booked_on or timezone.localdate(),
        memo=(memo or "")[:200],
        reverses=reverses,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    Entry.objects.bulk_create(
        [Entry(transaction=tx, account=acc, amount=amount) for acc, amount in lines]
    )
    audit.record(actor=actor, action="create", obj=tx, unit_id=unit.pk, fields=["entries"])
    return tx


@transaction.atomic
def reverse(*, actor: Any, tx: Transaction, reason: str) -> Transaction:
    """Undo a transaction with a new one that negates its entries (a transaction is reversed
    at most once; a reversal is not itself reversed)."""
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason", _("Say why the transaction is reversed."))
    tx = Transaction.objects.select_for_update().get(pk=tx.pk)
    if tx.kind == TransactionKind.REVERSAL:
        raise invalid(
            "reason", _("A reversal cannot itself be reversed: record the movement anew.")
        )
    if Transaction.objects.filter(reverses=tx).exists():
        raise invalid("reason", _("This transaction is already reversed."))
    lines = [(e.account, -e.amount) for e in tx.entries.select_related("account", "account__unit")]
    return post(
        actor=actor,
        unit=tx.unit,
        kind=TransactionKind.REVERSAL,
        lines=lines,
        memo=reason,
        reverses=tx,
    )


def unreversed() -> Q:
    """Transactions still standing: neither reversed nor reversals."""
    return Q(reversed_by__isnull=True) & ~Q(kind=TransactionKind.REVERSAL)


def unbalanced() -> Iterable[int]:
    """Ids of transactions whose entries do not sum to zero (there should be none)."""
    return (
        Entry.objects.values("transaction_id")
        .annotate(s=Sum("amount"))
        .exclude(s=0)
        .values_list("transaction_id", flat=True)
    )
