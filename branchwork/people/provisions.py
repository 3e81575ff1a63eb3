"""Provisions of personal data to third parties: recorded when made, listed, exported.

Japan's personal-information law expects a record of every provision to a third party: to whom,
when, which items, and on what basis. A provision "with the person's consent" must rest on a
consent to share with that very recipient, in force on the day. The list follows the people:
a user sees the provisions of the people in their units (where the person is now), so a moved
person's history goes with them and no one sees a person they may not see.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.models import User
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.org.models import Unit

from .models import (
    Consent,
    ConsentKind,
    Person,
    PersonSensitive,
    Provision,
    ProvisionBasis,
    ProvisionKind,
)
from .services import PERSON_FIELDS, SENSITIVE_FIELDS

# What may be named as provided: the registry's fields, the sensitive ones included (recording
# that a nationality was passed on matters most).
ITEM_FIELDS = (*PERSON_FIELDS, *SENSITIVE_FIELDS)
MAX_ITEMS = len(ITEM_FIELDS)


def item_label(name: str) -> str:
    model = PersonSensitive if name in SENSITIVE_FIELDS else Person
    try:
        return str(getattr(model._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:  # a name stored long ago and since removed: shown as it is
        return name


def item_choices() -> list[tuple[str, str]]:
    return [(name, item_label(name)) for name in ITEM_FIELDS]


def _same_partner(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())

    return norm(a) == norm(b)


@transaction.atomic
def record_provision(
    *,
    actor: Any,
    person: Person,
    kind: str,
    recipient: str,
    purpose: str,
    items: list[str],
    basis: str,
    consent: Consent | None = None,
    provided_on: dt.date | None = None,
) -> Provision:
    """Record that ``person``'s ``items`` went to ``recipient``. Needs the edit permission on the
    person's unit; refuses, naming the field, anything the record could not stand on."""
    if not scope_for(actor).has("edit", person.unit):
        raise PermissionDeniedError("edit")
    if person.erased_at is not None:
        raise invalid("__all__", _("This person's data is erased: nothing can be provided."))
    if kind not in ProvisionKind.values:
        raise invalid("kind", _("Unknown kind of provision."))
    recipient = unicodedata.normalize("NFC", recipient or "").strip()
    if not recipient:
        raise invalid("recipient", _("Name who received the data."))
    if len(recipient) > 200:
        raise invalid("recipient", _("The recipient's name is too long (at most 200 characters)."))
    purpose = unicodedata.normalize("NFC", purpose or "").strip()
    if not purpose:
        raise invalid("purpose", _("Say what the data was provided for."))
    if len(purpose) > 300:
        raise invalid("purpose", _("The purpose is too long (at most 300 characters)."))
    names = list(dict.fromkeys(str(i).strip() for i in items or []))
    if not names:
        raise invalid("items", _("Choose at least one item of data that was provided."))
    unknown = [n for n in names if n not in ITEM_FIELDS]
    if unknown:
        raise invalid("items", _("Unknown item of data: %(name)s.") % {"name": unknown[0][:60]})
    day = provided_on or timezone.localdate()
    if day > timezone.localdate():
        raise invalid("provided_on", _("A provision cannot be recorded for a future day."))
    if basis not in ProvisionBasis.values:
        raise invalid("basis", _("Unknown basis for the provision."))
    if basis == ProvisionBasis.CONSENT:
        if consent is None:
            raise invalid(
                "consent",
                _(
                    "A provision with consent needs the person's consent to share with the recipient."
                ),
            )
        if (
            consent.person_id != person.pk
            or consent.kind != ConsentKind.SHARE
            or not consent.in_force
            or consent.given_on > day
        ):
            raise invalid(
                "consent",
                _("This is not a consent of this person to share data, in force on that day."),
            )
        if not _same_partner(consent.partner, recipient):
            raise invalid(
                "consent",
                _("The consent names another partner (%(partner)s) than the recipient.")
                % {"partner": consent.partner},
            )
    elif consent is not None:
        raise invalid("consent", _("A consent is linked only when the basis is consent."))
    provision = Provision.objects.create(
        person=person,
        unit=person.unit,
        kind=kind,
        recipient=recipient,
        purpose=purpose,
        items=names,
        basis=basis,
        consent=consent,
        provided_on=day,
        by=actor if isinstance(actor, User) else None,
    )
    audit.record(
        actor=actor,
        action="create",
        obj=provision,
        unit_id=person.unit_id,
        fields=["kind", "recipient", "purpose", "items", "basis", "consent", "provided_on"],
    )
    return provision


def visible_provisions(
    user: Any,
    *,
    unit: Unit | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Provision]:
    """Provisions of the people in the user's scope (optionally under ``unit``, between two
    days), newest first, with what a list shows preloaded."""
    qs = scope_for(user).filter(
        Provision.objects.select_related("person__unit", "unit", "by"),
        "view",
        path_field="person__unit__path",
    )
    if unit is not None:
        qs = qs.filter(person__unit__path__startswith=unit.path)
    if date_from is not None:
        qs = qs.filter(provided_on__gte=date_from)
    if date_to is not None:
        qs = qs.filter(provided_on__lte=date_to)
    return qs.order_by("-provided_on", "-id")


def provisions_of(person: Person) -> QuerySet[Provision]:
    return person.provisions.select_related("unit").order_by("-provided_on", "-id")


# --- CSV export ----------------------------------------------------------------------------

CSV_COLUMNS = (
    "provided_on",
    "person",
    "display_name",
    "unit",
    "kind",
    "recipient",
    "purpose",
    "items",
    "basis",
    "consent",
    "by",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: object) -> str:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_header() -> list[str]:
    return [
        _("provided on"),
        _("person number"),
        _("name"),
        _("unit"),
        _("kind"),
        _("recipient"),
        _("purpose"),
        _("data provided"),
        _("basis"),
        _("consent"),
        _("recorded by"),
    ]


def export_rows(
    *, actor: Any, provisions: QuerySet[Provision], unit: Unit | None
) -> Iterator[list[str]]:
    """The CSV rows of ``provisions`` (already scoped), header first. The export is audited
    (which columns, which unit), before the first row is produced."""
    audit.record(
        actor=actor,
        action="export_provisions",
        object_type="people.provision",
        unit_id=unit.pk if unit else None,
        fields=CSV_COLUMNS,
    )
    scope = scope_for(actor)
    yield csv_header()
    for p in provisions.iterator(chunk_size=2000):
        yield [
            defuse(cell)
            for cell in (
                p.provided_on.isoformat(),
                p.person_id,
                p.person.display_name,
                p.unit.code if scope.has("view", p.unit) else "",
                p.get_kind_display(),
                p.recipient,
                p.purpose,
                ", ".join(item_label(i) for i in p.items),
                p.get_basis_display(),
                p.consent_id or "",
                p.by.username if p.by else "",
            )
        ]
