from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from branchwork.access.audit import verify_chain
from branchwork.access.models import AuditEvent


class Command(BaseCommand):
    help = "Check that the audit log's hash chain is unbroken."

    def handle(self, *args: Any, **options: Any) -> None:
        ok, broken = verify_chain()
        if not ok:
            raise CommandError(f"audit chain broken at event {broken}")
        self.stdout.write(f"audit chain intact: {AuditEvent.objects.count()} events")
