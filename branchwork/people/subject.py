"""Everything held about a person, for the person's own request to see it (subject access).

``export_person`` returns one plain dict (JSON-ready: dates as ISO strings, codes not labels)
that the printable page, the JSON download and the API all show. Its sections:

``person``          every stored field of the person (an erased person's are blank)
``unit``            the unit the person is recorded in
``sensitive``       the sensitive fields: values only for an actor with the sensitive permission
                    on the person's unit, otherwise the names of the fields withheld
``relationships``   family ties, both the ones recorded on this person and on the relative
``memberships``     of the association and the affiliated bodies
``households``      every household the person lived in, with the addresses of that period
``consents``        given and withdrawn
``provisions``      the person's data given to third parties
``merged_from``     records merged into this one
``officer_terms``   posts held
``user_account``    the person's sign-in account, if any (never the password)
``other``           rows of any other model that points at ``Person`` (a later app's), found
                    through ``Person._meta.related_objects`` so that nothing held is left out
``audit_events``    who did what to the person and when, with field names (never values)

Scoping still holds inside the export: another person, a household, a unit, or a row of a
later model that belongs to a unit outside the actor's units is reduced to
``{"outside_your_units": true}`` and the facts that identify no one (dates, kinds, relations).
A complete export of such a person is made by someone whose units cover all of it (the region
or the centre). Provisions are the person's own record and are shown as on the person's page,
the providing unit named only when the actor sees it.

A later model whose rows need more than the ``view`` permission names it in a class attribute,
``subject_export_permission = "cases"``; without it its rows are withheld and counted.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.scoping import Scope, scope_for
from branchwork.core.errors import PermissionDeniedError
from branchwork.org.models import Term, Unit

from .history import events_about, object_type_of
from .models import (
    INVERSE_LABELS,
    Consent,
    HouseholdMember,
    Membership,
    Person,
    PersonMerge,
    PersonSensitive,
    Provision,
    RelationKind,
    Relationship,
)

FORMAT = "branchwork.subject-export/1"
# The relations of Person that a section handles by name. ``search_keys`` is left out on
# purpose: it is an index derived from the names and contacts exported above.
HANDLED_RELATIONS = frozenset(
    {
        "sensitive",
        "search_keys",
        "relationships",
        "relatives_of",
        "memberships",
        "household_links",
        "consents",
        "provisions",
        "merged_from",
        "terms",
        "user",
    }
)
# Never exported from any model, whatever it is called by: secrets, not data about the person.
SECRET_WORDS = ("password", "token", "secret", "digest", "hash")
USER_FIELDS = ("username", "email", "first_name", "last_name", "is_active", "date_joined")


def plain(value: Any) -> Any:
    """A stored value as JSON data."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID | Promise):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, models.Model):
        return value.pk
    return value


