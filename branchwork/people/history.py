"""A person's history: the audit events about the person and the records that hang off it.

Who may read it: the **admin** permission on the person's unit, for every event. The ``view``
permission is not enough, not even for events on non-sensitive fields: the history says which
officer looked at or changed the person and when (reads of sensitive data, exports), and that is
oversight of the officers, which belongs to the unit's administrators. Events list field names
only, never values, so an administrator without the sensitive permission learns that, say, the
residency status was read, never what it is.

Which events: those whose object is the person, a person merged into it, or a record of any
model that points at ``Person`` (consents, relationships both ways, memberships, provisions,
officer terms, the user account, and whatever a later app adds), found generically through
``Person._meta.related_objects``. The ids are subqueries, so the whole selection is one SQL
query however many kinds of record there are. Records deleted since (an erased person's
consents and relationships) can no longer be traced to the person; their events stay in the
chain, unnamed here.
"""

from __future__ import annotations

from django.db.models import CharField, CompositePrimaryKey, Model, Q, QuerySet
from django.db.models.functions import Cast

from branchwork.access.models import AuditEvent

from .models import Person, PersonMerge


def object_type_of(model: type[Model]) -> str:
    """How ``audit.record`` names a model in ``AuditEvent.object_type``."""
    return f"{model._meta.app_label}.{model._meta.model_name}"


def events_about(person: Person) -> QuerySet[AuditEvent]:
    """Every audit event about ``person`` (unordered, unscoped: callers check the permission)."""
    person_type = object_type_of(Person)
    merged = (
        PersonMerge.objects.filter(into=person)
        .annotate(as_text=Cast("merged_id", CharField()))
        .values("as_text")
    )
    cond = Q(object_type=person_type, object_id=str(person.pk)) | Q(
        object_type=person_type, object_id__in=merged
    )
    for rel in Person._meta.related_objects:
        model = rel.related_model
        if not isinstance(model, type) or model is AuditEvent:
            continue
        if isinstance(model._meta.pk, CompositePrimaryKey):
            continue  # derived rows (search keys) have no single id and no audit events

        ids = (
            model._default_manager.filter(**{rel.field.name: person.pk})
            .annotate(as_text=Cast("pk", CharField()))
            .values("as_text")
        )
        cond |= Q(object_type=object_type_of(model), object_id__in=ids)
    return AuditEvent.objects.filter(cond)
