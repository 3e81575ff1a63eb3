"""Benchmark Branchwork and rewrite ``docs/benchmarks.md``: ``make bench``.

Two benchmarks, both on a fresh SQLite database in a temporary directory:

1. generating the japan demo tree (``build_demo(size="japan", seed=1)``), repeated ``--runs``
   times, each run in its own subprocess on its own empty, freshly migrated database;
2. rendering the federation page and a branch page as ``central-admin`` (signed in, second
   factor verified) with ``django.test.Client``, interleaved with a trivial baseline request
   (``/healthz``) so the result can be read as a ratio on a shared, noisy machine.

With ``BENCH_DATABASE_URL=postgres://…`` the rendering benchmark also runs on PostgreSQL. That
database is migrated and, only when it holds no federation yet, filled with the japan demo tree;
it is never emptied.

The parent process never imports Django: each measurement runs in a worker subprocess
(``run.py --worker generate|render``) whose environment selects the database before
``django.setup()``, and hands its numbers back as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
SIZE = "japan"
SEED = 1
WARMUP = 3
DEFAULT_RUNS = 3
DEFAULT_REQUESTS = 50
QUICK_RUNS = 1
QUICK_REQUESTS = 10
BASELINE = ("baseline", "/healthz")


# --------------------------------------------------------------------------------------------
# Workers (run in a subprocess, with Django)
# --------------------------------------------------------------------------------------------


def _django_setup() -> None:
    """Configure Django from the environment the parent prepared (see ``_worker_env``)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _db_info() -> dict[str, str]:
    from django.db import connection

    if connection.vendor == "sqlite":
        return {"vendor": "SQLite", "version": connection.Database.sqlite_version}
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        (version,) = cur.fetchone()
    return {"vendor": "PostgreSQL", "version": str(version).split(" ")[0]}


def worker_generate(args: argparse.Namespace) -> dict[str, Any]:
    """Migrate an empty database, then time one ``build_demo`` on it."""
    _django_setup()
    from django.core.management import call_command
    from django.db import connection

    from branchwork.org.demo import build_demo
    from branchwork.org.models import Unit

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_s = time.perf_counter() - started
    if Unit.objects.exists():
        raise SystemExit("generate: the database is not empty; refusing to time a no-op")

    started = time.perf_counter()
    result = build_demo(size=SIZE, seed=SEED)
    build_s = time.perf_counter() - started
    if not result.created:
        raise SystemExit("generate: build_demo found an existing tree")
    info = _db_info()
    connection.close()
    return {
        "migrate_s": migrate_s,
        "build_s": build_s,
        "units": result.units,
        "people": result.people,
        "terms": result.terms,
        "db": info,
    }


