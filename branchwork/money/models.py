"""Money: accounts per unit, one append-only double-entry ledger, and the documents behind
its movements (dues, donations with receipts, funds, allocations of grants and stipends).

The ledger is two tables. A **transaction** is one movement (a dues payment, a donation, money
received into a fund, a grant or stipend paid, a transfer between units, the reversal of an
earlier transaction); its **entries** move an amount on accounts, debits positive and credits
negative, and sum to zero. Neither table is ever updated or deleted: the models refuse it, and
on PostgreSQL a trigger refuses it in the database itself. A correction is a reversal: a new
transaction with the entries negated, pointing at the one it undoes (at most once).

Amounts are integers in the currency's minor unit (yen have none: an amount is whole yen).
Balances are SQL sums over the entries. Cash and fund accounts may never go below zero: the
service that posts a transaction locks the accounts it draws on, sums them, and refuses.

The documents (a dues payment, a donation, an allocation item) carry the person, the purpose
and the status; they point at their ledger transaction. So a person's record can be merged or
erased without touching the ledger, which holds no personal data.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from branchwork.core.errors import invalid


def currencies() -> dict[str, int]:
    """The currencies configured, with their minor units (JPY has none)."""
    return dict(getattr(settings, "BRANCHWORK_CURRENCIES", {"JPY": 0}))


DEFAULT_CURRENCY = "JPY"


class AppendOnlyError(Exception):
    """A ledger row was about to be changed or deleted."""


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("the ledger is append-only: no update")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the ledger is append-only: no delete")


class AppendOnly(models.Model):
    """Rows that are written once: saving an existing row or deleting one raises."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("the ledger is append-only: no update")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the ledger is append-only: no delete")


class AccountKind(models.TextChoices):
    CASH = "cash", _("Cash and bank")
    FUND = "fund", _("Fund")
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expenses")


# Balances are shown on each kind's natural side: cash and expenses as debits, funds and
# income as credits (so every balance shown is normally positive).
CREDIT_KINDS = (AccountKind.FUND, AccountKind.INCOME)
NEVER_NEGATIVE = (AccountKind.CASH, AccountKind.FUND)

# The accounts every unit that handles money has, made when first needed.
STANDARD_ACCOUNTS: dict[str, tuple[str, Any]] = {
    "cash": (AccountKind.CASH, _("Cash and bank")),
    "dues": (AccountKind.INCOME, _("Dues")),
    "donations": (AccountKind.INCOME, _("Donations")),
    "grants_received": (AccountKind.INCOME, _("Grants received")),
    "transfers": (AccountKind.INCOME, _("Transfers between units")),
}


class Account(models.Model):
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="accounts"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AccountKind.choices)
    code = models.SlugField(_("code"), max_length=40)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["unit_id", "kind", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "code", "currency"], name="account_code_once_per_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.code}:{self.code}"

    @property
    def name(self) -> str:
        standard = STANDARD_ACCOUNTS.get(self.code)
        if standard is not None:
            return str(standard[1])
        fund = getattr(self, "fund", None)
        return fund.name if fund is not None else self.code

    @property
    def credit_side(self) -> bool:
        return self.kind in CREDIT_KINDS


class TransactionKind(models.TextChoices):
    DUES = "dues", _("Dues")
    DONATION = "donation", _("Donation")
    FUND_RECEIPT = "fund_receipt", _("Received into a fund")
    GRANT = "grant", _("Grant paid")
    STIPEND = "stipend", _("Stipend paid")
    TRANSFER = "transfer", _("Transfer between units")
    REVERSAL = "reversal", _("Reversal")


class Transaction(AppendOnly):
    """One movement on the ledger. Never changed: a correction is a reversal."""

    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=TransactionKind.choices)
    booked_on = models.DateField(_("date"))
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        ordering = ["-booked_on", "-pk"]
        indexes = [models.Index(fields=["unit", "booked_on"], name="money_tx_unit_day")]

    def __str__(self) -> str:
        return f"transaction #{self.pk}"


