"""Benchmark Branchwork and rewrite ``docs/benchmarks.md``: ``make bench``.

Three benchmarks, each on a fresh SQLite database in a temporary directory:

1. generating the japan demo tree (``build_demo(size="japan", seed=1)``), repeated ``--runs``
   times, each run in its own subprocess on its own empty, freshly migrated database;
2. rendering the federation page and a branch page as ``central-admin`` (signed in, second
   factor verified) with ``django.test.Client``, interleaved with a trivial baseline request
   (``/healthz``) so the result can be read as a ratio on a shared, noisy machine;
3. writing ``--bulk-rows`` people (default 100,000) three ways: the ORM's ``bulk_create``,
   ``branchwork.core.bulk.insert_objects`` and ``branchwork.core.bulk.bulk_insert``, each
   repeated ``--runs`` times into the same table (emptied between writes, outside the clock).

With ``BENCH_DATABASE_URL=postgres://…`` the rendering and bulk-write benchmarks also run on
PostgreSQL. That database is migrated and, only when it holds no federation yet, filled with the
japan demo tree; it is never emptied. The bulk writes go under a unit of their own (code
``BENCH-BULK``, a federation-kind root created on first use and kept), and only that unit's people
are deleted, between the writes and at the end.

The parent process never imports Django: each measurement runs in a worker subprocess
(``run.py --worker generate|render|bulk``) whose environment selects the database before
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
DEFAULT_BULK_ROWS = 100_000
QUICK_BULK_ROWS = 20_000
BULK_UNIT = "BENCH-BULK"
BULK_BATCH = 1000  # bulk_create's batch_size
BULK_METHODS = (
    ("bulk_create", "`Person.objects.bulk_create(objs, batch_size=1000)` (baseline)"),
    ("insert_objects", "`insert_objects(Person, objs)`"),
    ("bulk_insert", "`bulk_insert(Person, fields, rows)`"),
)
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


# Name parts the bulk benchmark cycles through; the row index is appended to the given names so
# every row differs.
_FAMILY = (
    ("김", "金", "Kim"),
    ("이", "李", "Lee"),
    ("박", "朴", "Park"),
    ("최", "崔", "Choi"),
    ("정", "鄭", "Jung"),
    ("강", "姜", "Kang"),
    ("조", "趙", "Cho"),
)
_GIVEN = (
    ("민수", "敏洙", "Minsu"),
    ("지영", "智英", "Jiyoung"),
    ("성호", "成浩", "Sungho"),
    ("은정", "恩貞", "Eunjung"),
    ("영철", "永哲", "Youngchul"),
)


def _bulk_names(n: int) -> list[dict[str, str]]:
    out = []
    for i in range(n):
        fam = _FAMILY[i % len(_FAMILY)]
        giv = _GIVEN[(i // len(_FAMILY)) % len(_GIVEN)]
        out.append(
            {
                "family_name_hangul": fam[0],
                "given_name_hangul": f"{giv[0]}{i}",
                "family_name_kanji": fam[1],
                "given_name_kanji": f"{giv[1]}{i}",
                "family_name_latin": fam[2],
                "given_name_latin": f"{giv[2]} {i}",
            }
        )
    return out


def worker_bulk(args: argparse.Namespace) -> dict[str, Any]:
    """Time writing ``--bulk-rows`` people with ``bulk_create``, ``insert_objects``, ``bulk_insert``.

    SQLite: a new, empty database; the table is emptied between writes. PostgreSQL: the caller's
    database; the rows go under the ``BENCH-BULK`` unit and only its rows are ever deleted.
    """
    _django_setup()
    import gc

    from django.core.management import call_command
    from django.db import connection, models, transaction
    from django.utils import timezone

    from branchwork.core.bulk import bulk_insert, insert_objects
    from branchwork.org.models import Unit
    from branchwork.org.services import create_unit
    from branchwork.people.models import Person

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_s = time.perf_counter() - started
    sqlite = connection.vendor == "sqlite"
    if sqlite and (Unit.objects.exists() or Person.objects.exists()):
        raise SystemExit("bulk: the SQLite database is not empty")

    unit = Unit.objects.filter(code=BULK_UNIT).first()
    unit_created = unit is None
    if unit is None:
        unit = create_unit(
            actor=None,
            parent=None,
            code=BULK_UNIT,
            kind="federation",
            name_ko="벤치마크 (대량 쓰기)",
            name_ja="ベンチマーク（一括書き込み）",
            name_en="Benchmark (bulk writes)",
        )
    table = Person._meta.db_table

    def clear() -> None:
        with connection.cursor() as cur:
            if sqlite:  # a database of our own: everything in it is ours
                cur.execute(f'DELETE FROM "{table}"')  # noqa: S608
            else:
                cur.execute(f'DELETE FROM "{table}" WHERE "unit_id" = %s', [unit.pk])  # noqa: S608

    def check(name: str, reference: dict[str, Any]) -> None:
        """The method wrote every row, and its last row reads back as the other methods' did."""
        mine = Person.objects.filter(unit=unit)
        count = mine.count()
        if count != args.bulk_rows:
            raise SystemExit(f"bulk: {name} wrote {count} rows, not {args.bulk_rows}")
        times = [f.name for f in fields if isinstance(f, models.DateTimeField)]
        last = mine.order_by("-id").values(*[f.name for f in fields]).first() or {}
        for t in times:  # a value stored in the wrong form reads back hours away
            stored = last.pop(t)
            if stored is None:  # a nullable time left empty (erased_at): nothing to compare
                continue
            if abs(timezone.now() - stored) > dt.timedelta(minutes=10):
                raise SystemExit(f"bulk: {name} stored Person.{t} wrongly")
        if reference.setdefault("row", last) != last:
            raise SystemExit(f"bulk: {name} wrote {last}, not {reference['row']}")

    # Every concrete column but the id, in bulk_insert's order. The rows carry the same Python
    # values the instances hold: the name parts, the unit's id, the current time for
    # auto_now(_add) columns and each other column's default ("" for a blank text column, None
    # for a nullable one); bulk_insert prepares date and JSON values for the database itself.
    # The registry extends Person in place, so the columns are read off the model, and one this
    # benchmark has no value for stops it.
    fields = [f for f in Person._meta.concrete_fields if not f.primary_key]
    field_names = [f.name for f in fields]
    names = _bulk_names(args.bulk_rows)
    varying = set(names[0]) if names else set()

    def build_objects() -> list[Any]:
        return [Person(unit=unit, **n) for n in names]

    def build_rows() -> list[tuple[Any, ...]]:
        now = timezone.now()
        template: list[Any] = []
        for f in fields:
            if f.name == "unit":
                value: Any = unit.pk
            elif f.name in varying:
                value = ""  # filled per row below
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            elif f.has_default():
                value = f.get_default()
            elif f.null:
                value = None
            elif isinstance(f, (models.CharField, models.TextField)):
                value = ""
            else:
                raise SystemExit(f"bulk: no value to write for Person.{f.name}")
            template.append(value)
        slots = [(i, f.name) for i, f in enumerate(fields) if f.name in varying]
        rows = []
        for n in names:
            row = list(template)
            for i, name in slots:
                row[i] = n[name]
            rows.append(tuple(row))
        return rows

    methods: dict[str, tuple[Any, Any]] = {
        "bulk_create": (
            build_objects,
            lambda objs: Person.objects.bulk_create(objs, batch_size=BULK_BATCH),
        ),
        "insert_objects": (build_objects, lambda objs: insert_objects(Person, objs)),
        "bulk_insert": (build_rows, lambda rows: bulk_insert(Person, field_names, rows)),
    }
    seconds: dict[str, list[float]] = {name: [] for name, _label in BULK_METHODS}
    reference: dict[str, Any] = {}
    try:
        clear()  # rows a crashed earlier run may have left under the benchmark unit
        for _run in range(args.bulk_runs):
            for name, _label in BULK_METHODS:
                build, write = methods[name]
                payload = build()
                gc.collect()
                started = time.perf_counter()
                with transaction.atomic():
                    write(payload)
                seconds[name].append(time.perf_counter() - started)
                del payload
                check(name, reference)
                clear()
    finally:
        clear()
    # bulk_create caps batch_size at what the backend allows per statement (SQLite: 999
    # parameters), so record the batch it really used.
    batch = min(BULK_BATCH, connection.ops.bulk_batch_size(fields, names))
    info = _db_info()
    connection.close()
    return {
        "db": info,
        "rows": args.bulk_rows,
        "create_batch": batch,
        "runs": args.bulk_runs,
        "columns": len(field_names),
        "migrate_s": migrate_s,
        "unit_created": unit_created,
        "seconds": seconds,
    }


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