def _nearest_rank(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def worker_render(args: argparse.Namespace) -> dict[str, Any]:
    """Time the unit pages and the baseline, interleaved, as a verified central-admin."""
    _django_setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from branchwork.access.models import User
    from branchwork.org.demo import build_demo

    prepared: dict[str, Any] = {}
    if args.prepare:  # PostgreSQL: the database is the caller's; fill it only if it is empty
        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        prepared["migrate_s"] = time.perf_counter() - started
        started = time.perf_counter()
        result = build_demo(size=SIZE, seed=SEED)
        prepared["build_s"] = time.perf_counter() - started
        prepared["created"] = result.created
        from branchwork.org.models import Unit

        prepared["units"] = Unit.objects.count()  # build_demo counts only what it creates

    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = User.objects.get(username="central-admin")
    device = TOTPDevice.objects.get(user__username="central-admin", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()

    pages = [BASELINE, ("federation", "/units/FED/"), ("branch", f"/units/{args.branch}/")]

    def fetch(url: str) -> tuple[float, float, int, int]:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        if response.status_code != 200:
            where = response.get("Location", "")
            raise SystemExit(f"render: GET {url} answered {response.status_code} {where}".strip())
        sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        return elapsed * 1000, sql_ms, len(queries.captured_queries), len(response.content)

    for _ in range(WARMUP):
        for _name, url in pages:
            fetch(url)

    ms: dict[str, list[float]] = {name: [] for name, _url in pages}
    sql: dict[str, list[float]] = {name: [] for name, _url in pages}
    nqueries: dict[str, list[int]] = {name: [] for name, _url in pages}
    size: dict[str, int] = {}
    for i in range(args.requests):
        # Rotate the order every round so no page always follows the same one.
        for name, url in pages[i % len(pages) :] + pages[: i % len(pages)]:
            elapsed, sql_ms, count, nbytes = fetch(url)
            ms[name].append(elapsed)
            sql[name].append(sql_ms)
            nqueries[name].append(count)
            size[name] = nbytes

    out: dict[str, Any] = {"db": _db_info(), "prepared": prepared, "pages": []}
    for name, url in pages:
        out["pages"].append(
            {
                "name": name,
                "url": url,
                "p50": statistics.median(ms[name]),
                "p95": _nearest_rank(ms[name], 95),
                "sql_p50": statistics.median(sql[name]),
                "min": min(ms[name]),
                "max": max(ms[name]),
                "queries_min": min(nqueries[name]),
                "queries_max": max(nqueries[name]),
                "bytes": size[name],
                "n": len(ms[name]),
            }
        )
    connection.close()
    return out


# --------------------------------------------------------------------------------------------
# Parent: orchestration
# --------------------------------------------------------------------------------------------


def _worker_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="branchwork.settings",
        DATABASE_URL=database_url,
        BRANCHWORK_VAR_DIR=str(var_dir),
        BRANCHWORK_ENV="development",
        BRANCHWORK_DEBUG=os.environ.get("BENCH_DEBUG", "false"),
        BRANCHWORK_LOG_LEVEL="ERROR",
    )
    return env


def _run_worker(kind: str, env: dict[str, str], extra: list[str], scratch: Path) -> dict[str, Any]:
    out = scratch / f"{kind}-{time.monotonic_ns()}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--json", str(out)]
    completed = subprocess.run(cmd + extra, env=env, cwd=ROOT, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"bench: the {kind} worker failed (exit {completed.returncode})")
    data: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    return data


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench_generate(runs: int, scratch: Path) -> tuple[dict[str, Any], Path]:
    """Run the generate worker ``runs`` times, each on a new empty SQLite file.

    Returns the numbers and the directory of the last run, whose database the rendering
    benchmark then reads.
    """
    results = []
    last_dir = scratch
    for i in range(runs):
        run_dir = scratch / f"run{i + 1}"
        run_dir.mkdir()
        env = _worker_env(f"sqlite:///{run_dir / 'branchwork.sqlite3'}", scratch / "var")
        result = _run_worker("generate", env, [], scratch)
        _say(
            f"  generate run {i + 1}/{runs}: migrate {result['migrate_s']:.2f} s, "
            f"build_demo {result['build_s']:.2f} s"
        )
        results.append(result)
        if i < runs - 1:
            shutil.rmtree(run_dir)
        last_dir = run_dir
    counts = {(r["units"], r["people"], r["terms"]) for r in results}
    return {
        "runs": results,
        "build_median": statistics.median(r["build_s"] for r in results),
        "migrate_median": statistics.median(r["migrate_s"] for r in results),
        "counts_identical": len(counts) == 1,
        "db": results[0]["db"],
    }, last_dir


