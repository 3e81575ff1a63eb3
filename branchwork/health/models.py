"""Monthly snapshots of each unit's metrics, for its whole subtree.

A snapshot row holds one metric of one unit for one month: a value, and for a share the
numerator and denominator it came from (so a parent's share is its children's numerators over
their denominators, never an average of averages). Dashboards read these rows, so they cost
the same whatever the number of people and activity rows behind them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Snapshot(models.Model):
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))  # its first day
    metric = models.CharField(_("metric"), max_length=30)
    value = models.FloatField(_("value"), null=True)  # None: a share with nothing to share
    numerator = models.BigIntegerField(default=0)
    denominator = models.BigIntegerField(null=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("metric snapshot")
        verbose_name_plural = _("metric snapshots")
        constraints = [
            models.UniqueConstraint(fields=["unit", "month", "metric"], name="snapshot_once"),
        ]
        indexes = [models.Index(fields=["month", "metric"], name="snapshot_month_metric")]

    def __str__(self) -> str:
        return f"{self.metric} {self.month:%Y-%m} unit {self.unit_id}"


class Weights(models.Model):
    """The weights of the score's indicators, as the administrators set them. A change is a
    new row: the history shows which weights scored which month."""

    weights = models.JSONField(_("weights"))
    note = models.CharField(_("why"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        "access.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("score weights")
        verbose_name_plural = _("score weights")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"weights of {self.created_at:%Y-%m-%d}"


class PlanStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed: goals met")


class SupportPlan(models.Model):
    """A higher unit's plan to bring a unit back: goals, helpers, visits, a review date."""

    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("unit supported"),
        on_delete=models.CASCADE,
        related_name="support_plans",
    )
    by_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    review_on = models.DateField(_("review on"))
    status = models.CharField(
        _("status"), max_length=8, choices=PlanStatus.choices, default=PlanStatus.OPEN
    )
    helpers = models.ManyToManyField(
        "access.User", verbose_name=_("helpers"), blank=True, related_name="support_plans"
    )
    opened_by = models.ForeignKey(
        "access.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("support plan")
        verbose_name_plural = _("support plans")
        ordering = ["status", "review_on", "pk"]

    def __str__(self) -> str:
        return self.title


class Goal(models.Model):
    """A metric the plan aims at, by a date: at least (or, for a metric where less is better,
    at most) the target. A share's target is a percentage."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="goals")
    metric = models.CharField(_("metric"), max_length=30)
    target = models.FloatField(_("target"))
    deadline = models.DateField(_("deadline"))

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["deadline", "pk"]

    def __str__(self) -> str:
        return f"{self.metric} {self.target}"


class PlanEvent(models.Model):
    """The plan's log: support visits, extensions (with their reason), closing."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("support visit")
        EXTENDED = "extended", _("review date moved")
        CLOSED = "closed", _("closed")

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    by = models.ForeignKey(
        "access.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("plan entry")
        verbose_name_plural = _("plan entries")
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.on}"
