"""Merging two records of one person: the chosen values kept, every relation moved, the
merged number leading to the kept person from then on.

Relations are found generically, from ``Person._meta.related_objects``, so a model added
later (a case, an attendance, an enrolment) is carried over without touching this module:

* a foreign key is re-pointed at the kept person;
* a row that would then point at the kept person twice (a relationship between the two
  records) is deleted, since it would relate the person to themself;
* a row that would break a unique constraint (the same relationship recorded on both, a
  current household on both, a search key both have) is dropped: the kept person's row stays;
* a one-to-one row is moved when the kept person has none; when both have one, the kept
  person's stays and the other goes as its ``on_delete`` says (set to null, or deleted),
  except the sensitive record, whose blank fields are first filled from the merged one;
* the search keys, derived from the names, are dropped and written anew for the kept person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import models, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branchwork.access import audit
from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.org.models import Unit

from . import search, services
from .models import Person, PersonMerge, PersonSearchKey, PersonSensitive
from .selectors import visible_people

# What may be chosen field by field. The birth date's precision goes with the date.
MERGE_FIELDS = ("unit", *(f for f in services.PERSON_FIELDS if f != "birth_precision"))
KEEP, MERGE = "keep", "merge"

# Relations shown on the merge page by a name of their own (the rest by their model's name).
RELATION_LABELS = {
    "access.user": gettext_lazy("user accounts"),
    "org.term": gettext_lazy("officer terms"),
    "people.relationship": gettext_lazy("relationships"),
    "people.householdmember": gettext_lazy("households"),
    "people.personmerge": gettext_lazy("records merged into this one before"),
}
# Relations that are the app's own bookkeeping, not something a reader compares.
HIDDEN_RELATIONS = (PersonSearchKey, PersonSensitive)
# Rows derived from the person's own fields: dropped, then written anew for the kept person.
DERIVED_RELATIONS = (PersonSearchKey,)


def person_links() -> list[tuple[type[models.Model], models.ForeignKey[Any, Any]]]:
    """Every (model, foreign key to Person) pair there is, in every installed app."""
    out: list[tuple[type[models.Model], models.ForeignKey[Any, Any]]] = []
    for rel in Person._meta.related_objects:
        if rel.many_to_many:
            model = rel.through  # type: ignore[attr-defined]
            fks = [
                f
                for f in model._meta.concrete_fields
                if isinstance(f, models.ForeignKey) and f.related_model is Person
            ]
        else:
            model, fks = rel.related_model, [rel.field]  # type: ignore[list-item]
        for fk in fks:
            if (model, fk) not in out:
                out.append((model, fk))
    return out


def _unique_sets(
    model: type[models.Model], fk: models.Field[Any, Any]
) -> list[tuple[list[str], Q]]:
    """The unique constraints of ``model`` that include ``fk``: (the other fields, condition)."""

    def others(names: Iterable[str]) -> list[str]:
        fields = [model._meta.get_field(name) for name in names if name != fk.name]
        return [str(getattr(field, "attname", field.name)) for field in fields]

    sets: list[tuple[list[str], Q]] = []
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and fk.name in constraint.fields:
            sets.append((others(constraint.fields), constraint.condition or Q()))
    for together in model._meta.unique_together:
        if fk.name in together:
            sets.append((others(together), Q()))
    return sets


def _merge_sensitive(keep: Person, merge: Person) -> list[str]:
    """Fill the kept person's blank sensitive fields from the merged record's; return their
    names. The merged record's row goes (with the person)."""
    theirs = PersonSensitive.objects.filter(person=merge).first()
    if theirs is None:
        return []
    mine, _created = PersonSensitive.objects.get_or_create(person=keep)
    taken = [f for f in services.SENSITIVE_FIELDS if not getattr(mine, f) and getattr(theirs, f)]
    for f in taken:
        setattr(mine, f, getattr(theirs, f))
    if taken:
        mine.save(update_fields=taken)
    theirs.delete()
    return taken


ONE_TO_ONE_MERGERS: dict[type[models.Model], Callable[[Person, Person], list[str]]] = {
    PersonSensitive: _merge_sensitive,
}


def _move_one_to_one(
    model: type[models.Model], fk: models.Field[Any, Any], keep: Person, merge: Person
) -> int:
    rows = model._default_manager.filter(**{fk.name: merge})
    if not model._default_manager.filter(**{fk.name: keep}).exists():
        return rows.update(**{fk.name: keep})
    if fk.null:
        rows.update(**{fk.name: None})
    elif fk.remote_field.on_delete is models.PROTECT:  # type: ignore[union-attr]
        raise invalid("merge", _("Both records have data that only one person may have."))
    else:
        rows.delete()
    return 0


def _move_rows(
    model: type[models.Model], fk: models.Field[Any, Any], keep: Person, merge: Person
) -> int:
    manager = model._default_manager
    # Rows between the two records would relate the kept person to themself.
    for other in person_links():
        if other[0] is model and other[1] is not fk:
            manager.filter(**{fk.name: merge, f"{other[1].name}__in": [keep.pk, merge.pk]}).delete()
    # Rows the kept person already has would collide with a unique constraint.
    for others, condition in _unique_sets(model, fk):
        theirs = manager.filter(condition, **{fk.name: keep})
        if others:
            taken = {tuple(row) for row in theirs.values_list(*others)}
        else:  # unique on the person alone: any row of the kept person's clashes
            taken = {()} if theirs.exists() else set()
        mine = manager.filter(condition, **{fk.name: merge}).values_list("pk", *others)
        clash = [row[0] for row in mine if tuple(row[1:]) in taken and None not in row[1:]]
        if clash:
            manager.filter(pk__in=clash).delete()
    return manager.filter(**{fk.name: merge}).update(**{fk.name: keep})


