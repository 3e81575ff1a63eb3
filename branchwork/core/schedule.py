"""The scheduler: periodic jobs handed to the task worker.

A job runs every hour, day or month. ``tick`` enqueues each job whose current period has no
run yet, recording the run first under a unique key (job, period): any number of scheduler
processes, on one machine or many, may tick at once and each run is enqueued once. A job whose
period has passed while no scheduler was running runs at the next tick, for the period then
current. ``branchwork scheduler`` ticks every minute; ``branchwork serve`` starts it beside the
task worker; cron can call ``branchwork scheduler --once`` instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.utils import timezone

Every = Literal["hour", "day", "month"]


@dataclass(frozen=True)
class Job:
    name: str
    every: Every
    task: Callable[[], Any]  # returns the task to enqueue (imported late: apps load first)


def period(every: Every, now: dt.datetime) -> str:
    local = timezone.localtime(now)
    if every == "hour":
        return f"{local:%Y-%m-%dT%H}"
    if every == "day":
        return f"{local:%Y-%m-%d}"
    return f"{local:%Y-%m}"


def _health_snapshot() -> Any:
    from branchwork.health.tasks import snapshot

    return snapshot


def _resume_newsletters() -> Any:
    from branchwork.news.tasks import resume_stalled_sends

    return resume_stalled_sends


def _expire_stored_files() -> Any:
    from branchwork.imports.export_tasks import expire_stored_files

    return expire_stored_files


JOBS: tuple[Job, ...] = (
    Job("health-snapshot", "day", _health_snapshot),
    Job("stored-files-expire", "day", _expire_stored_files),
    Job("newsletters-resume", "hour", _resume_newsletters),
)


def tick(now: dt.datetime | None = None, jobs: tuple[Job, ...] = JOBS) -> list[str]:
    """Enqueue every job not yet run in its current period; returns the names enqueued."""
    from .models import ScheduledRun

    now = now or timezone.now()
    done: list[str] = []
    for job in jobs:
        key = period(job.every, now)
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(job=job.name, period=key)
                job.task().enqueue()
        except IntegrityError:
            continue  # another scheduler took this period
        done.append(job.name)
    return done
