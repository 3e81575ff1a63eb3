"""Serve Branchwork: the web server (granian), a task worker and the scheduler that feeds it
periodic jobs, together, until stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the web application and run a background task worker beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="web worker processes")
        parser.add_argument(
            "--threads", type=int, default=8, help="request threads per web worker process"
        )
        parser.add_argument("--no-worker", action="store_true", help="do not start a task worker")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="branchwork.settings")
        procs: list[subprocess.Popen[bytes]] = []
        web = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            options["host"],
            "--port",
            str(options["port"]),
            "--workers",
            str(options["workers"]),
            "--blocking-threads",
            str(options["threads"]),
            "--static-path-route",
            settings.STATIC_URL.rstrip("/"),
            "--static-path-mount",
            str(settings.STATIC_ROOT),
            "branchwork.wsgi:application",
        ]
        procs.append(subprocess.Popen(web, env=env))  # noqa: S603
        if not options["no_worker"]:
            worker = [sys.executable, "-m", "branchwork.cli", "db_worker", "--no-reload"]
            procs.append(subprocess.Popen(worker, env=env))  # noqa: S603
            # The scheduler hands the periodic jobs to the worker (each once per period).
            scheduler = [sys.executable, "-m", "branchwork.cli", "scheduler"]
            procs.append(subprocess.Popen(scheduler, env=env))  # noqa: S603
        self.stdout.write(f"Branchwork is serving on http://{options['host']}:{options['port']}/")

        def stop(*_: Any) -> None:
            for p in procs:
                if p.poll() is None:
                    p.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
        finally:
            stop()
            for p in procs:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
