"""The background half of an export: the worker builds the file (see ``export_build``)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def run_export(job_id: int) -> dict[str, Any]:
    """Build export ``job_id`` with the scope of the user who started it. The stored result
    holds the job's number, its status and a row count, never data."""
    from .export_build import execute_export

    return execute_export(job_id)


@task()
def expire_stored_files() -> dict[str, int]:
    """The daily deletion of old export files and unused import uploads."""
    from .exports import expire_files

    exports, imports = expire_files()
    return {"exports": exports, "imports": imports}
