"""Named points where a fault test can stop a process on purpose.

A test that must kill a process at an exact moment (an import written but not committed, a
payment between its two ledger lines) sets ``BRANCHWORK_FAULT`` to the point's name and
``BRANCHWORK_FAULT_FILE`` to a path: on reaching the point the process writes the file and
waits, and the test, seeing the file, kills it there. Without the variables a point does
nothing; production never sets them.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

_passed: dict[str, int] = {}


def point(name: str) -> None:
    """Stop here when asked; with ``BRANCHWORK_FAULT_AFTER=N``, at the point's N+1st pass."""
    if os.environ.get("BRANCHWORK_FAULT") != name:
        return
    _passed[name] = _passed.get(name, 0) + 1
    if _passed[name] <= int(os.environ.get("BRANCHWORK_FAULT_AFTER", "0")):
        return
    marker = os.environ.get("BRANCHWORK_FAULT_FILE")
    if marker:
        Path(marker).write_text(name)
    time.sleep(float(os.environ.get("BRANCHWORK_FAULT_WAIT", "60")))
