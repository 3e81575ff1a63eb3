"""Exports of a scoped selection: people, households, memberships or units as CSV or XLSX with
the columns a user chose, and the printed lists (roster, household list, address labels) as PDF.

``start_export`` checks the request and queues a job; the task ``export_tasks.run_export`` calls
``export_build.execute_export``, which builds the file with the scope of the user who started
it, streaming the rows (memory stays flat for the whole registry). A finished export is recorded once in the
audit log (its columns and counts, never a value) and, when people's data leaves, as a provision
of data for every person in the file: to whom, for what, which items, on what basis.

A job and its file belong to the user who started it: nobody else reaches them (404).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.models import User
from branchwork.access.scoping import Scope, scope_for
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.org.models import Unit
from branchwork.people.models import (
    Household,
    HouseholdMember,
    Membership,
    MembershipStatus,
    ProvisionBasis,
)

from .export_columns import (
    KINDS,
    NAME_FIELDS_READ,
    PDF_ITEMS,
    chosen,
    columns_for,
)
from .models import ExportFormat, ExportJob, ExportKind, JobStatus
from .selection import Selection, selected_households, selected_people

RECENT = 20
# Bases an export may rest on. The person's consent is checked person by person against the
# recipient, so it is recorded on the person's page, not for a whole selection.
EXPORT_BASES = (ProvisionBasis.OTHER, ProvisionBasis.LAW, ProvisionBasis.VITAL)
CONTENT_TYPES: dict[str, str] = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.CSV_CP932: "text/csv; charset=Shift_JIS",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.PDF: "application/pdf",
}


# --- selections ------------------------------------------------------------------------------


def selected_memberships(
    user: Any, selection: Selection, perm: str = "view"
) -> QuerySet[Membership]:
    """The memberships of the selected people (scoped through them), person by person."""
    people = selected_people(user, selection, perm).order_by().values("pk")
    return (
        Membership.objects.filter(person__in=people)
        .select_related("person", "body")
        .only(
            "person",
            "body",
            "status",
            "joined",
            "left",
            *(f"person__{name}" for name in NAME_FIELDS_READ),
        )
        .order_by(
            "person__unit__path",
            "person__family_name_kana",
            "person__given_name_kana",
            "person_id",
            "joined",
            "id",
        )
    )


def exported_households(
    user: Any, selection: Selection, members_attr: str = "current_members", *, light: bool = False
) -> QuerySet[Household]:
    """The selected households in units where the user may edit, each with its current
    members the user may see (in ``members_attr``, the head first). ``light``: with only
    what a spreadsheet reads (the members' names; units through the row context)."""
    scope = scope_for(user)
    members = (
        HouseholdMember.objects.filter(until__isnull=True, person__erased_at__isnull=True)
        .filter(scope.q("view", "person__unit__path"))
        .select_related("person")
        .order_by(
            Case(
                When(relation="head", then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            "since",
            "id",
        )
    )
    households = scope.filter(selected_households(user, selection), "edit")
    if light:
        households = households.select_related(None)
        members = members.only(
            "household", "person", "relation", *(f"person__{n}" for n in NAME_FIELDS_READ)
        )
    return households.prefetch_related(Prefetch("members", queryset=members, to_attr=members_attr))


# --- starting --------------------------------------------------------------------------------


def may_export_people(scope: Scope, unit: Unit | None) -> bool:
    """People's data is exported from units where the user may edit (a provision is a record
    the user makes about the people): somewhere, or in or under the chosen unit."""
    paths = scope.paths("edit") if not scope.superuser else [""]
    if unit is None:
        return bool(paths)
    return any(unit.path.startswith(p) or p.startswith(unit.path) for p in paths)


def _text(value: str, field: str, *, required: bool, missing: str, too_long: str) -> str:
    text = unicodedata.normalize("NFC", value or "").strip()
    if required and not text:
        raise invalid(field, missing)
    limit = getattr(ExportJob._meta.get_field(field), "max_length", None)
    if limit is not None and len(text) > limit:
        raise invalid(field, too_long)
    return text


def label_layouts() -> list[str]:
    """The label sheets the PDF module knows (the first is the default)."""
    from . import paper

    layouts = getattr(paper, "LABEL_LAYOUTS", None)
    return [str(k) for k in layouts] if layouts else []


@transaction.atomic
def start_export(
    *,
    actor: Any,
    kind: str,
    file_format: str,
    selection: Selection,
    columns: list[str],
    recipient: str,
    purpose: str,
    language: str,
    basis: str = ProvisionBasis.OTHER,
    layout: str = "",
) -> ExportJob:
    """Check an export and queue it; the file is built in the background. Raises a field's
    ValidationError for a bad request, PermissionDeniedError without the permission."""
    if not isinstance(actor, User) or not actor.is_active:
        raise PermissionDeniedError("view")
    spec = KINDS.get(kind)
    if spec is None:
        raise invalid("kind", _("Unknown kind of export."))
    if file_format not in spec.formats:
        raise invalid("file_format", _("This format is not offered for this kind of export."))
    if spec.columns:
        offered = {c.name for c in columns_for(kind, actor)}
        names = list(dict.fromkeys(str(c).strip() for c in columns or []))
        if not names:
            raise invalid("columns", _("Choose at least one column."))
        unknown = [n for n in names if n not in offered]
        if unknown:
            raise invalid("columns", _("Unknown column: %(name)s.") % {"name": unknown[0][:60]})
        names = [c.name for c in chosen(kind, names)]  # the catalogue's order
    else:
        names = []
    try:
        unit = selection.unit_for(actor)
    except Http404:
        raise invalid("unit", _("No unit with this code in your scope.")) from None
    if selection.members and selection.members not in MembershipStatus.values:
        raise invalid("members", _("Unknown membership status."))
    scope = scope_for(actor)
    people_data = spec.people_data
    if people_data and not may_export_people(scope, unit):
        raise PermissionDeniedError("edit")
    recipient = _text(
        recipient,
        "recipient",
        required=people_data,
        missing=_("Name who receives the data: every export of people's data is recorded."),
        too_long=_("The recipient's name is too long (at most 200 characters)."),
    )
    purpose = _text(
        purpose,
        "purpose",
        required=people_data,
        missing=_("Say what the data is for: every export of people's data is recorded."),
        too_long=_("The purpose is too long (at most 300 characters)."),
    )
    if basis not in EXPORT_BASES:
        raise invalid("basis", _("Unknown basis for the provision."))
    languages = [code for code, _name in settings.LANGUAGES]
    language = language or (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    if language not in languages:
        raise invalid("language", _("Unknown language."))
    options: dict[str, Any] = {**selection.as_dict()}
    # What the owner saw when they asked: the file holds no more, and is theirs only while
    # they still see all of it (see ``download_export``).
    options["scope"] = scope_for(actor).paths("view")
    if people_data:
        options["basis"] = basis
    if kind == ExportKind.LABELS:
        layouts = label_layouts()
        layout = layout or (layouts[0] if layouts else "")
        if layouts and layout not in layouts:
            raise invalid("layout", _("Unknown label sheet."))
        options["layout"] = layout
    job = ExportJob.objects.create(
        kind=kind,
        file_format=file_format,
        user=actor,
        selection=options,
        columns=names,
        language=language,
        recipient=recipient,
        purpose=purpose,
        status=JobStatus.QUEUED,
    )
    from .export_tasks import run_export

    transaction.on_commit(lambda: run_export.enqueue(job.pk))
    return job


# --- reading and downloading -----------------------------------------------------------------


def get_export_for(user: Any, pk: int) -> ExportJob:
    """An export of the user's own (404 otherwise: another user's job does not exist for
    them). The file itself is not loaded."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise Http404
    job = ExportJob.objects.defer("result").filter(pk=pk, user_id=user.pk).first()
    if job is None:
        raise Http404
    return job


def recent_exports(user: Any, limit: int = RECENT) -> list[ExportJob]:
    return list(ExportJob.objects.defer("result").filter(user_id=user.pk)[:limit])


def percent(job: ExportJob) -> int:
    if job.status == JobStatus.DONE:
        return 100
    return min(100, int(100 * job.done / job.total)) if job.total else 0


def replaced_characters(job: ExportJob) -> int:
    """Characters CP932 could not hold, replaced when the file was written."""
    return int(job.selection.get("replaced") or 0) if isinstance(job.selection, dict) else 0


def _still_allowed(actor: Any, job: ExportJob) -> bool:
    """Whether the owner still sees everything the export could hold: the file was made with
    the grants of its day, and a grant that ended since takes the file with it."""
    scope = scope_for(actor)
    if scope.superuser:
        return True
    if scope.is_empty:
        return False
    selection = job.selection if isinstance(job.selection, dict) else {}
    now = scope.paths("view")
    recorded = selection.get("scope")
    if isinstance(recorded, list) and not all(
        any(str(p).startswith(q) for q in now) for p in recorded
    ):
        return False
    code = selection.get("unit")
    if not code:
        return True
    unit = Unit.objects.filter(code=code).first()
    return unit is not None and scope.has("view", unit)


def expire_files(now: dt.datetime | None = None) -> tuple[int, int]:
    """Delete the export files finished, and the import uploads made, more than
    ``STORED_FILE_DAYS`` days ago (an import's file is deleted as soon as it has run; what is
    left is a file checked or uploaded and never imported). The jobs stay, marked expired, with
    their report and their audit trail; each deletion is audited. Returns (exports, imports)."""
    from .models import ImportFile, ImportJob

    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.STORED_FILE_DAYS)
    with transaction.atomic():
        exports = list(
            ExportJob.objects.select_for_update()
            .filter(status=JobStatus.DONE, finished_at__lt=cutoff)
            .values_list("pk", flat=True)
        )
        ExportJob.objects.filter(pk__in=exports).update(status=JobStatus.EXPIRED, result=None)
        uploads = list(
            ImportFile.objects.filter(job__created_at__lt=cutoff)
            .exclude(job__status__in=(JobStatus.QUEUED, JobStatus.RUNNING))
            .values_list("job_id", flat=True)
        )
        ImportFile.objects.filter(job_id__in=uploads).delete()
        ImportJob.objects.filter(pk__in=uploads).update(
            status=JobStatus.EXPIRED,
            error=_("The uploaded file was deleted %(days)s days after it was uploaded.")
            % {"days": settings.STORED_FILE_DAYS},
        )
        for object_type, ids in (("imports.exportjob", exports), ("imports.importjob", uploads)):
            if ids:
                audit.record_many(
                    actor=None,
                    action="expire",
                    object_type=object_type,
                    items=((pk, None, ["file"]) for pk in ids),
                )
    return len(exports), len(uploads)


def expired_message() -> str:
    return _("This file was deleted %(days)s days after it was made. Make the export again.") % {
        "days": settings.STORED_FILE_DAYS
    }


def download_export(*, actor: Any, job: ExportJob) -> tuple[bytes, str, str]:
    """The finished file of the user's own export, as (content, file name, content type). A
    download is a read of the data it holds, so it is audited (which export, which columns)."""
    if job.status == JobStatus.EXPIRED:
        raise invalid("__all__", expired_message())
    if job.status != JobStatus.DONE:
        raise invalid("__all__", _("This export is not finished."))
    if not _still_allowed(actor, job):
        raise PermissionDeniedError("view")
    data = ExportJob.objects.filter(pk=job.pk).values_list("result", flat=True).first()
    if data is None:
        raise invalid("__all__", _("This export is not finished."))
    audit.record(
        actor=actor,
        action="download",
        obj=job,
        fields=list(job.columns) or list(PDF_ITEMS.get(job.kind, ())),
    )
    return bytes(data), job.filename, CONTENT_TYPES[job.file_format]
