"""Imports over the API, as jobs with a status: upload a file (its columns detected), start a
dry run or the import, follow it, read its report. The same services and scoping as the pages;
another user's import does not exist (404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import Field

from branchwork.core.errors import invalid
from branchwork.imports import services
from branchwork.imports.models import ImportIssue, ImportJob, OnDuplicate
from branchwork.imports.report import issue_text
from branchwork.imports.selectors import get_import_for
from branchwork.org.selectors import get_unit_for

router = Router(tags=["imports"])


class ImportOut(Schema):
    id: int
    kind: str
    unit: str | None
    filename: str
    file_format: str
    encoding: str
    mapping: dict[str, int]
    on_duplicate: str
    dry_run: bool
    status: str
    stage: str
    done: int
    total: int
    counts: dict[str, float]
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


class StartIn(Schema):
    dry_run: bool = True
    mapping: dict[str, int] | None = Field(None, description="{field: column index from 0}")
    on_duplicate: str | None = Field(None, max_length=10)


class IssueOut(Schema):
    row: int
    column: str
    level: str
    code: str
    message: str
    person: int | None

    @staticmethod
    def resolve_message(obj: ImportIssue) -> str:
        return issue_text(obj)

    @staticmethod
    def resolve_person(obj: ImportIssue) -> int | None:
        return obj.object_id


def _out(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "unit": job.unit.code if job.unit else None,
        "filename": job.filename,
        "file_format": job.file_format,
        "encoding": job.encoding,
        "mapping": job.mapping,
        "on_duplicate": job.on_duplicate,
        "dry_run": job.dry_run,
        "status": job.status,
        "stage": job.stage,
        "done": job.done,
        "total": job.total,
        "counts": job.counts,
        "error": job.error,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


def _job(request: HttpRequest, pk: int) -> ImportJob:
    return services.notice_abandoned(get_import_for(request.user, pk))


@router.post("/imports", response={201: ImportOut})
def create_import(
    request: HttpRequest,
    file: File[UploadedFile],
    kind: Form[str] = "people",
    unit: Form[str] = "",
    on_duplicate: Form[str] = OnDuplicate.SKIP,
    start: Form[bool] = False,
    dry_run: Form[bool] = True,
) -> Status[dict[str, Any]]:
    """Upload a CSV or XLSX file. Its columns are detected (see ``mapping``); with ``start`` the
    dry run (or, with ``dry_run`` false, the import) is queued at once."""
    if not unit:
        raise invalid("unit", _("Choose the unit the import is for."))
    target = get_unit_for(request.user, unit)
    job = services.create_import(
        actor=request.user,
        kind=kind,
        filename=file.name or "upload",
        data=file.read(),
        unit=target,
        on_duplicate=on_duplicate,
    )
    if start:
        services.enqueue(job, dry_run=dry_run)
    return Status(201, _out(job))


@router.get("/imports/{job_id}", response=ImportOut)
def get_import(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return _out(_job(request, job_id))


@router.post("/imports/{job_id}/start", response=ImportOut)
def start_import(request: HttpRequest, job_id: int, payload: StartIn) -> dict[str, Any]:
    """Queue a dry run or the import, with the mapping changed if one is given."""
    job = ImportJob.objects.get(pk=_job(request, job_id).pk)
    if payload.mapping is not None or payload.on_duplicate is not None:
        services.set_mapping(job, payload.mapping or dict(job.mapping), payload.on_duplicate)
    services.enqueue(job, dry_run=payload.dry_run)
    return _out(job)


@router.get("/imports/{job_id}/issues", response=list[IssueOut])
@paginate(LimitOffsetPagination)
def import_issues(request: HttpRequest, job_id: int, level: str = "") -> Any:
    """The report: a line per rejected, flagged or decided row, in the reader's language."""
    job = _job(request, job_id)
    issues = ImportIssue.objects.filter(job=job)
    if level:
        issues = issues.filter(level=level)
    return issues