def bench_bulk(database_url: str, rows: int, runs: int, scratch: Path) -> dict[str, Any]:
    env = _worker_env(database_url, scratch / "var")
    extra = ["--bulk-rows", str(rows), "--bulk-runs", str(runs)]
    result = _run_worker("bulk", env, extra, scratch)
    base = statistics.median(result["seconds"]["bulk_create"])
    for name, _label in BULK_METHODS:
        median = statistics.median(result["seconds"][name])
        _say(
            f"  {name:<15} median {median:6.2f} s  {rows / median:>9,.0f} rows/s  "
            f"{base / median:5.1f}x bulk_create  (runs: {_secs(result['seconds'][name])} s)"
        )
    return result


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


def bulk_section(bulk: dict[str, Any], *, first: bool) -> list[str]:
    vendor = bulk["db"]["vendor"]
    rows = bulk["rows"]
    runs = bulk["runs"]
    seconds = bulk["seconds"]
    medians = {name: statistics.median(seconds[name]) for name, _label in BULK_METHODS}
    base = medians["bulk_create"]
    lines = [f"## Bulk writes ({vendor})", ""]
    if vendor == "SQLite":
        where = (
            "a new, freshly migrated database holding one federation unit; the table is emptied "
            "with a raw `DELETE FROM people_person` after every write"
        )
    else:
        made = "created for this run" if bulk["unit_created"] else "left by an earlier run"
        where = (
            f"the database above, under a unit of their own (`{BULK_UNIT}`, a federation-kind "
            f"root {made} and kept); only that unit's people are deleted, with a raw `DELETE … "
            "WHERE unit_id = …` after every write, so the rest of the database is untouched"
        )
    lines += [
        f"Writing {rows:,} `Person` rows ({bulk['columns']} columns besides the id) into "
        f"{where}. The three methods take turns, {runs} round{'s' if runs != 1 else ''}; the "
        "objects or tuples are built before the clock starts, and the clock covers only the "
        "write and its commit (each inside `transaction.atomic()`).",
        "",
    ]
    if bulk["create_batch"] < BULK_BATCH:
        lines += [
            f"Django caps `bulk_create`'s batches at what {vendor} accepts in one statement, so "
            f"asking for {BULK_BATCH:,} rows per `INSERT` gave {bulk['create_batch']:,} here "
            f"({bulk['columns']} parameters a row).",
            "",
        ]
    if first:
        lines += [
            "All three write the same values: the unit, six name fields (hangul, kanji and "
            "romanised family and given names, the given names numbered so every row differs), "
            "`created_at`, and every other column's default. `bulk_create` and "
            "`insert_objects` get unsaved `Person` instances (`insert_objects` reserves the "
            "ids itself and reads each column off the instances); `bulk_insert` gets plain "
            "tuples of every concrete column but the id, holding the same Python values (it "
            "prepares date and JSON values for the database itself, inside the clock). The "
            "speed-up is the `bulk_create` median divided by the method's median.",
            "",
        ]
    lines += [
        "| Method | Median (s) | All runs (s) | Rows/s | Speed-up vs `bulk_create` |",
        "|---|---:|---|---:|---:|",
    ]
    for name, label in BULK_METHODS:
        median = medians[name]
        lines.append(
            f"| {label} | {median:.2f} | {_secs(seconds[name])} | {rows / median:,.0f} | "
            f"{base / median:.1f}× |"
        )
    lines.append("")
    fastest = min(("insert_objects", "bulk_insert"), key=lambda n: medians[n])
    other = "bulk_insert" if fastest == "insert_objects" else "insert_objects"

    def pace(name: str) -> str:
        ratio = base / medians[name]
        if ratio >= 1:
            return f"{ratio:.1f}× the rate of `bulk_create`"
        return f"slower than `bulk_create` ({ratio:.2f}× its rate)"

    lines.append(
        f"On {vendor}, `{fastest}` writes {rows:,} people in {medians[fastest]:.2f} s "
        f"({rows / medians[fastest]:,.0f} rows/s), {pace(fastest)} "
        f"({base:.2f} s, {rows / base:,.0f} rows/s), and `{other}` reaches "
        f"{rows / medians[other]:,.0f} rows/s, {pace(other)}."
    )
    lines.append("")
    return lines


