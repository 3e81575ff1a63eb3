"""Writes to the unit tree. Each function checks the actor's scope, runs in a transaction,
writes its audit entry and refuses bad input with a translated message naming the field."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.people.models import Person

from .models import (
    ALLOWED_PARENTS,
    PATH_STEP,
    Post,
    PostType,
    Term,
    TerritoryArea,
    TerritoryKind,
    Unit,
    UnitKind,
    UnitStatus,
    path_segment,
)

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
POSTAL_PREFIX_RE = re.compile(r"^[0-9]{1,7}$")
MUNICIPALITY_RE = re.compile(r"^[0-9]{5,6}$")
UNIT_FIELDS = (
    "name_ko",
    "name_ja",
    "name_en",
    "postal_code",
    "address",
    "public_phone",
    "public_email",
)


def _require(actor: Any, perm: str, unit: Unit) -> None:
    if not scope_for(actor).has(perm, unit):
        raise PermissionDeniedError(perm)


def _require_active(unit: Unit, field: str = "unit") -> None:
    if not unit.is_active:
        raise invalid(field, _("This unit is no longer active (merged or dissolved)."))


@transaction.atomic
def create_unit(
    *,
    actor: Any,
    parent: Unit | None,
    code: str,
    kind: str,
    name_ko: str,
    name_ja: str,
    name_en: str,
    postal_code: str = "",
    address: str = "",
    public_phone: str = "",
    public_email: str = "",
) -> Unit:
    if parent is None:
        if not getattr(actor, "is_superuser", False) and actor is not None:
            raise PermissionDeniedError("admin")
        if kind != UnitKind.FEDERATION:
            raise invalid("parent", _("Only a federation may stand without a parent unit."))
    else:
        if actor is not None:
            _require(actor, "admin", parent)
        _require_active(parent, "parent")
        if parent.kind not in ALLOWED_PARENTS.get(kind, ()):
            raise invalid("kind", _("A unit of this kind cannot be placed under that parent unit."))
    if kind not in UnitKind.values:
        raise invalid("kind", _("Unknown unit kind."))
    if not CODE_RE.match(code):
        raise invalid("code", _("A code is 1 to 40 letters, digits, hyphens or underscores."))
    if Unit.objects.filter(code=code).exists():
        raise invalid("code", _("This code is already used by another unit."))
    for field, value in (("name_ko", name_ko), ("name_ja", name_ja), ("name_en", name_en)):
        if not value.strip():
            raise invalid(field, _("Give the unit a name in every language."))
    unit = Unit(
        parent=parent,
        code=code,
        kind=kind,
        name_ko=name_ko.strip(),
        name_ja=name_ja.strip(),
        name_en=name_en.strip(),
        postal_code=postal_code,
        address=address,
        public_phone=public_phone,
        public_email=public_email,
        path=f"tmp-{code}",
        depth=0 if parent is None else parent.depth + 1,
    )
    unit.save()
    unit.path = (parent.path if parent else "") + path_segment(unit.pk)
    unit.save(update_fields=["path"])
    audit.record(
        actor=actor,
        action="create",
        obj=unit,
        unit_id=unit.pk,
        fields=["code", "kind", "parent", *UNIT_FIELDS],
    )
    return unit


@transaction.atomic
def update_unit(*, actor: Any, unit: Unit, **values: str) -> Unit:
    _require(actor, "edit", unit)
    changed = [f for f in UNIT_FIELDS if f in values and getattr(unit, f) != values[f]]
    for field in ("name_ko", "name_ja", "name_en"):
        if field in values and not values[field].strip():
            raise invalid(field, _("Give the unit a name in every language."))
    for f in changed:
        setattr(unit, f, values[f].strip())
    if changed:
        unit.save(update_fields=changed)
        audit.record(actor=actor, action="update", obj=unit, unit_id=unit.pk, fields=changed)
    return unit


def _move_subtree(unit: Unit, new_parent: Unit) -> None:
    old = unit.path
    new = new_parent.path + path_segment(unit.pk)
    delta = new_parent.depth + 1 - unit.depth
    # One UPDATE rewrites the prefix of every path in the subtree.
    Unit.objects.filter(path__startswith=old).update(
        path=Concat(Value(new), Substr("path", len(old) + 1)),
        depth=F("depth") + delta,
    )
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.refresh_from_db(fields=["path", "depth", "parent"])


@transaction.atomic
def move_unit(*, actor: Any, unit: Unit, new_parent: Unit) -> Unit:
    _require(actor, "admin", unit)
    _require(actor, "admin", new_parent)
    if new_parent.path.startswith(unit.path):
        raise invalid(
            "parent", _("A unit cannot be placed under itself or one of its own sub-units.")
        )
    _require_active(new_parent, "parent")
    if new_parent.kind not in ALLOWED_PARENTS.get(unit.kind, ()):
        raise invalid("parent", _("A unit of this kind cannot be placed under that parent unit."))
    _move_subtree(unit, new_parent)
    audit.record(actor=actor, action="move", obj=unit, unit_id=unit.pk, fields=["parent", "path"])
    return unit


@transaction.atomic
def merge_units(*, actor: Any, source: Unit, target: Unit, on: dt.date | None = None) -> Unit:
    """Merge ``source`` into ``target``: sub-units, territory, people and officers' history move
    to the survivor in one transaction; the merged unit stays as history."""
    day = on or timezone.localdate()
    _require(actor, "admin", source)
    _require(actor, "admin", target)
    if source.pk == target.pk:
        raise invalid("target", _("A unit cannot be merged into itself."))
    if source.kind != target.kind:
        raise invalid("target", _("Only units of the same kind can be merged."))
    if target.path.startswith(source.path) or source.path.startswith(target.path):
        raise invalid("target", _("A unit cannot be merged into its own sub-unit or parent unit."))
    _require_active(source, "source")
    _require_active(target, "target")
    source = Unit.objects.select_for_update().get(pk=source.pk)
    for child in list(Unit.objects.filter(parent=source)):
        _move_subtree(child, target)
    TerritoryArea.objects.filter(unit=source).update(unit=target)
    Person.objects.filter(unit=source).update(unit=target)
    # Running terms of the merged unit end on the merger day; all its terms move as history.
    Term.objects.filter(unit=source, end__isnull=True, start__lte=day).update(end=day)
    Term.objects.filter(unit=source, end__gt=day, start__lte=day).update(end=day)
    Term.objects.filter(unit=source).update(unit=target)
    source.status = UnitStatus.MERGED
    source.status_date = day
    source.merged_into = target
    source.save(update_fields=["status", "status_date", "merged_into"])
    audit.record(
        actor=actor,
        action="merge",
        obj=source,
        unit_id=source.pk,
        fields=["status", "status_date", "merged_into"],
    )
    audit.record(
        actor=actor,
        action="merge_into",
        obj=target,
        unit_id=target.pk,
        fields=["children", "territory", "terms", "people"],
    )
    return target


@transaction.atomic
def dissolve_unit(*, actor: Any, unit: Unit, on: dt.date | None = None) -> Unit:
    _require(actor, "admin", unit)
    _require_active(unit)
    if Unit.objects.filter(parent=unit, status=UnitStatus.ACTIVE).exists():
        raise invalid("unit", _("Move, merge or dissolve the active sub-units first."))
    if unit.people.exists():
        raise invalid("unit", _("Move the people recorded in this unit first."))
    day = on or timezone.localdate()
    Term.objects.filter(unit=unit, end__isnull=True).update(end=day)
    unit.status = UnitStatus.DISSOLVED
    unit.status_date = day
    unit.save(update_fields=["status", "status_date"])
    audit.record(actor=actor, action="dissolve", obj=unit, unit_id=unit.pk, fields=["status"])
    return unit


def normalise_territory_value(kind: str, raw: str) -> str:
    import unicodedata

    value = unicodedata.normalize("NFKC", raw).replace("〒", "").replace("-", "").strip()
    if kind == TerritoryKind.POSTAL_PREFIX:
        if not POSTAL_PREFIX_RE.match(value):
            raise invalid("value", _("A postal-code prefix is 1 to 7 digits."))
    elif kind == TerritoryKind.MUNICIPALITY:
        if not MUNICIPALITY_RE.match(value):
            raise invalid("value", _("A municipality code is 5 or 6 digits."))
    else:
        raise invalid("kind", _("Unknown territory kind."))
    return value


@transaction.atomic
def add_territory(
    *, actor: Any, unit: Unit, kind: str, value: str, label: str = ""
) -> TerritoryArea:
    _require(actor, "edit", unit)
    _require_active(unit)
    clean = normalise_territory_value(kind, value)
    if TerritoryArea.objects.filter(kind=kind, value=clean).exists():
        # The other unit is not named: it may be outside the actor's scope.
        raise invalid("value", _("This area already belongs to another unit."), code="claimed")
    try:
        with transaction.atomic():
            area = TerritoryArea.objects.create(unit=unit, kind=kind, value=clean, label=label)
    except IntegrityError as exc:
        raise invalid(
            "value", _("This area already belongs to another unit."), code="claimed"
        ) from exc
    audit.record(actor=actor, action="create", obj=area, unit_id=unit.pk, fields=["kind", "value"])
    return area


@transaction.atomic
def remove_territory(*, actor: Any, area: TerritoryArea) -> None:
    _require(actor, "edit", area.unit)
    audit.record(actor=actor, action="delete", obj=area, unit_id=area.unit_id, fields=["value"])
    area.delete()


def unit_for_postal_code(postal_code: str) -> Unit | None:
    """The active unit whose territory holds the longest prefix of a postal code."""
    digits = "".join(ch for ch in postal_code if ch.isdigit())
    if not digits:
        return None
    prefixes = [digits[:i] for i in range(1, min(len(digits), 7) + 1)]
    areas = TerritoryArea.objects.filter(
        kind=TerritoryKind.POSTAL_PREFIX, value__in=prefixes, unit__status=UnitStatus.ACTIVE
    ).select_related("unit")
    best = max(areas, key=lambda a: len(a.value), default=None)
    return best.unit if best else None


@transaction.atomic
def create_post_type(
    *, actor: Any, code: str, name_ko: str, name_ja: str, name_en: str, order: int = 100
) -> PostType:
    """Add a kind of officer post. Post types are federation-wide: admin on a root unit only."""
    scope = scope_for(actor)
    roots = Unit.objects.filter(parent__isnull=True)
    if not any(scope.has("admin", root) for root in roots):
        raise PermissionDeniedError("admin")
    if PostType.objects.filter(code=code).exists():
        raise invalid("code", _("This code is already used by another post."))
    post_type = PostType.objects.create(
        code=code, name_ko=name_ko, name_ja=name_ja, name_en=name_en, order=order
    )
    audit.record(
        actor=actor,
        action="create",
        obj=post_type,
        fields=["code", "name_ko", "name_ja", "name_en"],
    )
    return post_type


@transaction.atomic
def set_post(*, actor: Any, unit: Unit, post_type: PostType, seats: int) -> Post:
    _require(actor, "edit", unit)
    _require_active(unit)
    if seats < 0 or seats > 50:
        raise invalid("seats", _("Seats must be between 0 and 50."))
    post, created = Post.objects.get_or_create(
        unit=unit, post_type=post_type, defaults={"seats": seats}
    )
    if not created and post.seats != seats:
        post.seats = seats
        post.save(update_fields=["seats"])
    audit.record(
        actor=actor,
        action="create" if created else "update",
        obj=post,
        unit_id=unit.pk,
        fields=["post_type", "seats"],
    )
    return post


@transaction.atomic
def appoint(
    *,
    actor: Any,
    unit: Unit,
    post_type: PostType,
    person: Person,
    start: dt.date,
    end: dt.date | None = None,
    note: str = "",
) -> Term:
    _require(actor, "edit", unit)
    _require_active(unit)
    if end is not None and end < start:
        raise invalid("end", _("A term cannot end before it starts."))
    if not scope_for(actor).has("view", person.unit):
        raise invalid("person", _("Choose a person from your own units."))
    if not Post.objects.filter(unit=unit, post_type=post_type).exists():
        raise invalid("post_type", _("This unit has no such post; add the post first."))
    term = Term.objects.create(
        unit=unit,
        origin_unit=unit,
        post_type=post_type,
        person=person,
        start=start,
        end=end,
        note=note,
    )
    audit.record(
        actor=actor,
        action="create",
        obj=term,
        unit_id=unit.pk,
        fields=["post_type", "person", "start", "end"],
    )
    return term


@transaction.atomic
def end_term(*, actor: Any, term: Term, end: dt.date) -> Term:
    _require(actor, "edit", term.unit)
    if end < term.start:
        raise invalid("end", _("A term cannot end before it starts."))
    term.end = end
    term.save(update_fields=["end"])
    audit.record(actor=actor, action="update", obj=term, unit_id=term.unit_id, fields=["end"])
    return term


__all__ = [
    "PATH_STEP",
    "add_territory",
    "appoint",
    "create_post_type",
    "create_unit",
    "dissolve_unit",
    "end_term",
    "merge_units",
    "move_unit",
    "normalise_territory_value",
    "remove_territory",
    "set_post",
    "unit_for_postal_code",
    "update_unit",
]