class Entry(AppendOnly):
    """An amount on an account: debit positive, credit negative."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    # Indexed with the amount below, so that a balance is summed from the index alone.
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    amount = models.BigIntegerField(_("amount"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_not_zero"),
        ]
        indexes = [models.Index(fields=["account", "amount"], name="money_entry_balance")]

    def __str__(self) -> str:
        return f"entry #{self.pk}"


# --------------------------------------------------------------------------------------------
# Dues
# --------------------------------------------------------------------------------------------


class DuesRate(models.Model):
    """What a member of a body (the association, or an affiliated body) owes for a fiscal
    year, by the kind of their membership."""

    body = models.ForeignKey(
        "org.Unit", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("membership"), max_length=20)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    amount = models.PositiveBigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)

    class Meta:
        verbose_name = _("dues rate")
        verbose_name_plural = _("dues rates")
        ordering = ["-fiscal_year", "body_id", "status"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "status", "fiscal_year"], name="dues_rate_once"
            ),
        ]

    def __str__(self) -> str:
        return f"dues {self.fiscal_year} {self.status}"


class DuesPayment(models.Model):
    """Dues a member paid to their branch for a fiscal year."""

    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="dues_payments",
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("collected by"), on_delete=models.PROTECT, related_name="+"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    amount = models.PositiveBigIntegerField(_("amount"))
    received_on = models.DateField(_("received on"))
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, related_name="dues_payment"
    )

    class Meta:
        verbose_name = _("dues payment")
        verbose_name_plural = _("dues payments")
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["fiscal_year", "unit"], name="dues_year_unit"),
            models.Index(fields=["person", "fiscal_year"], name="dues_person_year"),
        ]

    def __str__(self) -> str:
        return f"dues payment #{self.pk}"


# --------------------------------------------------------------------------------------------
# Donations and receipts
# --------------------------------------------------------------------------------------------


class ReceiptCounter(models.Model):
    """The last receipt number a unit issued in a year (locked while the next is taken, so the
    numbers run without gaps or repeats)."""

    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="receipt_counter_once"),
        ]

    def __str__(self) -> str:
        return f"receipts {self.year}: {self.last}"


class Donation(models.Model):
    # Erasing a registered donor blanks any name typed here too (the amount stays).
    erase_with_person = ("donor_name",)

    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("received by"), on_delete=models.PROTECT, related_name="+"
    )
    donor = models.ForeignKey(
        "people.Person",
        verbose_name=_("donor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="donations",
    )
    donor_name = models.CharField(
        _("donor's name"),
        max_length=200,
        blank=True,
        help_text=_("For a donor who is not in the registry."),
    )
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    received_on = models.DateField(_("received on"))
    amount = models.PositiveBigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    receipt_year = models.PositiveSmallIntegerField(_("receipt year"))
    receipt_number = models.PositiveIntegerField(_("receipt number"))
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, related_name="donation"
    )

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "receipt_year", "receipt_number"], name="receipt_number_once"
            ),
            models.CheckConstraint(
                condition=Q(donor__isnull=False) | ~Q(donor_name=""), name="donation_has_donor"
            ),
        ]

    def __str__(self) -> str:
        return f"donation #{self.pk}"

    @property
    def receipt_code(self) -> str:
        return f"{self.unit.code}-{self.receipt_year}-{self.receipt_number:05d}"


# --------------------------------------------------------------------------------------------
# Funds and their allocation
# --------------------------------------------------------------------------------------------


class Fund(models.Model):
    """Money received for a purpose (an aid fund for the schools of a fiscal year), held by a
    unit in an account of its own."""

    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("held by"), on_delete=models.PROTECT, related_name="funds"
    )
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("source"), max_length=200)
    purpose = models.CharField(_("purpose"), max_length=300)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    amount = models.PositiveBigIntegerField(_("amount promised"))
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    restrictions = models.TextField(_("restrictions"), blank=True)
    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="fund")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        ordering = ["-fiscal_year", "name"]

    def __str__(self) -> str:
        return self.name


class AllocationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PROPOSED = "proposed", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Allocation(models.Model):
    """A plan that splits a fund into grants to schools and stipends to pupils. Drafted and
    proposed by one person, approved by another holding the money permission (four eyes)."""

    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="allocations"
    )
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AllocationStatus.choices,
        default=AllocationStatus.DRAFT,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Four eyes, in the database too: whoever decides is not who proposed.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("proposed_by")),
                name="allocation_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ItemKind(models.TextChoices):
    GRANT = "grant", _("Grant to a school")
    STIPEND = "stipend", _("Stipend to a pupil")


class ItemStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    PAID = "paid", _("Paid")


class AllocationItem(models.Model):
    erase_with_person = ("note",)  # a stipend's note may say why: blanked on erasure

    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=8, choices=ItemKind.choices)
    school = models.ForeignKey(
        "education.School",
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grants",
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("pupil"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stipends",
    )
    amount = models.PositiveBigIntegerField(_("amount"))
    term = models.CharField(_("term"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ItemStatus.choices, default=ItemStatus.PLANNED
    )
    transaction = models.OneToOneField(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="item"
    )

    class Meta:
        verbose_name = _("allocated item")
        verbose_name_plural = _("allocated items")
        ordering = ["kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="grant") & Q(school__isnull=False) & Q(person__isnull=True))
                | (Q(kind="stipend") & Q(person__isnull=False)),
                name="allocation_item_has_recipient",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_item_positive"),
            models.CheckConstraint(
                condition=Q(status="planned") | Q(transaction__isnull=False),
                name="allocation_item_paid_has_transaction",
            ),
        ]
        indexes = [models.Index(fields=["allocation", "status"], name="money_item_status")]

    def __str__(self) -> str:
        return f"item #{self.pk}"


def check_amount(value: Any, field: str = "amount") -> int:
    """A positive whole amount in the currency's minor unit, or a field error."""
    from django.utils.translation import gettext as gt

    if isinstance(value, bool) or not isinstance(value, int):
        try:
            text = str(value).strip().replace(",", "")
            if not text.isdigit():
                raise ValueError
            value = int(text)
        except ValueError:
            raise invalid(
                field, gt("Give a whole amount: no fractions of a yen, no signs.")
            ) from None
    if value <= 0:
        raise invalid(field, gt("Give an amount above zero."))
    if value > 10**15:
        raise invalid(field, gt("This amount is too large."))
    return int(value)
