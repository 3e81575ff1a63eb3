"""Exports over the API, as jobs with a status: start one, follow it, fetch its file. The same
service and scoping as the pages; another user's job does not exist (404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from branchwork.core.errors import invalid
from branchwork.imports import exports
from branchwork.imports.export_columns import KINDS, columns_for, default_columns
from branchwork.imports.models import ExportJob, JobStatus
from branchwork.imports.selection import Selection
from branchwork.people.models import ProvisionBasis

router = Router(tags=["exports"])


class ExportIn(Schema):
    kind: str = Field(max_length=20, description="people, households, memberships, units, …")
    format: str = Field(max_length=10, description="csv, csv_cp932, xlsx or pdf")
    columns: list[str] | None = Field(
        None, max_length=100, description="column names; the kind's defaults when left out"
    )
    unit: str = Field("", max_length=40, description="a unit code: its subtree")
    q: str = Field("", max_length=100, description="a name, phone or e-mail search")
    members: str = Field("", max_length=20, description="member, supporter or former")
    recipient: str = Field("", max_length=200)
    purpose: str = Field("", max_length=300)
    basis: str = Field(ProvisionBasis.OTHER.value, max_length=20)
    language: str = Field("", max_length=8)
    layout: str = Field("", max_length=20, description="the label sheet (labels only)")


class ExportOut(Schema):
    id: int
    kind: str
    format: str
    status: str
    done: int
    total: int
    percent: int
    columns: list[str]
    language: str
    recipient: str
    purpose: str
    error: str
    filename: str
    replaced_characters: int
    created_at: dt.datetime
    finished_at: dt.datetime | None
    file_url: str | None


class ColumnOut(Schema):
    name: str
    label: str
    default: bool


class ErrorOut(Schema):
    detail: str


def _out(job: ExportJob) -> dict[str, Any]:
    done = job.status == JobStatus.DONE
    return {
        "id": job.pk,
        "kind": job.kind,
        "format": job.file_format,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "percent": exports.percent(job),
        "columns": list(job.columns),
        "language": job.language,
        "recipient": job.recipient,
        "purpose": job.purpose,
        "error": job.error,
        "filename": job.filename,
        "replaced_characters": exports.replaced_characters(job),
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "file_url": reverse("api:export_file", args=[job.pk]) if done else None,
    }


@router.get("/exports/columns", response=list[ColumnOut])
def list_columns(request: HttpRequest, kind: str) -> list[dict[str, Any]]:
    """The columns the user may choose for a kind of export, and which are ticked by default."""
    if kind not in KINDS:
        raise invalid("kind", _("Unknown kind of export."))
    return [
        {"name": c.name, "label": str(c.label), "default": c.default}
        for c in columns_for(kind, request.user)
    ]


@router.post("/exports", response={202: ExportOut})
def start_export(request: HttpRequest, payload: ExportIn) -> Status[dict[str, Any]]:
    columns = payload.columns
    if columns is None:
        columns = default_columns(payload.kind, request.user)
    job = exports.start_export(
        actor=request.user,
        kind=payload.kind,
        file_format=payload.format,
        selection=Selection.from_data(payload.dict()),
        columns=columns,
        recipient=payload.recipient,
        purpose=payload.purpose,
        language=payload.language,
        basis=payload.basis,
        layout=payload.layout,
    )
    return Status(202, _out(exports.get_export_for(request.user, job.pk)))


@router.get("/exports", response=list[ExportOut])
def list_exports(request: HttpRequest) -> list[dict[str, Any]]:
    """The user's own recent exports, newest first."""
    return [_out(job) for job in exports.recent_exports(request.user)]


@router.get("/exports/{export_id}", response=ExportOut)
def get_export(request: HttpRequest, export_id: int) -> dict[str, Any]:
    return _out(exports.get_export_for(request.user, export_id))


@router.get(
    "/exports/{export_id}/file",
    response={200: None, 409: ErrorOut},
    url_name="export_file",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file (CSV, XLSX or PDF).",
                "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            }
        }
    },
)
def get_export_file(request: HttpRequest, export_id: int) -> Any:
    job = exports.get_export_for(request.user, export_id)
    if job.status == JobStatus.EXPIRED:
        return Status(409, {"detail": exports.expired_message()})
    if job.status != JobStatus.DONE:
        return Status(409, {"detail": _("This export is not finished.")})
    data, filename, content_type = exports.download_export(actor=request.user, job=job)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
