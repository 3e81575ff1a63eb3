"""The mark of a living process (``branchwork.core.liveness``), in this process: held inside
the block, by this process too (PostgreSQL's advisory locks are re-entrant: the test reads the
lock table), and free after it. Its release by a killed process is shown by
``test_worker_killed``."""

from __future__ import annotations

from typing import Any

from branchwork.core import liveness


def test_the_mark_is_held_while_the_work_runs_and_free_after(db: Any) -> None:
    assert not liveness.is_held("import", 41)
    with liveness.holding("import", 41):
        assert liveness.is_held("import", 41)
        assert not liveness.is_held("import", 42)
        assert not liveness.is_held("export", 41)
    assert not liveness.is_held("import", 41)
