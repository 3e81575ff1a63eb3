"""Newsletters are sent by the task worker (``branchwork serve`` starts one)."""

from __future__ import annotations

from django_tasks import task

from . import sending


@task()
def send_newsletter(newsletter_id: int) -> dict[str, int]:
    """Send a queued newsletter; the stored result holds the delivery counts only."""
    return sending.run(newsletter_id)


@task()
def resume_stalled_sends() -> list[int]:
    """Hand back to the worker every send a killed worker left stopped (the scheduler enqueues
    this every hour)."""
    return sending.resume_stalled()
