"""Building an export's file, in the worker: ``execute_export`` claims a queued job, reads the
selection with the scope of the user who started it, streams the rows into the file (memory
stays flat: rows are read ``CHUNK`` at a time and the file spills to disk past ``SPOOL``), then
records it, in one transaction: one audit event (columns and counts, never a value) and, when
people's data leaves, one provision of data per person, written through the bulk path.
"""

from __future__ import annotations

import logging
import re
import tempfile
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from branchwork.access import audit
from branchwork.access.models import User
from branchwork.access.scoping import scope_for
from branchwork.core.bulk import bulk_insert, db_value
from branchwork.org.models import Unit
from branchwork.people.models import HouseholdMember, Provision, ProvisionBasis, ProvisionKind

from .export_columns import (
    KINDS,
    PDF_ITEMS,
    PersonRow,
    RowContext,
    chosen,
    disclosed_items,
    person_fields,
)
from .export_writers import CsvSink, XlsxSink
from .exports import (
    exported_households,
    may_export_people,
    selected_memberships,
)
from .models import ExportFormat, ExportJob, ExportKind, JobStatus
from .selection import Selection, selected_people, selected_units

logger = logging.getLogger(__name__)

CHUNK = 2000  # rows read from the database at a time, and between two progress updates
SPOOL = 4 * 1024 * 1024  # a file is kept in memory up to this size, then on disk
EXTENSIONS: dict[str, str] = {
    ExportFormat.CSV: "csv",
    ExportFormat.CSV_CP932: "csv",
    ExportFormat.XLSX: "xlsx",
    ExportFormat.PDF: "pdf",
}


class ExportRefused(Exception):
    """The export cannot be built any more (the user lost access): the message says why."""


# --- reading ---------------------------------------------------------------------------------


def _source(
    kind: str, user: Any, selection: Selection, columns: list[str]
) -> tuple[QuerySet[Any], Callable[[Any], Any]]:
    """What a spreadsheet export reads, and how a row read becomes what the columns take."""
    if kind == ExportKind.PEOPLE:
        # People as plain rows of the columns' fields: the export makes one per person.
        names = person_fields(chosen(kind, columns))
        people = selected_people(user, selection, "edit").values_list(*names)
        return people, lambda values: PersonRow(**dict(zip(names, values, strict=True)))
    if kind == ExportKind.HOUSEHOLDS:
        return exported_households(user, selection, light=True), _same
    if kind == ExportKind.MEMBERSHIPS:
        return selected_memberships(user, selection, "edit"), _same
    return selected_units(user, selection).select_related("parent"), _same


def _same(obj: Any) -> Any:
    return obj


# --- running ---------------------------------------------------------------------------------


@dataclass
class Built:
    data: bytes
    rows: int
    person_ids: array[int]
    unit_ids: array[int]
    replaced: int = 0


def execute_export(job_id: int) -> dict[str, Any]:
    """Build a queued export (the task's body). Claimed atomically, so two workers never build
    the same job; a failure leaves no provision and no audit event, only a failed job."""
    claimed = ExportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING
    )
    if not claimed:
        return {"job": job_id, "status": "skipped"}
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            built, unit = _build(job)
            _finish(job, built, unit)
        except ExportRefused as refused:
            _fail(job, str(refused))
            return {"job": job_id, "status": "failed"}
        except Exception:
            logger.exception("export %s failed", job_id)
            _fail(job, _("The export failed. Nothing was recorded; please start it again."))
            return {"job": job_id, "status": "failed"}
    return {"job": job_id, "status": "done", "rows": built.rows}


def _fail(job: ExportJob, message: str) -> None:
    ExportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, error=message, finished_at=timezone.now()
    )


def _progress(job: ExportJob, done: int) -> None:
    ExportJob.objects.filter(pk=job.pk).update(done=done)


def _build(job: ExportJob) -> tuple[Built, Unit | None]:
    user = job.user
    if user is None or not user.is_active:
        raise ExportRefused(_("The user who started this export can no longer sign in."))
    selection = Selection.from_data(job.selection)
    try:
        unit = selection.unit_for(user)
    except Http404:
        raise ExportRefused(_("The unit of this export is no longer in your scope.")) from None
    if KINDS[job.kind].people_data and not may_export_people(scope_for(user), unit):
        raise ExportRefused(_("You may no longer export people's data from this unit."))
    if job.file_format == ExportFormat.PDF:
        return _build_pdf(job, user, selection, unit), unit
    return _build_sheet(job, user, selection, unit), unit


def _people_of(kind: str) -> Callable[[Any, array[int], array[int]], None]:
    """How a row names the people whose data it carries (for the provision records)."""
    if kind == ExportKind.PEOPLE:

        def person(p: Any, ids: array[int], units: array[int]) -> None:
            ids.append(p.id)
            units.append(p.unit_id)

        return person
    if kind == ExportKind.HOUSEHOLDS:

        def members(h: Any, ids: array[int], units: array[int]) -> None:
            for m in h.current_members:
                ids.append(m.person_id)
                units.append(m.person.unit_id)

        return members
    if kind == ExportKind.MEMBERSHIPS:

        def member(m: Any, ids: array[int], units: array[int]) -> None:
            if not ids or ids[-1] != m.person_id:  # a person's memberships come together
                ids.append(m.person_id)
                units.append(m.person.unit_id)

        return member
    return lambda obj, ids, units: None


