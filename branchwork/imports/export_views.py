"""Export pages: choose what and which columns, follow the job, download the file; the list of
one's recent exports. A job is its starter's alone: anyone else gets a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from branchwork.core.errors import PermissionDeniedError
from branchwork.core.forms import apply_errors
from branchwork.org.selectors import get_unit_for

from . import exports
from .export_forms import ExportForm
from .models import ExportKind, JobStatus
from .selection import Selection

# htmx stops polling when a poll is answered with this status (and still swaps the content).
STOP_POLLING = 286


def _kind(raw: str | None) -> str:
    return raw if raw in ExportKind.values else ExportKind.PEOPLE


@login_required
@require_http_methods(["GET", "POST"])
def export_new(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    kind = _kind(source.get("kind"))
    code = (source.get("unit") or "").strip()[:40]
    unit = get_unit_for(request.user, code) if code else None  # 404 outside the user's scope
    initial = {
        "kind": kind,
        "unit": code,
        "q": (source.get("q") or "").strip()[:100],
        "members": source.get("members") or "",
        "language": (translation.get_language() or "ja")[:2],
    }
    if request.method == "POST":
        form = ExportForm(request.POST, user=request.user, kind=kind, initial=initial)
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = exports.start_export(
                    actor=request.user,
                    kind=kind,
                    file_format=data["file_format"],
                    selection=Selection.from_data(data),
                    columns=data.get("columns") or [],
                    recipient=data["recipient"],
                    purpose=data["purpose"],
                    language=data["language"],
                    basis=data.get("basis") or "other",
                    layout=data.get("layout") or "",
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            except PermissionDeniedError:
                form.add_error(
                    None, _("You may export people's data only from units where you may edit.")
                )
            else:
                messages.success(request, _("The export has started."))
                return redirect("exports:job", pk=job.pk)
    else:
        form = ExportForm(initial=initial, user=request.user, kind=kind)
    context = {"form": form, "unit": unit, "kind": kind, "query": initial["q"]}
    if request.htmx and request.method == "GET":  # type: ignore[attr-defined]
        return render(request, "imports/_export_options.html", context)
    return render(request, "imports/export_new.html", context)


def _job_context(job: Any) -> dict[str, Any]:
    return {
        "job": job,
        "percent": exports.percent(job),
        "replaced": exports.replaced_characters(job),
        "finished": job.status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.EXPIRED),
    }


@login_required
@require_GET
def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = exports.get_export_for(request.user, pk)
    return render(request, "imports/export_job.html", _job_context(job))


@login_required
@require_GET
def export_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's status as a fragment, polled every second until the job ends."""
    job = exports.get_export_for(request.user, pk)
    context = _job_context(job)
    status = STOP_POLLING if context["finished"] and request.htmx else 200  # type: ignore[attr-defined]
    return render(request, "imports/_export_status.html", context, status=status)


@login_required
@require_GET
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = exports.get_export_for(request.user, pk)
    try:
        data, filename, content_type = exports.download_export(actor=request.user, job=job)
    except ValidationError:
        raise Http404 from None
    except PermissionDeniedError:
        return render(request, "403.html", status=403)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def export_list(request: HttpRequest) -> HttpResponse:
    jobs = exports.recent_exports(request.user)
    return render(request, "imports/export_list.html", {"rows": [_job_context(j) for j in jobs]})
