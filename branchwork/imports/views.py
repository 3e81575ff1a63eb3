"""Import pages: upload, preview with the detected columns (editable), a dry run, the import
with a progress bar polled by htmx, and the report. Thin: ``services`` does the work."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branchwork.access.scoping import scope_for
from branchwork.core.errors import PermissionDeniedError
from branchwork.org.models import Unit
from branchwork.people.services import EditConflict

from . import columns, services
from .models import ImportIssue, ImportJob, ImportKind, IssueLevel, JobStatus, OnDuplicate
from .report import issue_text, report_csv
from .selectors import get_import_for

REPORT_PAGE = 50


def _units_for(user: Any, perm: str = "edit") -> list[Unit]:
    scope = scope_for(user)
    return list(scope.filter(Unit.objects.all(), perm, path_field="path").order_by("path")[:500])


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spreadsheet (CSV or XLSX)"))
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=ImportKind.choices)
    unit = forms.ChoiceField(label=gettext_lazy("For the unit"))
    on_duplicate = forms.ChoiceField(
        label=gettext_lazy("When a row is already in the registry"),
        choices=OnDuplicate.choices,
        initial=OnDuplicate.SKIP,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(u.code, f"{u.code} {u.name}") for u in units]


def _job_for(request: HttpRequest, pk: int) -> ImportJob:
    return services.notice_abandoned(get_import_for(request.user, pk))


@login_required
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    jobs = ImportJob.objects.filter(user_id=int(request.user.pk or 0)).select_related("unit")
    page = Paginator(jobs, 25).get_page(request.GET.get("page"))
    return render(request, "imports/import_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    units = _units_for(request.user)
    if not units:
        raise Http404
    initial = {"unit": request.GET.get("unit", ""), "kind": request.GET.get("kind", "people")}
    form = UploadForm(request.POST or None, request.FILES or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        unit = next(u for u in units if u.code == form.cleaned_data["unit"])
        if upload.size > services.MAX_FILE_BYTES:
            form.add_error("file", _("The file is too large (at most 200 MB)."))
        else:
            try:
                job = services.create_import(
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    filename=upload.name or "upload",
                    data=upload.read(),
                    unit=unit,
                    on_duplicate=form.cleaned_data["on_duplicate"],
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    form.add_error("file" if field not in form.fields else field, messages)
            except PermissionDeniedError:
                form.add_error("unit", _("You may not import this into that unit."))
            else:
                return redirect("imports:detail", pk=job.pk)
    return render(request, "imports/import_new.html", {"form": form})


def _preview_context(job: ImportJob) -> dict[str, Any]:
    sheet = services.preview(job)
    catalogue = columns.catalogue(job.kind) if job.kind in columns.CATALOGUES else ()
    by_index = {index: name for name, index in job.mapping.items()}
    rows = [
        [("" if i >= len(row) else str(row[i]))[:80] for i in range(len(sheet.header))]
        for row in sheet.rows
    ]
    # One line per column of the file (its header, the field it fills, its first values):
    # readable on a phone, however many columns the file has.
    heads = [
        {
            "index": i,
            "title": title,
            "field": by_index.get(i, ""),
            "samples": [row[i] for row in rows[:5]],
        }
        for i, title in enumerate(sheet.header)
    ]
    return {
        "sheet": sheet,
        "heads": heads,
        "rows": rows,
        "fields": [(c.name, c.label) for c in catalogue],
    }


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    context: dict[str, Any] = {"job": job, "levels": IssueLevel.choices}
    if job.status == JobStatus.NEW or (job.status == JobStatus.DONE and job.dry_run):
        context.update(_preview_context(job))
        context["duplicate_choices"] = OnDuplicate.choices
    if job.status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.EXPIRED):
        issues = ImportIssue.objects.filter(job=job)
        level = request.GET.get("level", "")
        if level in IssueLevel.values:
            issues = issues.filter(level=level)
        page = Paginator(issues, REPORT_PAGE).get_page(request.GET.get("page"))
        context["report"] = [(issue, issue_text(issue)) for issue in page]
        context["page"] = page
        context["level"] = level
        context["counts"] = _counts(job)
    return render(request, "imports/import_detail.html", context)


COUNT_LABELS = {
    "rows": gettext_lazy("Rows read"),
    "created": gettext_lazy("New people"),
    "updated": gettext_lazy("Updated"),
    "unchanged": gettext_lazy("Already in the registry, unchanged"),
    "skipped": gettext_lazy("Skipped"),
    "merged": gettext_lazy("Merged with another row"),
    "held": gettext_lazy("Held for a decision"),
    "rejected": gettext_lazy("Rejected"),
    "flagged": gettext_lazy("To be checked"),
    "unplaced": gettext_lazy("To be placed by hand"),
    "households_created": gettext_lazy("New households"),
    "households_joined": gettext_lazy("Households joined"),
}


def _counts(job: ImportJob) -> list[tuple[str, Any]]:
    return [
        (str(label), job.counts[key]) for key, label in COUNT_LABELS.items() if job.counts.get(key)
    ]


@login_required
@require_POST
def import_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the mapping as the person left it, then queue a dry run or the import."""
    job = _job_for(request, pk)
    try:
        header = services.preview(job, limit=0).header
        mapping: dict[str, int] = {}
        for index in range(len(header)):
            name = request.POST.get(f"col{index}", "")
            if name:
                mapping[name] = index
        services.set_mapping(job, mapping, request.POST.get("on_duplicate"))
        services.enqueue(job, dry_run=request.POST.get("action") != "import")
    except ValidationError as exc:
        context: dict[str, Any] = {
            "job": job,
            "errors": exc.messages,
            "duplicate_choices": OnDuplicate.choices,
        }
        if job.status == JobStatus.NEW or job.dry_run:
            context.update(_preview_context(job))
        return render(request, "imports/import_detail.html", context, status=400)
    return redirect("imports:detail", pk=job.pk)


@login_required
@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    response = render(request, "imports/_progress.html", {"job": job})
    if job.status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.EXPIRED):
        response["HX-Refresh"] = "true"  # the whole page, now with the report
    return response


@login_required
@require_GET
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    response = HttpResponse(
        report_csv(ImportIssue.objects.filter(job=job)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-report.csv"'
    return response


@login_required
@require_POST
def issue_decide(request: HttpRequest, pk: int, issue_pk: int) -> HttpResponse:
    """A person's decision on a held row: update the registry's record, record a new person,
    or leave the row out."""
    from .decisions import decide

    job = _job_for(request, pk)
    issue = ImportIssue.objects.filter(job=job, pk=issue_pk).first()
    if issue is None:
        raise Http404
    try:
        decide(actor=request.user, issue=issue, decision=request.POST.get("decision", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDeniedError:
        messages.error(request, _("You may not change this person."))
    except EditConflict:
        messages.error(
            request,
            _(
                "The record was changed after the import read it, so it was not updated: "
                "compare it with the row and edit it by hand."
            ),
        )
    else:
        messages.success(request, _("Decided."))
    return redirect(f"{reverse('imports:detail', args=[job.pk])}?level=decision#issue-{issue.pk}")
