"""Imports and exports as jobs with a status: the file (or the result) is kept in the database,
so any web process shows the progress and any worker can run the job."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    PEOPLE = "people", _("People")
    UNITS = "units", _("Units")
    TERRITORIES = "territories", _("Territories")
    OFFICERS = "officers", _("Officers")
    GRANTS = "grants", _("Access grants")


class OnDuplicate(models.TextChoices):
    SKIP = "skip", _("Keep the registry's record and skip the row")
    UPDATE = "update", _("Update the registry's record with the row's values")
    ASK = "ask", _("Hold the row for a person to decide")


class JobStatus(models.TextChoices):
    NEW = "new", _("Waiting for a check")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("File deleted")


class ImportJob(models.Model):
    kind = models.CharField(_("what is imported"), max_length=20, choices=ImportKind.choices)
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(max_length=10)  # csv | xlsx
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    # {field name: column index}; the detected mapping until a person changes it.
    mapping = models.JSONField(default=dict, blank=True)
    on_duplicate = models.CharField(
        _("when a row is already in the registry"),
        max_length=10,
        choices=OnDuplicate.choices,
        default=OnDuplicate.SKIP,
    )
    dry_run = models.BooleanField(_("check only, write nothing"), default=False)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.NEW)
    stage = models.CharField(max_length=20, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import #{self.pk} {self.kind} {self.filename}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


class ImportFile(models.Model):
    """An import's file, apart from the job: the job's row is updated with its progress every
    few seconds, and SQLite rewrites a whole row on each update. Deleted once the import has
    run (its rows are then in the registry); a check (dry run) keeps it for the import."""

    job = models.OneToOneField(
        ImportJob, on_delete=models.CASCADE, primary_key=True, related_name="file"
    )
    data = models.BinaryField(editable=False)

    def __str__(self) -> str:
        return f"file of import #{self.job_id}"


class IssueLevel(models.TextChoices):
    REJECTED = "rejected", _("Rejected")
    FLAGGED = "flagged", _("Imported, to be checked")
    DECISION = "decision", _("Decision")


class ImportIssue(models.Model):
    """One line of an import's report: a row, a column and a reason. The reason is kept as a
    code and its parameters and put into words in the reader's language."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="issues")
    row = models.PositiveIntegerField(_("row"))  # as a spreadsheet numbers it (header = 1)
    column = models.CharField(_("column"), max_length=200, blank=True)
    level = models.CharField(max_length=10, choices=IssueLevel.choices)
    code = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    # The person (or other object) the decision concerns, by number: no foreign key, so the
    # report outlives an erasure or merge.
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    # A held row's normalised values, until a person decides on it.
    values = models.JSONField(null=True, blank=True)
    resolved = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["row", "id"]
        indexes = [models.Index(fields=["job", "level", "row"])]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row} {self.code}"


class ExportKind(models.TextChoices):
    PEOPLE = "people", _("People")
    HOUSEHOLDS = "households", _("Households")
    MEMBERSHIPS = "memberships", _("Memberships")
    UNITS = "units", _("Units")
    ROSTER = "roster", _("Branch roster (PDF)")
    HOUSEHOLD_LIST = "household_list", _("Household list (PDF)")
    LABELS = "labels", _("Address labels (PDF)")


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV (UTF-8, opens in Excel)")
    CSV_CP932 = "csv_cp932", _("CSV (Shift_JIS / CP932, for older software)")
    XLSX = "xlsx", _("Excel workbook (XLSX)")
    PDF = "pdf", _("PDF")


class ExportJob(models.Model):
    kind = models.CharField(_("what is exported"), max_length=20, choices=ExportKind.choices)
    file_format = models.CharField(_("format"), max_length=10, choices=ExportFormat.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The selection as the user made it ({"unit": code, "q": text, ...}) and the columns.
    selection = models.JSONField(default=dict, blank=True)
    columns = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=8, blank=True)
    recipient = models.CharField(_("recipient"), max_length=200, blank=True)
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    filename = models.CharField(max_length=255, blank=True)
    result = models.BinaryField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"export #{self.pk} {self.kind}"