def _build_sheet(job: ExportJob, user: Any, selection: Selection, unit: Unit | None) -> Built:
    qs, make = _source(job.kind, user, selection, list(job.columns))
    total = qs.count()
    ExportJob.objects.filter(pk=job.pk).update(total=total)
    columns = chosen(job.kind, list(job.columns))
    getters = [c.get for c in columns]
    ctx = RowContext(scope_for(user), selected_units(user, selection))
    people_of = _people_of(job.kind)
    built = Built(b"", 0, array("q"), array("q"))
    with tempfile.SpooledTemporaryFile(max_size=SPOOL) as out:
        sink: CsvSink | XlsxSink
        if job.file_format == ExportFormat.XLSX:
            sink = XlsxSink(out, str(ExportKind(job.kind).label))
        else:
            encoding = "cp932" if job.file_format == ExportFormat.CSV_CP932 else "utf-8-sig"
            sink = CsvSink(out, encoding)
        sink.header([str(c.label) for c in columns])
        rows = 0
        for row in qs.iterator(chunk_size=CHUNK):
            obj = make(row)
            sink.row([get(obj, ctx) for get in getters])
            people_of(obj, built.person_ids, built.unit_ids)
            rows += 1
            if rows % CHUNK == 0:
                _progress(job, rows)
        sink.close()
        out.seek(0)
        built.data = out.read()
    built.rows = rows
    built.replaced = sink.replaced
    return built


def _title(job: ExportJob, unit: Unit | None) -> str:
    titles = {
        ExportKind.ROSTER: _("Branch roster"),
        ExportKind.HOUSEHOLD_LIST: _("Household list"),
        ExportKind.LABELS: _("Address labels"),
    }
    title = titles.get(ExportKind(job.kind), str(ExportKind(job.kind).label))
    return f"{title} · {unit.name}" if unit is not None else title


def _build_pdf(job: ExportJob, user: Any, selection: Selection, unit: Unit | None) -> Built:
    from . import paper

    built = Built(b"", 0, array("q"), array("q"))
    lang = job.language or settings.LANGUAGE_CODE
    if job.kind == ExportKind.ROSTER:
        people = selected_people(user, selection, "edit")
        built.rows = people.count()
        ExportJob.objects.filter(pk=job.pk).update(total=built.rows)
        built.data = paper.roster_pdf(people, title=_title(job, unit), lang=lang)
        pairs: Iterator[tuple[int, int]] = people.values_list("pk", "unit_id").iterator(
            chunk_size=CHUNK
        )
    else:
        # Loaded under the attribute the PDF module reads, so it prints these members, the
        # ones the user may see, and does not load every member itself.
        households = exported_households(user, selection, members_attr="paper_members")
        built.rows = households.count()
        ExportJob.objects.filter(pk=job.pk).update(total=built.rows)
        if job.kind == ExportKind.LABELS:
            layout = str(job.selection.get("layout") or "")
            options = {"layout": layout} if layout else {}
            built.data = paper.labels_pdf(households, lang=lang, **options)
        else:
            built.data = paper.households_pdf(households, title=_title(job, unit), lang=lang)
        scope = scope_for(user)
        pairs = (
            HouseholdMember.objects.filter(
                household__in=households.order_by().values("pk"),
                until__isnull=True,
                person__erased_at__isnull=True,
            )
            .filter(scope.q("view", "person__unit__path"))
            .order_by("person_id")
            .values_list("person_id", "person__unit_id")
            .iterator(chunk_size=CHUNK)
        )
    for person_id, unit_id in pairs:
        built.person_ids.append(person_id)
        built.unit_ids.append(unit_id)
    return built


def file_name(job: ExportJob, unit: Unit | None) -> str:
    code = re.sub(r"[^A-Za-z0-9_-]", "", unit.code) if unit is not None else "all"
    day = timezone.localdate()
    return f"{job.kind}-{code or 'unit'}-{day:%Y%m%d}-{job.pk}.{EXTENSIONS[job.file_format]}"


@transaction.atomic
def _finish(job: ExportJob, built: Built, unit: Unit | None) -> None:
    """Record the export (one audit event, a provision per person) and keep the file."""
    user = job.user
    assert user is not None
    columns = list(job.columns) or list(PDF_ITEMS.get(job.kind, ()))
    counts = [f"count:{built.rows}"]
    if KINDS[job.kind].people_data:
        _record_provisions(job, built, user)
        counts.append(f"people:{len(built.person_ids)}")
    audit.record(
        actor=user,
        action="export",
        obj=job,
        unit_id=unit.pk if unit is not None else None,
        fields=[*columns, *counts],
    )
    job.result = built.data
    job.status = JobStatus.DONE
    job.done = job.total = built.rows
    job.filename = file_name(job, unit)
    job.finished_at = timezone.now()
    fields = ["result", "status", "done", "total", "filename", "finished_at"]
    if built.replaced:
        job.selection = {**job.selection, "replaced": built.replaced}
        fields.append("selection")
    job.save(update_fields=fields)


def _record_provisions(job: ExportJob, built: Built, user: User) -> int:
    """One provision of data per exported person, written in bulk (values prepared once)."""
    items = db_value(Provision, "items", disclosed_items(job.kind, list(job.columns)))
    day = db_value(Provision, "provided_on", timezone.localdate())
    now = db_value(Provision, "created_at", timezone.now())
    basis = str(job.selection.get("basis") or ProvisionBasis.OTHER)
    fields = (
        "person",
        "unit",
        "kind",
        "recipient",
        "purpose",
        "items",
        "basis",
        "consent",
        "provided_on",
        "by",
        "created_at",
    )
    kind = str(ProvisionKind.EXPORT)
    rows = (
        (pid, uid, kind, job.recipient, job.purpose, items, basis, None, day, user.pk, now)
        for pid, uid in zip(built.person_ids, built.unit_ids, strict=True)
    )
    # Batches of CHUNK rows: the statement being bound stays small, whatever the selection.
    return bulk_insert(Provision, fields, rows, batch_size=CHUNK, prepared=True)
