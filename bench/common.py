"""What the benchmarks share: the project's paths, Django set up on a given database, the
nearest-rank percentile, and writing one section of ``docs/benchmarks.md`` in place."""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def parser(description: str) -> argparse.ArgumentParser:
    """The options every japan-size benchmark takes; each adds its own."""
    out = argparse.ArgumentParser(description=description)
    out.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    out.add_argument("--reuse", help="a SQLite file to keep the generated data in (reused)")
    out.add_argument("--size", default="japan", help="demo size (small for a smoke run)")
    out.add_argument("--no-write", action="store_true", help="print, do not write the doc")
    return out


def main(
    name: str,
    args: argparse.Namespace,
    run: Callable[[argparse.Namespace], dict[str, Any]],
    section: Callable[[dict[str, Any], str, float], list[str]],
) -> None:
    """Run a benchmark on its database (a new SQLite file in a temporary directory unless a
    URL or ``--reuse`` is given), then print its section of the doc and write it there, between
    the marks ``<!-- bench/NAME.py ENGINE: … -->`` and ``<!-- end bench/NAME.py ENGINE -->``."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"bw-{name}-") as tmp:
        url = args.database_url
        if not url:
            path = Path(args.reuse) if args.reuse else Path(tmp) / f"{name}.sqlite3"
            url = f"sqlite:///{path.resolve()}"
        setup(url, Path(tmp))
        result = run(args)
    flags = " ".join(sys.argv[1:]) or "(defaults)"
    lines = section(result, f"bench/{name}.py {flags}", started)
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[result["engine"]]
    if not args.no_write:
        write_section(
            lines,
            f"<!-- bench/{name}.py {engine}: everything from here to the next such mark -->",
            f"<!-- end bench/{name}.py {engine} -->",
        )
    print("\n".join(lines))


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_granian(
    port: int, workers: int, threads: int, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """The application under granian on loopback (its output to ``log`` when given)."""
    cmd = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--log-level",
        "error",
        "branchwork.wsgi:application",
    ]
    if log is None:
        return subprocess.Popen(cmd, env=dict(os.environ), cwd=ROOT)  # noqa: S603
    out = log.open("wb")
    return subprocess.Popen(  # noqa: S603
        cmd, env=dict(os.environ), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
    )


def wait_for(port: int, path: str = "/healthz", timeout: float = 90) -> None:
    """Until ``path`` answers 200 on the port (or give up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("bench: the server did not answer")
