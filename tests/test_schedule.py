"""The scheduler: each periodic job is enqueued once per period, however many schedulers tick
(on PostgreSQL, two at the same moment); the health job computes the snapshots."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from branchwork.core import schedule
from branchwork.core.models import ScheduledRun
from branchwork.health.models import Snapshot
from tests.conftest import Federation

JST = dt.timezone(dt.timedelta(hours=9))


def enqueued(name: str) -> int:
    return DBTaskResult.objects.filter(task_path__endswith=name).count()


@pytest.mark.django_db
def test_each_job_is_enqueued_once_per_period() -> None:
    ten = dt.datetime(2026, 12, 1, 10, 5, tzinfo=JST)
    daily = ["health-snapshot", "newsletters-resume", "stored-files-expire"]
    assert sorted(schedule.tick(ten)) == daily
    assert schedule.tick(ten + dt.timedelta(minutes=30)) == []  # the same hour and day
    assert schedule.tick(ten + dt.timedelta(hours=1)) == ["newsletters-resume"]
    assert sorted(schedule.tick(ten + dt.timedelta(days=1))) == daily
    assert enqueued("snapshot") == 2 and enqueued("resume_stalled_sends") == 3
    assert ScheduledRun.objects.filter(job="health-snapshot").count() == 2
    assert schedule.period("month", ten) == "2026-12"
    # Just after midnight in Japan is still the previous day in UTC: the local day counts.
    assert schedule.period("day", dt.datetime(2026, 12, 1, 15, 30, tzinfo=dt.UTC)) == "2026-12-02"


@pytest.mark.django_db
def test_the_command_ticks_once_for_cron(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("scheduler", "--once")
    assert "enqueued health-snapshot" in capsys.readouterr().out
    call_command("scheduler", "--once")
    assert "enqueued" not in capsys.readouterr().out


@pytest.mark.django_db
def test_the_health_job_computes_this_month(federation: Federation) -> None:
    from branchwork.health.tasks import snapshot

    done = snapshot.call()
    assert done and all(rows > 0 for rows in done.values())
    assert Snapshot.objects.filter(unit=federation.fed, metric="members").exists()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_the_same_moment_enqueue_once() -> None:
    now = dt.datetime(2026, 12, 1, 10, 5, tzinfo=JST)
    barrier = threading.Barrier(2)
    results: list[list[str]] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(schedule.tick(now))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(name for r in results for name in r) == [
        "health-snapshot",
        "newsletters-resume",
        "stored-files-expire",
    ]
    assert enqueued("snapshot") == 1 and enqueued("resume_stalled_sends") == 1
    assert enqueued("expire_stored_files") == 1


@pytest.mark.django_db
def test_the_daily_expiry_task_runs_the_expiry() -> None:
    from branchwork.imports.export_tasks import expire_stored_files

    assert expire_stored_files.call() == {"exports": 0, "imports": 0}