def bench_render(
    database_url: str, requests: int, branch: str, scratch: Path, prepare: bool
) -> dict[str, Any]:
    env = _worker_env(database_url, scratch / "var")
    extra = ["--requests", str(requests), "--branch", branch] + (["--prepare"] if prepare else [])
    result = _run_worker("render", env, extra, scratch)
    for page in result["pages"]:
        _say(
            f"  {page['name']:<10} {page['url']:<16} p50 {page['p50']:7.2f} ms  "
            f"p95 {page['p95']:7.2f} ms  sql {page['sql_p50']:7.2f} ms  "
            f"queries {page['queries_min']}-{page['queries_max']}"
        )
    return result


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def _secs(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _queries(page: dict[str, Any]) -> str:
    if page["queries_min"] == page["queries_max"]:
        return str(page["queries_min"])
    return f"{page['queries_min']}–{page['queries_max']}"


def generate_section(gen: dict[str, Any]) -> list[str]:
    runs = gen["runs"]
    builds = [r["build_s"] for r in runs]
    first = runs[0]
    counts = f"{first['units']:,} / {first['people']:,} / {first['terms']:,}"
    lines = [
        f"## Generating the japan demo tree ({gen['db']['vendor']})",
        "",
        f'`build_demo(size="{SIZE}", seed={SEED})` on an empty, freshly migrated database; '
        f"{len(runs)} run{'s' if len(runs) != 1 else ''}, each in its own process on its own "
        "new database file.",
        "",
        "| Step | Median (s) | All runs (s) |",
        "|---|---:|---|",
        f"| `migrate` (not part of the generation time) | {gen['migrate_median']:.2f} | "
        f"{_secs([r['migrate_s'] for r in runs])} |",
        f"| `build_demo` | {gen['build_median']:.2f} | {_secs(builds)} |",
        "",
        "| Units | People | Terms |",
        "|---:|---:|---:|",
        f"| {first['units']:,} | {first['people']:,} | {first['terms']:,} |",
        "",
    ]
    rate = first["units"] / gen["build_median"]
    if len(builds) > 1:
        spread = (max(builds) - min(builds)) / gen["build_median"] * 100
        runs_text = (
            f"the {len(builds)} runs ranged from {min(builds):.2f} to {max(builds):.2f} s "
            f"(a spread of {spread:.0f}% of the median)"
        )
    else:
        runs_text = "there was a single run, so no spread to report"
    same = (
        "identical in every run"
        if gen["counts_identical"]
        else "NOT identical across runs (the seed should make them so)"
    )
    lines.append(
        f"Generating the tree takes a median of {gen['build_median']:.2f} s "
        f"(about {rate:,.0f} units per second, with people and terms alongside); {runs_text}, "
        f"and the counts (units / people / terms: {counts}) were {same}."
    )
    lines.append("")
    return lines


def render_section(render: dict[str, Any], requests: int, *, first: bool) -> list[str]:
    vendor = render["db"]["vendor"]
    pages = render["pages"]
    base = next(p for p in pages if p["name"] == "baseline")
    lines = [f"## Rendering unit pages ({vendor})", ""]
    prepared = render.get("prepared") or {}
    if prepared:
        if prepared["created"]:
            lines += [
                f"The database was empty, so the japan tree was generated into it first "
                f"(one run: `build_demo` {prepared['build_s']:.2f} s, `migrate` "
                f"{prepared['migrate_s']:.2f} s; {prepared['units']:,} units).",
                "",
            ]
        else:
            lines += [
                "The database already held a federation; it was used as it was "
                f"({prepared['units']:,} units) and generation was not timed.",
                "",
            ]
    if first:
        lines += [
            f"`django.test.Client` signed in as `central-admin` (second factor verified); "
            f"{WARMUP} warm-up rounds, then {requests} measured rounds, each round requesting "
            "the three URLs in rotating order. Latency is the wall time of `client.get()` (no "
            "network, no WSGI server); p95 is the nearest-rank percentile. SQL time is the sum "
            "of the per-query times Django's debug cursor recorded in the same request (each "
            "rounded to the millisecond, so sub-millisecond queries count as 0).",
            "",
        ]
    else:
        lines += ["Same method and client as above.", ""]
    lines += [
        "| Page | URL | p50 (ms) | p95 (ms) | p50 / baseline p50 | SQL queries per request "
        "| SQL time p50 (ms) | Response (bytes) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for page in pages:
        ratio = page["p50"] / base["p50"]
        lines.append(
            f"| {page['name']} | `{page['url']}` | {page['p50']:.2f} | {page['p95']:.2f} | "
            f"{ratio:.1f}× | {_queries(page)} | {page['sql_p50']:.2f} | {page['bytes']:,} |"
        )
    lines.append("")
    fed = next(p for p in pages if p["name"] == "federation")
    branch = next(p for p in pages if p["name"] == "branch")
    constant = all(p["queries_min"] == p["queries_max"] for p in pages)
    if constant:
        queries = (
            f"every page issued the same number of SQL queries on all "
            f"{fed['n']} of its measured requests ({fed['queries_min']} for the federation, "
            f"{branch['queries_min']} for the branch)"
        )
    else:
        varying = [p["name"] for p in pages if p["queries_min"] != p["queries_max"]]
        queries = f"the query count varied between requests for: {', '.join(varying)}"
    sql_share = fed["sql_p50"] / fed["p50"] * 100
    lines.append(
        f"On {vendor} the federation page renders in {fed['p50']:.1f} ms at the median, "
        f"{fed['p50'] / base['p50']:.1f}× the trivial baseline (about {sql_share:.0f}% of it "
        f"inside SQL), and the branch page in {branch['p50']:.1f} ms "
        f"({branch['p50'] / base['p50']:.1f}×); {queries}."
    )
    lines.append("")
    return lines


def write_doc(
    path: Path | None,
    *,
    machine: dict[str, str],
    gen: dict[str, Any],
    renders: list[tuple[dict[str, Any], int]],
    postgres_note: str,
) -> str:
    lines = [
        "# Benchmarks",
        "",
        "This file is written by `bench/run.py` and regenerated wholesale on every full run; "
        "do not edit it by hand.",
        "",
        "## How to repeat",
        "",
        "```sh",
        f"make bench                                  # {DEFAULT_RUNS} generation runs, "
        f"{DEFAULT_REQUESTS} requests per page",
        ".venv/bin/python bench/run.py --quick        # smoke check; prints, does not write this "
        "file",
        ".venv/bin/python bench/run.py --runs 5 --requests 200",
        "BENCH_DATABASE_URL=postgres://user@host/db make bench   # also render on PostgreSQL",
        "```",
        "",
        "Every database is created in a temporary directory and removed afterwards (a "
        "PostgreSQL database given in `BENCH_DATABASE_URL` is migrated and filled only if it "
        "holds no federation yet; it is never emptied). Workers run with `DEBUG` off. The "
        "machine is shared, so compare the ratios to the baseline rather than raw "
        "milliseconds between runs.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
    ]
    lines += [f"| {key} | {value} |" for key, value in machine.items()]
    lines.append("")
    lines += generate_section(gen)
    for i, (render, requests) in enumerate(renders):
        lines += render_section(render, requests, first=i == 0)
    if postgres_note:
        lines += [postgres_note, ""]
    text = "\n".join(lines).rstrip() + "\n"
    if path is None:
        sys.stdout.write(text)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return text


def _loadavg() -> str:
    try:
        return " / ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def _nproc() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _redact(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


def main_parent(args: argparse.Namespace) -> None:
    runs = args.runs or (QUICK_RUNS if args.quick else DEFAULT_RUNS)
    requests = args.requests or (QUICK_REQUESTS if args.quick else DEFAULT_REQUESTS)
    if args.output == "-":
        output: Path | None = None
    elif args.output:
        output = Path(args.output)
    else:
        output = None if args.quick else DOC
    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC).astimezone()
    load_start = _loadavg()

    with tempfile.TemporaryDirectory(prefix="branchwork-bench-") as tmp:
        scratch = Path(tmp)
        _say(f"bench: generating the {SIZE} demo tree {runs} time(s) (SQLite, fresh databases)")
        gen, last_dir = bench_generate(runs, scratch)
        _say(f"bench: rendering pages {requests} time(s) each (SQLite)")
        sqlite_url = f"sqlite:///{last_dir / 'branchwork.sqlite3'}"
        renders = [(bench_render(sqlite_url, requests, args.branch, scratch, False), requests)]

        pg_url = os.environ.get("BENCH_DATABASE_URL", "")
        postgres_note = ""
        pg_version = "not run"
        if pg_url:
            _say(f"bench: rendering pages {requests} time(s) each (PostgreSQL)")
            pg = bench_render(pg_url, requests, args.branch, scratch, True)
            renders.append((pg, requests))
            pg_version = pg["db"]["version"]
        else:
            postgres_note = (
                "PostgreSQL was not benchmarked in this run; set "
                "`BENCH_DATABASE_URL=postgres://…` to add the rendering benchmark on it."
            )

    elapsed = time.perf_counter() - started
    flags = " ".join(
        [f"--runs {runs}", f"--requests {requests}", f"--branch {args.branch}"]
        + (["--quick"] if args.quick else [])
    )
    machine = {
        "Date": now.strftime("%Y-%m-%d %H:%M %Z"),
        "CPUs (`nproc`)": str(_nproc()),
        "Load average (1/5/15 min) at start → end": f"{load_start} → {_loadavg()}",
        "Platform": platform.platform(),
        "Python": platform.python_version(),
        "Django": metadata.version("django"),
        "SQLite": gen["db"]["version"] if gen["db"]["vendor"] == "SQLite" else "?",
        "PostgreSQL": pg_version
        + (f" (`{_redact(pg_url)}`)" if pg_url and pg_version != "not run" else ""),
        "Command": f"`{'BENCH_DATABASE_URL=… ' if pg_url else ''}bench/run.py {flags}`",
        "Total runtime": f"{elapsed:.0f} s",
    }
    write_doc(output, machine=machine, gen=gen, renders=renders, postgres_note=postgres_note)
    where = "stdout" if output is None else str(output)
    _say(f"bench: done in {elapsed:.0f} s; report written to {where}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--runs", type=int, help=f"generation runs (default {DEFAULT_RUNS}; quick {QUICK_RUNS})"
    )
    parser.add_argument(
        "--requests",
        type=int,
        help=f"measured requests per page (default {DEFAULT_REQUESTS}; quick {QUICK_REQUESTS})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer repetitions for a smoke check; prints the report instead of writing "
        "docs/benchmarks.md unless --output is given",
    )
    parser.add_argument("--branch", default="B2701", help="branch code to render (default B2701)")
    parser.add_argument(
        "--output", help="where to write the report ('-' for stdout; default docs/benchmarks.md)"
    )
    # Internal: the parent starts itself with these to run one measurement in a fresh process.
    parser.add_argument("--worker", choices=["generate", "render"], help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name in ("runs", "requests"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name} must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        worker = worker_generate if args.worker == "generate" else worker_render
        result = worker(args)
        Path(args.json).write_text(json.dumps(result))
        return
    main_parent(args)


if __name__ == "__main__":
    main()
