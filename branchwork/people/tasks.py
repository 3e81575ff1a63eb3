"""Background work of the registry: the retention purge, so a scheduler or cron can run it."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from . import retention


@task()
def purge_by_retention(apply: bool = False, user_id: int | None = None) -> dict[str, Any]:
    """Run the retention rules in force: list only, or erase with ``apply``. Without a user it
    runs as the system; with one, with that user's permissions (administration at the root).
    The stored result holds ids and counts only."""
    actor = None
    if user_id is not None:
        from branchwork.access.models import User

        actor = User.objects.get(pk=user_id)
    report = retention.purge(actor=actor, rules=retention.active_rules(), dry_run=not apply)
    return report.as_dict()
