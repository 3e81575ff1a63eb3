"""``branchwork health snapshot [--month YYYY-MM] [--months N]``: compute the monthly metric
snapshots (this month by default; a past month, or the last N months, on request)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from branchwork.health.metrics import Period
from branchwork.health.snapshots import compute, months_back


class Command(BaseCommand):
    help = "Compute the units' monthly health metrics."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["snapshot"])
        parser.add_argument("--month", help="YYYY-MM (default: this month)")
        parser.add_argument("--months", type=int, default=1, help="this many months back")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options["month"]:
            month = Period.parse(options["month"])
            if month is None:
                raise CommandError("--month takes YYYY-MM, for example 2026-04")
            months = [month]
        else:
            if not 1 <= options["months"] <= 120:
                raise CommandError("--months takes 1 to 120")
            months = months_back(today, options["months"])
        for month in months:
            started = time.perf_counter()
            rows = compute(month)
            self.stdout.write(
                f"{month:%Y-%m}: {rows} snapshots in {time.perf_counter() - started:.1f} s"
            )
