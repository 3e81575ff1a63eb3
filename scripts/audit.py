"""``make audit``: pip-audit over the installed dependencies (what ``make install`` resolved),
failing on any advisory not in ``audit-allow.txt``. Each allowed advisory needs its reason on
the same line; an entry without one is refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOW = ROOT / "audit-allow.txt"


def allowed(text: str) -> dict[str, str]:
    """The allow-list: advisory id → reason. Raises ValueError for a line without a reason."""
    out: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = "" if raw.lstrip().startswith("#") else raw.strip()
        if not line:
            continue
        advisory, _sep, reason = line.partition(" ")
        if not reason.strip():
            raise ValueError(f"audit-allow.txt line {number}: {advisory} has no reason")
        out[advisory] = reason.strip()
    return out


def main() -> int:
    allow = allowed(ALLOW.read_text(encoding="utf-8")) if ALLOW.exists() else {}
    cmd = [str(Path(sys.executable).parent / "pip-audit"), "--local", "--progress-spinner", "off"]
    for advisory in sorted(allow):
        cmd += ["--ignore-vuln", advisory]
    for advisory, reason in sorted(allow.items()):
        print(f"allowed: {advisory}: {reason}")
    return subprocess.run(cmd, check=False).returncode  # noqa: S603


if __name__ == "__main__":
    sys.exit(main())
