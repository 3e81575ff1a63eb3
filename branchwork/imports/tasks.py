"""Imports and exports run in the task worker (``branchwork serve`` starts one)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def run_import(job_id: int) -> dict[str, Any]:
    """Run an import job with the scope of the user who started it; the result is its counts."""
    from . import services
    from .models import ImportJob

    job = ImportJob.objects.get(pk=job_id)
    result = services.run(job)
    return dict(result.counts)
