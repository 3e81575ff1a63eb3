"""What the benchmarks share: the project's paths, Django set up on a given database, the
nearest-rank percentile, and writing one section of ``docs/benchmarks.md`` in place."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def setup(database_url: str, var_dir: Path) -> None:
    """Django on ``database_url``, as production runs it (DEBUG off, quiet logs)."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="branchwork.settings",
        DATABASE_URL=database_url,
        BRANCHWORK_VAR_DIR=str(var_dir),
        BRANCHWORK_ENV="development",
        BRANCHWORK_DEBUG="false",
        BRANCHWORK_LOG_LEVEL="ERROR",
    )
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def write_section(lines: list[str], start: str, end: str) -> None:
    """Replace the text between ``start`` and ``end`` in the doc (append it if absent)."""
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _old, after = rest.split(end, 1)
        text = before + "\n".join(lines) + after
    else:
        text = text.rstrip() + "\n\n" + "\n".join(lines) + "\n"
    DOC.write_text(text, encoding="utf-8")
