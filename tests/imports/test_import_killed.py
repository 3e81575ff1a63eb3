"""An import killed half-way leaves nothing behind, and running it again finishes it exactly.

The import runs in its own process against its own database (a SQLite file, or a database of
its own on the PostgreSQL server of the PostgreSQL pass); it is killed with SIGKILL as soon as
it has begun writing, and the database is then read directly.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

ROWS = 20_000
SETUP = """
from branchwork.org import services
from branchwork.org.demo import ensure_reference_data
ensure_reference_data()
fed = services.create_unit(actor=None, parent=None, code="FED", kind="federation",
                           name_ko="연합", name_ja="連合", name_en="Federation")
region = services.create_unit(actor=None, parent=fed, code="R", kind="region",
                              name_ko="R", name_ja="R", name_en="R")
branch = services.create_unit(actor=None, parent=region, code="A", kind="branch",
                              name_ko="A", name_ja="A", name_en="A")
from branchwork.org.models import TerritoryArea
TerritoryArea.objects.create(unit=branch, kind="postal", value="544")
"""


_SYLLABLES = "アイウエオカキクケコサシスセソタチツテト"


def _kana(n: int) -> str:
    """A reading of its own for each row (distinct people, not duplicates)."""
    out = ""
    while True:
        n, r = divmod(n, len(_SYLLABLES))
        out += _SYLLABLES[r]
        if not n:
            return out


def _file() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["姓", "名", "フリガナ", "生年月日", "郵便番号", "住所"])
    for i in range(ROWS):
        writer.writerow(
            [
                "金李朴崔鄭"[i % 5],
                f"民{i}",
                "キム " + _kana(i),
                f"{1940 + i % 60}-{1 + i // 60 % 12:02d}-{1 + i // 720 % 28:02d}",
                f"544-00{i % 40 + 1:02d}",
                f"大阪市生野区{i // 3}-1",
            ]
        )
    return out.getvalue().encode("cp932")


@contextlib.contextmanager
def own_database(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """A database URL of the suite's kind, empty, and a function to open a DB-API connection."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        path = tmp_path / "killed.sqlite3"
        yield f"sqlite:///{path}", lambda: sqlite3.connect(path)
        return
    import psycopg

    name = f"killed_{uuid.uuid4().hex[:8]}"
    server = {
        "host": db["HOST"],
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "dbname": "postgres",
    }
    with psycopg.connect(**server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"
        yield url, lambda: psycopg.connect(**{**server, "dbname": name})
    finally:
        with psycopg.connect(**server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _count(connect: Any, table: str) -> int:
    con = connect()
    try:
        cur = con.cursor()
        cur.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
        return int(cur.fetchone()[0])
    finally:
        con.close()


@pytest.mark.timeout(300)
def test_a_killed_import_leaves_nothing_and_a_second_run_finishes_it(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(_file())
    with own_database(tmp_path) as (url, connect):
        env = dict(os.environ, DATABASE_URL=url, BRANCHWORK_VAR_DIR=str(tmp_path))
        cli = [sys.executable, "-m", "branchwork.cli"]
        subprocess.run([*cli, "migrate", "-v0"], env=env, check=True)
        subprocess.run([*cli, "shell", "-c", SETUP], env=env, check=True)
        before = {t: _count(connect, t) for t in ("people_person", "access_auditevent")}
        command = [*cli, "import", "people", str(path), "--unit", "A"]
        marker = tmp_path / "at-the-point"
        faulty = dict(
            env, BRANCHWORK_FAULT="import-before-commit", BRANCHWORK_FAULT_FILE=str(marker)
        )
        proc = subprocess.Popen(
            command, env=faulty, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None and not marker.exists():
            time.sleep(0.05)
        # Every row is written, none committed: the moment that matters.
        assert marker.exists(), proc.stderr.read().decode()[-2000:] if proc.stderr else ""
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL  # killed, not finished
        for table in ("people_person", "people_household", "people_householdmember"):
            assert _count(connect, table) == before.get(table, 0), table
        assert _count(connect, "people_personsearchkey") == 0
        assert _count(connect, "access_auditevent") == before["access_auditevent"]
        status = _count(connect, "imports_importjob WHERE status = 'running'")
        assert status == 1  # the killed job, left as it was: never marked done

        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        assert "created" in done.stdout
        assert _count(connect, "people_person") == ROWS
        again = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        assert "unchanged" in again.stdout and "created" not in again.stdout
        assert _count(connect, "people_person") == ROWS
