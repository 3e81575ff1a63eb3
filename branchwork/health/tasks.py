"""The health snapshots, computed by the task worker (enqueued daily by the scheduler)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from .snapshots import compute, months_back


@task()
def snapshot() -> dict[str, int]:
    """This month's snapshots so far; in a month's first three days, the last month's again
    too, so that its final figures include what was recorded late."""
    today = timezone.localdate()
    months = months_back(today, 2 if today.day <= 3 else 1)
    return {f"{m:%Y-%m}": compute(m) for m in months}
