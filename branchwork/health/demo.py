"""Demo health: the snapshots of the last two months, and a support plan that the regional
officer's region opened for its lowest-scoring branch."""

from __future__ import annotations

import datetime as dt


def add_health_demo(today: dt.date) -> int:
    from branchwork.access.models import User

    from . import plans
    from .models import Snapshot
    from .snapshots import compute, months_back

    rows = sum(compute(month) for month in months_back(today, 2))
    officer = User.objects.filter(username="regional-officer").first()
    grant = officer.grants.select_related("unit").first() if officer is not None else None
    if officer is None or grant is None:
        return rows
    worst = (
        Snapshot.objects.filter(
            month=today.replace(day=1),
            metric="score",
            unit__parent=grant.unit,
            unit__kind="branch",
            value__isnull=False,
        )
        .select_related("unit")
        .order_by("value", "unit__code")
        .first()
    )
    if worst is not None:
        later = today + dt.timedelta(days=90)
        plans.open_plan(
            actor=officer,
            unit=worst.unit,
            title="連絡網の立て直し",
            review_on=later,
            goals=[("contacted", 50, later), ("overdue_cases", 0, later)],
            helpers=[officer],
        )
    return rows
