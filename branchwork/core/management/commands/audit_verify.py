"""``branchwork audit_verify``: the older name of ``branchwork audit verify``, kept for cron
jobs and scripts that call it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from .audit import verify


class Command(BaseCommand):
    help = "Check that the audit log's hash chain is unbroken (same as `audit verify`)."

    def handle(self, *args: Any, **options: Any) -> None:
        verify(self.stdout)