def write_doc(
    path: Path | None,
    *,
    machine: dict[str, str],
    gen: dict[str, Any],
    renders: list[tuple[dict[str, Any], int]],
    bulks: list[dict[str, Any]],
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
    for i, bulk in enumerate(bulks):
        lines += bulk_section(bulk, first=i == 0)
    if postgres_note:
        lines += [postgres_note, ""]
    text = "\n".join(lines).rstrip() + "\n"
    if path is not None and path.exists():
        # Sections written by bench/registry.py (between its marks) are kept as they are.
        old = path.read_text(encoding="utf-8")
        mark = "<!-- bench/registry.py "
        if mark in old:
            text += "\n" + old[old.index(mark) :].rstrip() + "\n"
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
    bulk_rows = args.bulk_rows or (QUICK_BULK_ROWS if args.quick else DEFAULT_BULK_ROWS)
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
        _say(f"bench: writing {bulk_rows:,} people three ways, {runs} time(s) each (SQLite)")
        bulk_dir = scratch / "bulk"
        bulk_dir.mkdir()
        bulk_url = f"sqlite:///{bulk_dir / 'branchwork.sqlite3'}"
        bulks = [bench_bulk(bulk_url, bulk_rows, runs, scratch)]

        pg_url = os.environ.get("BENCH_DATABASE_URL", "")
        postgres_note = ""
        pg_version = "not run"
        if pg_url:
            _say(f"bench: rendering pages {requests} time(s) each (PostgreSQL)")
            pg = bench_render(pg_url, requests, args.branch, scratch, True)
            renders.append((pg, requests))
            pg_version = pg["db"]["version"]
            _say(
                f"bench: writing {bulk_rows:,} people three ways, {runs} time(s) each (PostgreSQL)"
            )
            bulks.append(bench_bulk(pg_url, bulk_rows, runs, scratch))
        else:
            postgres_note = (
                "PostgreSQL was not benchmarked in this run; set "
                "`BENCH_DATABASE_URL=postgres://…` to add the rendering and bulk-write benchmarks "
                "on it."
            )

    elapsed = time.perf_counter() - started
    flags = " ".join(
        [
            f"--runs {runs}",
            f"--requests {requests}",
            f"--branch {args.branch}",
            f"--bulk-rows {bulk_rows}",
        ]
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
    write_doc(
        output,
        machine=machine,
        gen=gen,
        renders=renders,
        bulks=bulks,
        postgres_note=postgres_note,
    )
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
        "--bulk-rows",
        type=int,
        help=f"people written per bulk-write run (default {DEFAULT_BULK_ROWS:,}; "
        f"quick {QUICK_BULK_ROWS:,})",
    )
    parser.add_argument(
        "--output", help="where to write the report ('-' for stdout; default docs/benchmarks.md)"
    )
    # Internal: the parent starts itself with these to run one measurement in a fresh process.
    parser.add_argument("--worker", choices=["generate", "render", "bulk"], help=argparse.SUPPRESS)
    parser.add_argument("--bulk-runs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name in ("runs", "requests", "bulk_rows", "bulk_runs"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        worker = {"generate": worker_generate, "render": worker_render, "bulk": worker_bulk}[
            args.worker
        ]
        result = worker(args)
        Path(args.json).write_text(json.dumps(result))
        return
    main_parent(args)


if __name__ == "__main__":
    main()