def row_of(obj: models.Model, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every concrete field of ``obj`` except secrets; a foreign key as its id."""
    out: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude or any(word in field.name for word in SECRET_WORDS):
            continue
        key = field.name if not field.is_relation else f"{field.name}_id"
        out[key] = plain(field.value_from_object(obj))
    return out


def unit_ref(scope: Scope, unit: Unit) -> dict[str, Any]:
    """A unit as the actor may see it: code and name inside its units, the name alone for a
    unit above them (as the unit pages show it), nothing for any other."""
    if scope.has("view", unit):
        return {"code": unit.code, "name": unit.name}
    if scope.is_above_scope(unit):
        return {"name": unit.name}
    return {"outside_your_units": True}


def _sensitive(scope: Scope, person: Person) -> dict[str, Any]:
    names = [f.name for f in PersonSensitive._meta.concrete_fields if not f.primary_key]
    if not scope.has("sensitive", person.unit):
        return {
            "included": False,
            "withheld": names,
            "reason": _("Exporting these fields needs the sensitive-data permission."),
        }
    record = PersonSensitive.objects.filter(person=person).first()
    return {
        "included": True,
        "values": {n: plain(getattr(record, n)) if record else "" for n in names},
    }


def _other_person(scope: Scope, other: Person) -> dict[str, Any]:
    if scope.has("view", other.unit):
        return {"id": other.pk, "name": other.display_name}
    return {"outside_your_units": True}


def _relationships(scope: Scope, person: Person) -> list[dict[str, Any]]:
    out = []
    mine = Relationship.objects.filter(person=person).select_related("relative__unit")
    for link in mine:  # this person is the <kind> of the relative
        out.append(
            {
                "id": link.pk,
                "relation": str(INVERSE_LABELS[RelationKind(link.kind)]),
                "kind": link.kind,
                "recorded_on": "person",
                "other_person": _other_person(scope, link.relative),
                "created_at": plain(link.created_at),
            }
        )
    theirs = Relationship.objects.filter(relative=person).select_related("person__unit")
    for link in theirs:  # the other person is the <kind> of this person
        out.append(
            {
                "id": link.pk,
                "relation": str(RelationKind(link.kind).label),
                "kind": link.kind,
                "recorded_on": "relative",
                "other_person": _other_person(scope, link.person),
                "created_at": plain(link.created_at),
            }
        )
    return out


def _memberships(scope: Scope, person: Person) -> list[dict[str, Any]]:
    rows = Membership.objects.filter(person=person).select_related("body").order_by("joined", "id")
    return [row_of(m, exclude=("person", "body")) | {"body": unit_ref(scope, m.body)} for m in rows]


def _overlap(
    begin: dt.date | None, end: dt.date | None, since: dt.date, until: dt.date | None
) -> tuple[dt.date, dt.date | None] | None:
    """The part of [begin, end) (open-ended where None) within [since, until], or None."""
    if end is not None and end <= since:
        return None
    if until is not None and begin is not None and begin > until:
        return None
    start = since if begin is None else max(begin, since)
    if end is None or until is None:
        return start, end or until
    return start, min(end, until)


def _households(scope: Scope, person: Person) -> list[dict[str, Any]]:
    """Each household the person belonged to, with the addresses it had while they did: the
    moves give the earlier addresses, the household row the latest."""
    links = (
        HouseholdMember.objects.filter(person=person)
        .select_related("household__unit")
        .prefetch_related("household__moves__from_unit")
        .order_by("since", "id")
    )
    out = []
    for link in links:
        home = link.household
        row: dict[str, Any] = {
            "relation": link.relation,
            "since": plain(link.since),
            "until": plain(link.until),
        }
        if not scope.has("view", home.unit):
            out.append(row | {"outside_your_units": True})
            continue
        periods: list[tuple[dt.date | None, dt.date | None, str, str]] = []
        start: dt.date | None = None
        moves = sorted(home.moves.all(), key=lambda m: (m.moved_on, m.pk))
        for move in moves:
            periods.append((start, move.moved_on, move.from_postal_code, move.from_address))
            start = move.moved_on
        periods.append((start, None, home.postal_code, home.address))
        addresses = []
        for begin, end, code, address in periods:
            clipped = _overlap(begin, end, link.since, link.until)
            if clipped is not None:
                first, last = clipped
                addresses.append(
                    {
                        "from": plain(first),
                        "to": plain(last),
                        "postal_code": code,
                        "address": address,
                    }
                )
        out.append(
            row
            | {"household_id": home.pk, "unit": unit_ref(scope, home.unit), "addresses": addresses}
        )
    return out


def _provisions(scope: Scope, person: Person) -> list[dict[str, Any]]:
    """The person's own record of what was given to whom, shown as on the person's page; the
    providing unit is named only if the actor sees it (the person may have moved since)."""
    rows = Provision.objects.filter(person=person).select_related("unit", "by")
    return [
        row_of(p, exclude=("person", "unit", "by"))
        | {"unit": unit_ref(scope, p.unit), "by": p.by.username if p.by else None}
        for p in rows.order_by("provided_on", "id")
    ]


def _terms(scope: Scope, person: Person) -> list[dict[str, Any]]:
    rows = Term.objects.filter(person=person).select_related("unit", "post_type").order_by("start")
    out = []
    for t in rows:
        row = {"post": t.post_type.name, "start": plain(t.start), "end": plain(t.end)}
        visible = scope.has("view", t.unit)
        out.append(row | {"unit": unit_ref(scope, t.unit)} | ({"note": t.note} if visible else {}))
    return out


def _user_account(person: Person) -> dict[str, Any] | None:
    from branchwork.access.models import User

    user = User.objects.filter(person=person).first()
    if user is None:
        return None
    return {f: plain(getattr(user, f)) for f in USER_FIELDS} | {
        "last_login": plain(user.last_login)
    }


def _other(scope: Scope, person: Person) -> dict[str, Any]:
    """Rows of every model pointing at Person that no section above handles."""
    out: dict[str, Any] = {}
    for rel in Person._meta.related_objects:
        model = rel.related_model
        if rel.get_accessor_name() in HANDLED_RELATIONS or not isinstance(model, type):
            continue
        rows = list(model._default_manager.filter(**{rel.field.name: person.pk}))
        needed = getattr(model, "subject_export_permission", "view")
        if not scope.has(needed, person.unit):
            out[object_type_of(model)] = {"withheld": len(rows), "permission": needed}
            continue
        hidden = getattr(model, "subject_export_hidden", None)  # a model's own rule
        shown = []
        for obj in rows:
            unit = getattr(obj, "unit", None)
            if isinstance(unit, Unit) and not scope.has(needed, unit):
                shown.append({"outside_your_units": True})
            elif hidden is not None and hidden(obj, scope):
                shown.append({"withheld": True})
            else:
                shown.append(row_of(obj, exclude=(rel.field.name,)))
        out[object_type_of(model)] = shown
    return out


def _audit_events(person: Person) -> list[dict[str, Any]]:
    events = events_about(person).select_related("actor").order_by("seq")
    return [
        {
            "seq": e.seq,
            "at": plain(e.at),
            "actor": e.actor.username if e.actor else None,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "fields": list(e.fields),
        }
        for e in events
    ]


@transaction.atomic
def export_person(*, actor: Any, person: Person) -> dict[str, Any]:
    """Everything held about ``person``. Needs the admin permission on the person's unit; the
    export itself is audited (action ``subject_export``, with the sections it holds)."""
    scope = scope_for(actor)
    if not scope.has("admin", person.unit):
        raise PermissionDeniedError("admin")
    person = Person.objects.select_related("unit").get(pk=person.pk)
    sensitive = _sensitive(scope, person)
    data: dict[str, Any] = {
        "format": FORMAT,
        "exported_at": plain(timezone.now()),
        "exported_by": getattr(actor, "username", None),
        "person": row_of(person, exclude=("unit",)),
        "unit": unit_ref(scope, person.unit),
        "sensitive": sensitive,
        "relationships": _relationships(scope, person),
        "memberships": _memberships(scope, person),
        "households": _households(scope, person),
        "consents": [row_of(c, exclude=("person",)) for c in Consent.objects.filter(person=person)],
        "provisions": _provisions(scope, person),
        "merged_from": [
            {
                "merged_id": m.merged_id,
                "merged_at": plain(m.merged_at),
                "by": m.by.username if m.by else None,
            }
            for m in PersonMerge.objects.filter(into=person)
            .select_related("by")
            .order_by("merged_at")
        ],
        "officer_terms": _terms(scope, person),
        "user_account": _user_account(person),
        "other": _other(scope, person),
    }
    fields = [k for k in data if k not in ("format", "exported_at", "exported_by")]
    if sensitive["included"]:
        fields += list(sensitive["values"])
    else:
        fields.remove("sensitive")
    audit.record(
        actor=actor,
        action="subject_export",
        obj=person,
        unit_id=person.unit_id,
        fields=[*fields, "audit_events"],
    )
    # Read last, so the export lists itself among the events.
    data["audit_events"] = _audit_events(person)
    return data
