"""Care: confidential cases that climb the tree.

A case is about a person or a household and belongs to a unit (the *owning* unit). It is seen
by its assigned case worker and by users holding the cases permission on the owning unit or
above it; a *restricted* case only by its assigned worker and the people named on it. Every
read of a case is audited. Escalating moves the owning unit up one level; the timeline keeps
everything that happened.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branchwork.org.models import ReferenceList


class CaseCategory(ReferenceList):
    """What a case is about (livelihood, legal and residency, discrimination …)."""

    class Meta(ReferenceList.Meta):
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")


class Priority(models.TextChoices):
    URGENT = "urgent", _("urgent")
    HIGH = "high", _("high")
    NORMAL = "normal", _("normal")
    LOW = "low", _("low")


# The due date a priority sets when none is given.
DUE_AFTER = {
    Priority.URGENT: dt.timedelta(days=2),
    Priority.HIGH: dt.timedelta(days=7),
    Priority.NORMAL: dt.timedelta(days=30),
    Priority.LOW: dt.timedelta(days=90),
}


class CaseStatus(models.TextChoices):
    NEW = "new", _("new")
    ASSESSED = "assessed", _("assessed")
    IN_PROGRESS = "in_progress", _("in progress")
    WAITING = "waiting", _("waiting")
    RESOLVED = "resolved", _("resolved")
    REFERRED = "referred", _("referred")
    CLOSED = "closed", _("closed")


OPEN_STATUSES = (
    CaseStatus.NEW,
    CaseStatus.ASSESSED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.WAITING,
)

# Which status may follow which. Resolved and referred cases are closed with an outcome.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    CaseStatus.NEW: (CaseStatus.ASSESSED, CaseStatus.REFERRED, CaseStatus.CLOSED),
    CaseStatus.ASSESSED: (
        CaseStatus.IN_PROGRESS,
        CaseStatus.WAITING,
        CaseStatus.REFERRED,
        CaseStatus.RESOLVED,
    ),
    CaseStatus.IN_PROGRESS: (CaseStatus.WAITING, CaseStatus.RESOLVED, CaseStatus.REFERRED),
    CaseStatus.WAITING: (CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED, CaseStatus.REFERRED),
    CaseStatus.RESOLVED: (CaseStatus.CLOSED, CaseStatus.IN_PROGRESS),
    CaseStatus.REFERRED: (CaseStatus.CLOSED, CaseStatus.IN_PROGRESS),
    CaseStatus.CLOSED: (),
}


class Case(models.Model):
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    household = models.ForeignKey(
        "people.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    category = models.ForeignKey(CaseCategory, verbose_name=_("category"), on_delete=models.PROTECT)
    subject = models.CharField(_("subject"), max_length=200)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.NEW
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("case worker"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    restricted = models.BooleanField(
        _("restricted"),
        default=False,
        help_text=_("Only the case worker and the people named on the case see it."),
    )
    referred_to = models.ForeignKey(
        "activities.PartnerOrganisation",
        verbose_name=_("referred to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.TextField(_("outcome"), max_length=2000, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(household__isnull=False),
                name="case_about_someone",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status", "due_on"], name="case_unit_status_due"),
            models.Index(fields=["assigned_to", "status"], name="case_worker_status"),
        ]

    # A person's data export lists their cases to those with the cases permission there; a
    # restricted case only to its worker and the people named on it.
    subject_export_permission = "cases"

    def __str__(self) -> str:
        return f"case #{self.pk}"

    def subject_export_hidden(self, scope: Any) -> bool:
        if not self.restricted or self.assigned_to_id == scope.user_id:
            return False
        return not self.access.filter(user_id=scope.user_id).exists()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class NoteKind(models.TextChoices):
    NOTE = "note", _("note")
    STATUS = "status", _("status changed")
    ASSIGNED = "assigned", _("assigned")
    ESCALATED = "escalated", _("escalated")
    REFERRED = "referred", _("referred")
    ACCESS = "access", _("access changed")


class CaseNote(models.Model):
    """The timeline: notes and every action taken on the case, never edited."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(max_length=10, choices=NoteKind.choices, default=NoteKind.NOTE)
    text = models.TextField(_("note"), max_length=4000, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"note #{self.pk}"


class CaseAccess(models.Model):
    """A person named on a restricted case: they see it though they are not its worker."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="case_access_once"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.user_id}"


class HelpKind(models.TextChoices):
    SKILLS = "skills", _("skills and trades")
    LANGUAGES = "languages", _("languages")
    TRANSPORT = "transport", _("transport")
    INTERPRETING = "interpreting", _("interpreting")
    LEGAL = "legal", _("legal advice")
    BUSINESS = "business", _("business advice")
    VISITING = "visiting", _("visiting")


class HelpOffer(models.Model):
    """Someone of the registry offers help: what, where and when. Seen like the person."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="offers"
    )
    kinds = models.JSONField(_("help offered"), default=list)
    description = models.CharField(_("what exactly"), max_length=300, blank=True)
    area = models.CharField(
        _("area"),
        max_length=100,
        blank=True,
        help_text=_("Where they can help: a ward, a town, or a postal code's first digits."),
    )
    availability = models.CharField(_("when"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    erase_with_person = ("description", "area", "availability")

    class Meta:
        verbose_name = _("offer of help")
        verbose_name_plural = _("offers of help")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"offer #{self.pk}"

    def kind_labels(self) -> list[str]:
        names = dict(HelpKind.choices)
        return [str(names.get(k, k)) for k in self.kinds]


class HelpMatch(models.Model):
    """An offer matched to a case (or to a need written down without a case)."""

    offer = models.ForeignKey(HelpOffer, on_delete=models.CASCADE, related_name="matches")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="matches"
    )
    need = models.CharField(_("need"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matched_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["-matched_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=False) | ~Q(need=""), name="match_for_something"
            ),
        ]

    def __str__(self) -> str:
        return f"match #{self.pk}"


class SweepStatus(models.TextChoices):
    OPEN = "open", _("under way")
    CLOSED = "closed", _("closed")


class Sweep(models.Model):
    """A welfare sweep: every household of a unit's subtree is to be reached and asked how it
    is (an epidemic check, after an earthquake)."""

    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    needs = models.JSONField(_("needs to ask about"), default=list, blank=True)
    retry_days = models.PositiveSmallIntegerField(_("try again after (days)"), default=2)
    status = models.CharField(
        _("status"), max_length=10, choices=SweepStatus.choices, default=SweepStatus.OPEN
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("welfare sweep")
        verbose_name_plural = _("welfare sweeps")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"sweep #{self.pk}"


class Outcome(models.TextChoices):
    PENDING = "pending", _("not reached yet")
    OK = "ok", _("reached: all right")
    NEEDS_HELP = "needs_help", _("reached: needs help")
    UNREACHABLE = "unreachable", _("could not be reached")


REACHED = (Outcome.OK, Outcome.NEEDS_HELP)


class SweepTarget(models.Model):
    """A household to reach in a sweep, on an officer's list."""

    sweep = models.ForeignKey(Sweep, on_delete=models.CASCADE, related_name="targets")
    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, related_name="sweep_targets"
    )
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField(
        max_length=12, choices=Outcome.choices, default=Outcome.PENDING, db_index=True
    )
    needs = models.JSONField(default=list, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_on = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("household to reach")
        verbose_name_plural = _("households to reach")
        constraints = [
            models.UniqueConstraint(fields=["sweep", "household"], name="sweep_target_once"),
        ]
        indexes = [
            models.Index(fields=["sweep", "unit", "outcome"], name="sweep_target_unit"),
            models.Index(fields=["assigned_to", "sweep", "outcome"], name="sweep_target_officer"),
        ]

    def __str__(self) -> str:
        return f"target #{self.pk}"