def _choose(keep: Person, merge: Person, choices: Mapping[str, str]) -> dict[str, Any]:
    unknown = set(choices) - set(MERGE_FIELDS)
    if unknown:
        raise invalid(
            "choices",
            _("Unknown field to merge: %(names)s.") % {"names": ", ".join(sorted(unknown))},
        )
    if any(choice not in (KEEP, MERGE) for choice in choices.values()):
        raise invalid("choices", _("Choose, for each field, the value to keep."))
    taken = [f for f, choice in choices.items() if choice == MERGE]
    values = {f: getattr(merge if f in taken else keep, f) for f in services.PERSON_FIELDS}
    values["birth_precision"] = (merge if "birth_date" in taken else keep).birth_precision
    return values


@transaction.atomic
def merge_people(
    *,
    actor: Any,
    keep: Person,
    merge: Person,
    choices: Mapping[str, str],
    versions: tuple[int, int] | None = None,
) -> Person:
    """Merge ``merge`` into ``keep``, taking the fields ``choices`` marks ``"merge"`` from the
    merged record. ``versions`` are the records' versions the actor compared, when known.

    Needs the admin permission on both people's units, not just edit: a merge deletes a record
    and moves everything that pointed at it (family ties, memberships, officer terms, provisions
    to third parties), which cannot be undone field by field once other changes follow. It is
    as final as an erasure, which needs admin too, while recording a person twice — the harm a
    merge repairs — is cheap to live with until an administrator has compared the two.
    """
    if keep.pk == merge.pk:
        raise invalid("merge", _("A person cannot be merged with themself."))
    scope = scope_for(actor)
    locked = {
        p.pk: p
        for p in Person.objects.select_for_update()
        .select_related("unit")
        .filter(pk__in=[keep.pk, merge.pk])
    }
    if len(locked) != 2:
        raise invalid(
            "merge", _("One of these records no longer exists: it was merged or removed.")
        )
    keep, merge = locked[keep.pk], locked[merge.pk]
    for person in (keep, merge):
        if not scope.has("admin", person.unit):
            raise PermissionDeniedError("admin")
    if keep.erased_at is not None or merge.erased_at is not None:
        raise invalid("merge", _("An erased person cannot be merged."))
    if versions is not None and versions != (keep.version, merge.version):
        raise invalid(
            "__all__",
            _("Someone changed one of these records while you compared them. Compare them again."),
        )
    values = services._clean(_choose(keep, merge, choices))  # the mix must still be valid
    unit: Unit = merge.unit if choices.get("unit") == MERGE else keep.unit
    if unit.pk != keep.unit_id and not unit.is_active:
        raise invalid("unit", _("This unit is no longer active (merged or dissolved)."))
    changed = [f for f in services.PERSON_FIELDS if values[f] != getattr(keep, f)]
    picked = {f for f, choice in choices.items() if choice == MERGE}
    if "birth_date" in picked:
        picked.add("birth_precision")
    taken = [f for f in changed if f in picked]
    if unit.pk != keep.unit_id:
        taken.append("unit")
    for model, fk in person_links():
        if model in DERIVED_RELATIONS:
            model._default_manager.filter(**{fk.name: merge}).delete()
        elif model in ONE_TO_ONE_MERGERS:
            taken += ONE_TO_ONE_MERGERS[model](keep, merge)
        elif fk.one_to_one or fk.unique:
            _move_one_to_one(model, fk, keep, merge)
        else:
            _move_rows(model, fk, keep, merge)

    Person.objects.filter(pk=keep.pk).update(
        version=F("version") + 1,
        updated_at=timezone.now(),
        unit=unit,
        **{f: values[f] for f in changed},
    )
    merged_id, merged_unit = merge.pk, merge.unit_id
    PersonMerge.objects.create(merged_id=merged_id, into=keep, by=actor)
    Person.objects.filter(pk=merged_id).delete()
    keep.refresh_from_db()
    search.reindex([keep])
    for obj_id, unit_id in ((keep.pk, keep.unit_id), (merged_id, merged_unit)):
        audit.record(
            actor=actor,
            action="merge",
            object_type="people.person",
            object_id=obj_id,
            unit_id=unit_id,
            fields=taken,
        )
    return keep


def merged_into(user: Any, pk: int) -> Person | None:
    """The person that number ``pk`` was merged into, if the user may see them."""
    link = PersonMerge.objects.filter(merged_id=pk).only("into_id").first()
    if link is None:
        return None
    return visible_people(user).filter(pk=link.into_id).first()


def relation_counts(keep: Person, other: Person) -> list[tuple[str, int, int]]:
    """(label, rows of the kept person, rows of the other) for each kind of related data."""
    by_model: dict[type[models.Model], list[models.ForeignKey[Any, Any]]] = {}
    for model, fk in person_links():
        if model not in HIDDEN_RELATIONS:
            by_model.setdefault(model, []).append(fk)
    out = []
    for model, fks in by_model.items():

        def q(person: Person, fks: list[models.ForeignKey[Any, Any]] = fks) -> Q:
            cond = Q()
            for fk in fks:
                cond |= Q(**{fk.name: person})
            return cond

        counts = model._default_manager.filter(q(keep) | q(other)).aggregate(
            mine=Count("pk", filter=q(keep)), theirs=Count("pk", filter=q(other))
        )
        label = RELATION_LABELS.get(model._meta.label_lower, model._meta.verbose_name_plural)
        out.append((str(label), counts["mine"], counts["theirs"]))
    return out


__all__ = ["MERGE_FIELDS", "merge_people", "merged_into", "person_links", "relation_counts"]
