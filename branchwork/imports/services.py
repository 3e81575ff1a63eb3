"""Import jobs: a file is uploaded (or named on the command line), its columns detected and
shown, checked in a dry run, then run as a background task whose progress any page can poll.

An import runs with the scope of the user who started it (the CLI may run as the system). Its
report is kept with the job as codes (see :mod:`branchwork.imports.report`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branchwork.access.scoping import scope_for
from branchwork.core import faults, liveness
from branchwork.core.bulk import bulk_insert
from branchwork.core.errors import PermissionDeniedError, invalid
from branchwork.org.models import Unit

from . import columns, reading
from .models import ImportFile, ImportIssue, ImportJob, ImportKind, JobStatus, OnDuplicate
from .people_import import Asker, Options, PeopleImport, Result

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 200 * 1024 * 1024
PREVIEW_ROWS = 10

Importer = Callable[[list[str], list[list[reading.Cell]], dict[str, int], Options], Result]


def _people(
    header: list[str], rows: list[list[reading.Cell]], mapping: dict[str, int], options: Options
) -> Result:
    return PeopleImport(header, rows, mapping, options, total=len(rows)).run()


IMPORTERS: dict[str, Importer] = {ImportKind.PEOPLE: _people}
# The permission an importer needs on the import's unit (or at the top, without one).
PERMISSION: dict[str, str] = {
    ImportKind.PEOPLE: "edit",
    ImportKind.UNITS: "admin",
    ImportKind.TERRITORIES: "admin",
    ImportKind.OFFICERS: "edit",
    ImportKind.GRANTS: "admin",
}


def register(kind: str, importer: Importer) -> None:
    IMPORTERS[kind] = importer


def _check_allowed(actor: Any, kind: str, unit: Unit | None) -> None:
    if actor is None:
        return  # the system (the command line without --user)
    scope = scope_for(actor)
    perm = PERMISSION.get(kind, "admin")
    if unit is None:
        if not scope.superuser:
            raise invalid("unit", _("Choose the unit the import is for."))
        return
    if not scope.has(perm, unit):
        raise PermissionDeniedError(perm)


@transaction.atomic
def create_import(
    *,
    actor: Any,
    kind: str,
    filename: str,
    data: bytes,
    unit: Unit | None = None,
    on_duplicate: str = OnDuplicate.SKIP,
    dry_run: bool = False,
) -> ImportJob:
    """Keep an uploaded file as a job, its columns detected; nothing is imported yet."""
    if kind not in ImportKind.values:
        raise invalid("kind", _("Unknown kind of import."))
    if on_duplicate not in OnDuplicate.values:
        raise invalid("on_duplicate", _("Unknown choice for duplicates."))
    _check_allowed(actor, kind, unit)
    if len(data) > MAX_FILE_BYTES:
        raise invalid("file", _("The file is too large (at most 200 MB)."))
    try:
        sheet = reading.read(data, filename, limit=PREVIEW_ROWS)
    except reading.FileError as exc:
        raise invalid("file", str(exc)) from None
    mapping = columns.detect(kind, sheet.header) if kind in columns.CATALOGUES else {}
    job = ImportJob.objects.create(
        kind=kind,
        unit=unit,
        user=actor if actor is not None and actor.is_authenticated else None,
        filename=filename[:255],
        file_format=sheet.file_format,
        encoding=sheet.encoding,
        mapping=mapping,
        on_duplicate=on_duplicate,
        dry_run=dry_run,
    )
    _store_file(job, data)
    return job


def _store_file(job: ImportJob, data: bytes) -> None:
    """The uploaded file, kept with its job until the import has run. On PostgreSQL it is sent
    as a bound binary parameter: Django's client-side binding would write it into the statement
    as hexadecimal text, twice its size, for the server to parse (a second for 60 MB)."""
    if connection.vendor != "postgresql":
        ImportFile.objects.create(job=job, data=data)
        return
    import psycopg

    table = ImportFile._meta.db_table
    connection.ensure_connection()
    with (
        transaction.atomic(),
        connection.wrap_database_errors,
        psycopg.Cursor(connection.connection) as cur,
    ):
        cur.execute(
            f'INSERT INTO "{table}" ("job_id", "data") VALUES (%s, %b)',  # noqa: S608
            [job.pk, data],
        )


def preview(job: ImportJob, limit: int = PREVIEW_ROWS) -> reading.Sheet:
    return reading.read(file_of(job), job.filename, limit=limit)


def file_of(job: ImportJob) -> bytes:
    """The job's file (read from its own table), or a clear refusal once it is gone."""
    data = ImportFile.objects.filter(job=job).values_list("data", flat=True).first()
    if data is None:
        raise invalid("__all__", _("This import has run: its file is no longer kept."))
    return bytes(data)


def set_mapping(job: ImportJob, mapping: dict[str, int], on_duplicate: str | None = None) -> None:
    if job.status not in (JobStatus.NEW, JobStatus.DONE) or (
        job.status == JobStatus.DONE and not job.dry_run
    ):
        raise invalid("__all__", _("This import has already run."))
    sheet = preview(job, limit=0)
    job.mapping = columns.clean_mapping(job.kind, mapping, len(sheet.header))
    if on_duplicate is not None:
        if on_duplicate not in OnDuplicate.values:
            raise invalid("on_duplicate", _("Unknown choice for duplicates."))
        job.on_duplicate = on_duplicate
    job.save(update_fields=["mapping", "on_duplicate"])


