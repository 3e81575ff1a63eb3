"""``branchwork scheduler [--once] [--interval SECONDS]``: hand the periodic jobs (the monthly
health snapshots, resuming stalled newsletter sends) to the task worker, each once per period."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from branchwork.core.schedule import tick


class Command(BaseCommand):
    help = "Enqueue the periodic jobs for the task worker (every minute, or once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="tick once and stop (for cron)")
        parser.add_argument("--interval", type=float, default=60.0, help="seconds between ticks")

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = False

        def stop(*_args: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while True:
            try:
                for name in tick():
                    self.stdout.write(f"enqueued {name}")
            except Exception as exc:  # noqa: BLE001 - a failed tick is retried at the next
                self.stderr.write(f"tick failed: {exc!r}")
            if options["once"]:
                return
            waited = 0.0
            while waited < options["interval"] and not stopping:
                time.sleep(0.5)
                waited += 0.5
            if stopping:
                return
            close_old_connections()  # a database restarted meanwhile: connect again
