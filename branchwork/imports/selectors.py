"""Reads of import jobs: a job is its starter's own (its file names people)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from .models import ImportJob


def get_import_for(user: Any, pk: int) -> ImportJob:
    """The user's own import (404 for anyone else's)."""
    job = ImportJob.objects.select_related("unit").filter(pk=pk).first()
    if job is None or job.user_id is None or job.user_id != getattr(user, "pk", None):
        raise Http404
    return job
