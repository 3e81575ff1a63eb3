"""``branchwork db_worker``: the task worker of django-tasks' database backend, kept alive
through a database restart.

django_tasks_db's worker stops at the first database error met outside a task: a database
server restarted, or a network cut, ends every worker, and with ``branchwork serve`` the web
server with them. This one (it takes the command's name: ``branchwork.core`` is listed before
``django_tasks_db``) says that it cannot reach the database, waits a second, and tries again
until the database is back; everything else is django_tasks_db's. A task running when the
database went away fails with it and is left as the database last saw it; the work it did
knows how to resume (a newsletter send is resumed when it stalls; an import is marked failed
when its page sees that no process holds it).
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

from django.core.management.base import CommandError
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker as base

PAUSE = 1.0  # seconds between attempts while the database cannot be reached


class Worker(base.Worker):
    def run(self) -> None:
        while self.running:
            try:
                super().run()
                return
            except (OperationalError, InterfaceError) as exc:
                if not self.running:
                    raise
                base.logger.warning(
                    "The worker cannot reach the database (%s); trying again in %s s.",
                    str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
                    PAUSE,
                )
                for conn in connections.all(initialized_only=True):
                    with contextlib.suppress(DatabaseError):
                        conn.close()
                self.startup_delay = False
                time.sleep(PAUSE)


class Command(base.Command):
    help = "Run a database background worker that waits for the database when it goes away."

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        if reload and batch:
            base.logger.warning(
                "Warning: --reload and --batch cannot be specified together. Disabling autoreload."
            )
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the child that runs the worker
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
