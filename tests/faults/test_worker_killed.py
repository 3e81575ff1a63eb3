"""The task worker killed with SIGKILL in the middle of an import started from the browser.

The import is uploaded and started through a real ``branchwork serve`` over HTTP, and runs in
a real ``branchwork db_worker``; the worker is stopped with every row written and nothing
committed (``import-before-commit``), and its process group killed. (The newsletter send in
the worker has its own test: ``tests/news/test_send_killed.py``.)
"""

from __future__ import annotations

import pytest

from tests.faults.harness import Database, processes, stop_at_point, wait_for
from tests.faults.test_web_killed import people_file, upload

ROWS = 120
STATUS = "SELECT status, error FROM imports_importjob WHERE id = %s"


@pytest.mark.timeout(240)
def test_an_import_whose_worker_is_killed_fails_with_a_message_and_runs_again_once(
    database: Database,
) -> None:
    db = database
    data = people_file(ROWS)
    with processes(db) as procs:
        web = procs.web()
        worker = procs.worker(fault="import-before-commit")
        officer = web.as_user(db.sessions["officer1"])
        job, start = upload(officer, db, data)
        officer.post(f"/imports/{job}/start/", start)
        stop_at_point(procs, worker)

        # Nothing of it is in the registry, and no report either.
        assert db.count("people_person") == 0
        assert db.count("people_household") == 0
        assert db.count("imports_importissue") == 0
        assert db.count("access_auditevent WHERE action = 'import'") == 0
        assert db.rows(STATUS, (job,))[0][0] == "running"  # as the worker left it

        # The page that follows the import (polled every second) learns that the worker is
        # gone (on PostgreSQL, once the server has seen its connection close): the import
        # has failed, with a message saying what to do.
        progress = wait_for(
            lambda: (
                (page := officer.get(f"/imports/{job}/progress/")).status == 200
                and "The import failed; nothing was written." in page.text
                and page
            ),
            timeout=30,
            every=0.5,
            why="the failure on the page",
        )
        assert "Upload the file again to import it." in progress.text
        status, error = db.rows(STATUS, (job,))[0]
        assert status == "failed" and "stopped before it finished" in error
        assert "Upload the file again" in officer.get(f"/imports/{job}/").text

        # As it says: the file uploaded again, imported by a new worker, exactly once.
        procs.worker()
        second, start = upload(officer, db, data)
        officer.post(f"/imports/{second}/start/", start)
        wait_for(
            lambda: [s for s, _ in db.tasks("run_import")].count("SUCCESSFUL") == 1,
            why="the second import",
        )
        assert db.rows(STATUS, (second,))[0][0] == "done"
        assert db.count("people_person") == ROWS
        assert db.count("access_auditevent WHERE action = 'import'") == 1
        again = officer.post(f"/imports/{second}/start/", start)
        assert again.status == 400 and "This import has run" in again.text
        assert db.count("people_person") == ROWS
        # The killed job stays failed: its task was never finished, and nothing runs it.
        assert db.rows(STATUS, (job,))[0][0] == "failed"
        assert sorted(s for s, _ in db.tasks("run_import")) == ["RUNNING", "SUCCESSFUL"]
