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
