"""What the project's core keeps in the database: the periodic jobs the scheduler has enqueued,
one row per job and period, so that any number of schedulers enqueue each run once."""

from __future__ import annotations

from django.db import models


class ScheduledRun(models.Model):
    job = models.CharField(max_length=60)
    period = models.CharField(max_length=20)  # 2026-12, 2026-12-01 or 2026-12-01T10
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "period"], name="scheduled_run_once"),
        ]
        ordering = ["-enqueued_at"]

    def __str__(self) -> str:
        return f"{self.job} {self.period}"


class RateCount(models.Model):
    """How many times a key (a user's searches, …) was counted in one time window: a rate limit
    counted in one statement (see ``access.ratelimit.counted``), where the cache would take
    several per hit."""

    key = models.CharField(max_length=200)
    window = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="rate_count_once"),
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.window}: {self.count}"
