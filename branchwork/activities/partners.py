"""Partner organisations: bodies of the wider society a unit works with (a ward office, a
Japanese school, a citizens' group), the people to reach there, and the joint events held
with them.

A partner belongs to a unit. It is seen by the users of that unit's subtree and by those of
the units under it (a region's partners can co-host a branch's event); a sibling branch's
partners are not seen. Writing needs edit on the partner's unit; every write is audited.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.org.models import Unit

from .models import PartnerContact, PartnerOrganisation
from .selectors import paths_above

PARTNER_FIELDS = ("name", "kind", "contact_name", "email", "phone", "notes")
CONTACT_FIELDS = ("name", "role", "email", "phone")


def visible_partners(user: Any) -> QuerySet[PartnerOrganisation]:
    cond = scope_for(user).q("view", "unit__path")
    above = paths_above(user)
    if above:
        cond |= Q(unit__path__in=above)
    return PartnerOrganisation.objects.filter(cond).select_related("unit")


def get_partner_for(user: Any, pk: int) -> PartnerOrganisation:
    partner = visible_partners(user).filter(pk=pk).first()
    if partner is None:
        raise Http404
    return partner


def partners_for_unit(user: Any, unit: Unit) -> QuerySet[PartnerOrganisation]:
    """The active partners an event of ``unit`` may name: the unit's own, those of the units
    under it and above it, among those the user sees."""
    above = [unit.path[:i] for i in range(len(unit.path)) if unit.path[:i].endswith(".")]
    return (
        visible_partners(user)
        .filter(Q(unit__path__startswith=unit.path) | Q(unit__path__in=above), active=True)
        .order_by("name", "pk")
    )


def _clean(values: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    unknown = set(values) - set(fields) - {"active"}
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    out = {f: (values.get(f) or "").strip() for f in fields}
    if not out["name"]:
        raise invalid("name", _("Give the name."))
    if out.get("email"):
        try:
            validate_email(out["email"])
        except ValidationError:
            raise invalid("email", _("This is not an e-mail address.")) from None
    return out


@transaction.atomic
def create_partner(*, actor: Any, unit: Unit, **values: Any) -> PartnerOrganisation:
    if not scope_for(actor).has("edit", unit):
        raise PermissionDeniedError("edit")
    fields = _clean(values, PARTNER_FIELDS)
    if PartnerOrganisation.objects.filter(unit=unit, name__iexact=fields["name"]).exists():
        raise invalid("name", _("This unit already has a partner of this name."))
    partner = PartnerOrganisation.objects.create(unit=unit, **fields)
    audit.record(
        actor=actor,
        action="create",
        obj=partner,
        unit_id=unit.pk,
        fields=[f for f, v in fields.items() if v],
    )
    return partner


@transaction.atomic
def update_partner(
    *, actor: Any, partner: PartnerOrganisation, active: bool = True, **values: Any
) -> PartnerOrganisation:
    if not scope_for(actor).has("edit", partner.unit):
        raise PermissionDeniedError("edit")
    fields: dict[str, Any] = _clean(values, PARTNER_FIELDS)
    fields["active"] = bool(active)
    changed = [f for f, v in fields.items() if getattr(partner, f) != v]
    for field in changed:
        setattr(partner, field, fields[field])
    if changed:
        partner.save(update_fields=changed)
        audit.record(
            actor=actor, action="update", obj=partner, unit_id=partner.unit_id, fields=changed
        )
    return partner


@transaction.atomic
def add_contact(*, actor: Any, partner: PartnerOrganisation, **values: Any) -> PartnerContact:
    if not scope_for(actor).has("edit", partner.unit):
        raise PermissionDeniedError("edit")
    fields = _clean(values, CONTACT_FIELDS)
    if not (fields["email"] or fields["phone"]):
        raise invalid("email", _("Give an e-mail address or a phone number."))
    contact = PartnerContact.objects.create(partner=partner, **fields)
    audit.record(
        actor=actor,
        action="create",
        obj=contact,
        unit_id=partner.unit_id,
        fields=[f for f, v in fields.items() if v],
    )
    return contact


@transaction.atomic
def remove_contact(*, actor: Any, contact: PartnerContact) -> None:
    partner = contact.partner
    if not scope_for(actor).has("edit", partner.unit):
        raise PermissionDeniedError("edit")
    audit.record(
        actor=actor, action="delete", obj=contact, unit_id=partner.unit_id, fields=["name"]
    )
    contact.delete()
