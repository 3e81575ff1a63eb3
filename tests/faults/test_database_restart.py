"""The database server restarted under a running task worker: the worker waits for it and goes
on with the tasks enqueued afterwards (PostgreSQL only: SQLite is a file, not a server).

The server is one of the test's own (``scripts/testdb.sh`` on another port, loaded with a copy
of the migrated template), never the one the rest of the suite uses; it is stopped at the end.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tests.faults.harness import Database, OwnServer, Template, pg_server, processes, wait_for
from tests.news.smtp import start as smtp

QUEUE = """
import datetime as dt, json
from django.db import transaction
from branchwork.access.models import User
from branchwork.news import sending, services
from branchwork.org.models import Unit
from branchwork.people.models import Consent, Person
n = {n}
branch = Unit.objects.get(code="A")
officer = User.objects.get(username="officer1")
if not Person.objects.exists():
    for i in range(5):
        person = Person.objects.create(unit=branch, family_name_kanji="金",
                                       given_name_kanji=str(i), email=f"p{{i}}@example.jp")
        Consent.objects.create(person=person, kind="newsletter", given_on=dt.date(2026, 1, 1),
                               source="form")
newsletter = services.draft_newsletter(actor=officer, unit=branch, title_ja=f"便り{{n}}",
                                       description_ja="本文")
with transaction.atomic():
    sending.queue(actor=officer, newsletter=newsletter)
print("OUT " + json.dumps(newsletter.pk))
"""


@pytest.mark.postgres_only
@pytest.mark.timeout(240)
def test_the_worker_outlives_a_database_restart(template: Template, tmp_path: Path) -> None:
    shared = pg_server()
    assert shared is not None
    controller, keeper = smtp()
    mail = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(controller.port)}
    try:
        with OwnServer(shared["port"]) as server:
            server.load(shared, template.name)
            var = tmp_path / "var"
            var.mkdir()
            own = {"host": "127.0.0.1", "port": server.port, "user": "postgres"}
            db = Database(
                server.url(),
                lambda: psycopg.connect(**own, dbname="branchwork"),
                var,
                template.static,
                template.sessions,
                server=own,
                name="branchwork",
            )
            sent = "SELECT status FROM news_newsletter WHERE id = %s"
            with processes(db) as procs:
                worker = procs.worker(EMAIL_USE_TLS="false", **mail)
                first = db.shell(QUEUE.format(n=1))
                wait_for(lambda: db.rows(sent, (first,)) == [("sent",)], why="the first send")

                server.stop()
                # The worker finds the database gone, says so, and keeps trying.
                wait_for(
                    lambda: "cannot reach the database" in worker.output() or not worker.alive(),
                    why="the worker noticing",
                )
                assert worker.alive(), worker.output()
                server.start()

                second = db.shell(QUEUE.format(n=2))
                wait_for(lambda: db.rows(sent, (second,)) == [("sent",)], why="the second send")
                assert worker.alive(), worker.output()
                assert len(procs.started) == 1  # the same worker, never restarted
    finally:
        controller.stop()
    received = keeper.recipients()
    assert sorted(received) == sorted(f"p{i}@example.jp" for i in range(5) for _ in (1, 2))