@transaction.atomic
def enqueue(job: ImportJob, *, dry_run: bool) -> ImportJob:
    """Queue the job for a worker: a dry run (the report only) or the import itself.

    The task is written in the same transaction as the job's "queued" (the task queue is a
    table of the same database), not after the commit: a process killed between the two
    would leave a job waiting for a task that never comes, and refused when started again."""
    from .tasks import run_import

    notice_abandoned(job)
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        raise invalid("__all__", _("This import is already running."))
    if job.status == JobStatus.DONE and not job.dry_run:
        raise invalid("__all__", _("This import has already run."))
    if job.status == JobStatus.EXPIRED:
        raise invalid("__all__", _("This import's file was deleted. Upload the file again."))
    if not job.mapping:
        raise invalid("mapping", _("No column is mapped to a field: choose at least the name."))
    job.dry_run = dry_run
    job.status = JobStatus.QUEUED
    job.done = job.total = 0
    job.stage = ""
    job.error = ""
    job.save(update_fields=["dry_run", "status", "done", "total", "stage", "error"])
    faults.point("import-before-enqueue")
    run_import.enqueue(job.pk)
    return job


class _ProgressWriter:
    """Writes a job's progress at most twice a second, outside any open transaction (a row
    written inside the import's transaction would only be seen when it ends)."""

    def __init__(self, job: ImportJob, echo: Callable[[str, int, int], None] | None) -> None:
        self.job = job
        self.echo = echo
        self.last = 0.0
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.echo is not None:
            self.echo(stage, done, total)
        now = time.monotonic()
        if now - self.last < 0.5 and done < total and stage == self.stage:
            return
        self.last, self.stage = now, stage
        if connection.in_atomic_block:
            return
        ImportJob.objects.filter(pk=self.job.pk).update(stage=stage, done=done, total=total)


def run(
    job: ImportJob,
    *,
    echo: Callable[[str, int, int], None] | None = None,
    ask: Asker | None = None,
) -> Result:
    """Run a job now, in this process (the task and the command line call this). The job is
    claimed first, so that two workers never run it twice; its report and its "done" are
    written in the import's own transaction. While it runs, this process holds the job's
    mark of :mod:`~branchwork.core.liveness`: if it dies, the job is seen to have lost it
    (see :func:`notice_abandoned`)."""
    with liveness.holding("import", job.pk):
        return _run(job, echo=echo, ask=ask)


def notice_abandoned(job: ImportJob) -> ImportJob:
    """A job recorded as running whose process has died (killed, out of memory, its machine
    lost) is marked failed, with a message, so that its page says so instead of showing its
    progress for ever. An import writes in one transaction: one whose process died wrote
    nothing."""
    if job.status != JobStatus.RUNNING or liveness.is_held("import", job.pk):
        return job
    ImportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=JobStatus.FAILED,
        error=_(
            "The process running the import stopped before it finished (it was killed, or "
            "its machine stopped). Upload the file again to import it."
        ),
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


def _run(
    job: ImportJob,
    *,
    echo: Callable[[str, int, int], None] | None,
    ask: Asker | None,
) -> Result:
    claimed = ImportJob.objects.filter(
        pk=job.pk, status__in=(JobStatus.NEW, JobStatus.QUEUED)
    ).update(status=JobStatus.RUNNING, started_at=timezone.now(), stage="read")
    if not claimed:
        raise invalid("__all__", _("This import is already running or has run."))
    started = time.perf_counter()

    def finish(result: Result) -> None:
        ImportIssue.objects.filter(job=job).delete()  # a dry run's report, replaced
        bulk_insert(
            ImportIssue,
            ("job", "row", "column", "level", "code", "params", "object_id", "values", "resolved"),
            (
                (
                    job.pk,
                    i.row,
                    i.column[:200],
                    i.level,
                    i.code,
                    i.params,
                    i.object_id,
                    i.values,
                    "",
                )
                for i in result.issues
            ),
        )
        counts: dict[str, float] = dict(result.counts)
        counts["seconds"] = round(time.perf_counter() - started, 2)
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.DONE,
            stage="done",
            done=int(counts.get("rows", 0)),
            total=int(counts.get("rows", 0)),
            counts=counts,
            finished_at=timezone.now(),
        )
        if not job.dry_run:
            # Its rows are in the registry now: the file of personal data is not kept.
            ImportFile.objects.filter(job=job).delete()
        result.finished = True

    try:
        _check_allowed(job.user, job.kind, job.unit)
        importer = IMPORTERS.get(job.kind)
        if importer is None:
            raise invalid("kind", _("This kind of import is not available."))
        data = file_of(job)
        sheet, rows, total = reading.stream(data, job.filename)
        read_seconds = time.perf_counter() - started
        options = Options(
            actor=job.user,
            unit=job.unit,
            on_duplicate=job.on_duplicate,
            dry_run=job.dry_run,
            progress=_ProgressWriter(job, echo),
            ask=ask,
            job_id=job.pk,
            finish=finish,
        )
        del data  # the rows hold what they need of it
        if job.kind == ImportKind.PEOPLE:
            # People are read row by row as they are normalised: the file is never held
            # whole as rows.
            result = PeopleImport(sheet.header, rows, dict(job.mapping), options, total).run()
        else:
            result = importer(sheet.header, list(rows), dict(job.mapping), options)
        result.timings["decode"] = read_seconds + result.timings.get("decode", 0.0)
        if not result.finished:
            with transaction.atomic():
                finish(result)
    except Exception as exc:
        if isinstance(exc, ValidationError | PermissionDeniedError):
            message = "; ".join(getattr(exc, "messages", [])) or _("You may not run this import.")
        else:
            logger.exception("import %s failed", job.pk)
            message = _("The import stopped on an unexpected error; nothing was written.")
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=message[:2000], finished_at=timezone.now()
        )
        job.refresh_from_db()
        raise
    job.refresh_from_db()
    return result


from . import org_import  # noqa: E402, F401
