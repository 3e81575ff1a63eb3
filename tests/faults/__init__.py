"""Fault tests: processes killed with SIGKILL mid-work, a database restarted under a worker,
and two web processes and two workers on one database.

After each kill: nothing lost, nothing done twice (rows counted directly in the database), and
the work either resumes or has failed with a message the person sees.

Which process is killed during which work, and where (web: ``branchwork serve``; worker:
``branchwork db_worker``):

- **Import** (uploaded in the browser, run by a task).
  Web: ``test_web_killed``, killed as the start button queues the job (the upload itself is
  one transaction). Worker: ``test_worker_killed``, killed with every row written and nothing
  committed. The command-line import: ``tests/imports/test_import_killed``.
- **Newsletter send** (queued in the browser, sent by a task).
  Web: ``test_web_killed``, killed after the recipients are committed, before the task is
  written. Worker: ``tests/news/test_send_killed``, killed with a message handed to the SMTP
  server and not yet recorded.
- **Sweep assignment.** Web: ``test_web_killed``, killed with every household assigned and
  nothing committed. Worker: does not apply; the assignment runs in the request, in one
  transaction, and no task assigns.
- **Money payment.** Web: ``test_web_killed``, killed before the commit, and after it before
  the answer. Worker: does not apply; payments run in the request, and no task moves money.

PostgreSQL only: ``test_database_restart`` (a server of the test's own stopped and started
under a running worker) and ``test_many_machines`` (two web processes and two workers on one
database). ``harness`` holds what they share; ``test_liveness`` checks the mark by which a
dead worker's import is noticed.
"""
