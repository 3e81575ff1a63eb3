"""Welfare sweep benchmark at national scale: ``bench/care.py [--database-url URL]``.

On one database (a new SQLite file in a temporary directory by default; ``--database-url`` or
``BENCH_DATABASE_URL`` for PostgreSQL) this

1. generates the ``japan`` demo (~500,000 people in ~200,000 households) unless the database
   already holds a federation (``--reuse``), and gives every branch ``--officers`` officer
   logins (users and grants written in bulk), so that a sweep of the whole federation has
   someone to put each household on;
2. starts a sweep of the federation as ``central-admin`` (``sweeps.start_sweep``: one target
   per household where someone lives) ``--runs`` times; beside it the baseline: the same
   targets written by one hand-written ``INSERT … SELECT``;
3. assigns the targets (``sweeps.assign_targets``: each household to the least loaded officer
   of the deepest unit above it that has officers) ``--runs`` times; beside it the baseline:
   one ``UPDATE`` writing the same column on every target without choosing anyone (the floor
   of writing the assignment at all);
4. while two processes, each with its own database connection, record outcomes as officers do
   (``sweeps.record_outcome``: mostly "all right", some "could not be reached", a few "needs
   help", which opens a case), times ``--samples`` times each, in turn:
   * the coverage table the federation's sweep page polls (``GET /sweeps/<pk>/coverage/`` as
     ``central-admin`` through ``django.test.Client``: the view, the scoped grouped query and
     the template);
   * the whole sweep page of the federation (``GET /sweeps/<pk>/``);
   * the baseline: the same roll-up (households, reached, needing help, unreachable per
     region) as one hand-written ``GROUP BY`` without scoping;
   and the same three with nobody writing, for comparison;

and writes its section of ``docs/benchmarks.md`` (one per database engine).
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import platform
import random
import statistics
import sys
import time
from typing import Any

import common  # noqa: E402 - bench/ is on the path
from common import pct

MARK = "<!-- bench/care.py {engine}: everything from here to the next such mark -->"
END = "<!-- end bench/care.py {engine} -->"
TITLE = "安否確認 (bench)"

START_SQL = """
INSERT INTO care_sweeptarget
  (sweep_id, household_id, unit_id, outcome, needs, note, attempts)
SELECT %s, h.id, h.unit_id, 'pending', '[]', '', 0
FROM people_household h
WHERE h.unit_id IN (SELECT id FROM org_unit WHERE path LIKE %s)
  AND EXISTS (SELECT 1 FROM people_householdmember m
              WHERE m.household_id = h.id AND m.until IS NULL)
"""

ASSIGN_SQL = "UPDATE care_sweeptarget SET assigned_to_id = %s WHERE sweep_id = %s"

COVERAGE_SQL = """
SELECT substr(u.path, 1, %s) AS branch, COUNT(*),
  SUM(CASE WHEN t.outcome IN ('ok', 'needs_help') THEN 1 ELSE 0 END),
  SUM(CASE WHEN t.outcome = 'needs_help' THEN 1 ELSE 0 END),
  SUM(CASE WHEN t.outcome = 'unreachable' THEN 1 ELSE 0 END)
FROM care_sweeptarget t JOIN org_unit u ON u.id = t.unit_id
WHERE t.sweep_id = %s
GROUP BY 1 ORDER BY 1
"""


def officers(per_branch: int) -> int:
    """``per_branch`` officer logins in every branch (kept if already there)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from branchwork.access.models import Grant, Role, User
    from branchwork.org.models import Unit, UnitKind

    role = Role.objects.get(code="officer")
    have = set(
        User.objects.filter(username__startswith="bench-").values_list("username", flat=True)
    )
    branches = list(Unit.objects.filter(kind=UnitKind.BRANCH).order_by("pk"))
    wanted = [(b, f"bench-{b.code}-{n}") for b in branches for n in range(per_branch)]
    new = [(b, name) for b, name in wanted if name not in have]
    password = make_password(None)
    users = User.objects.bulk_create(
        [User(username=name, password=password) for _b, name in new], batch_size=2000
    )
    since = timezone.localdate() - dt.timedelta(days=30)
    Grant.objects.bulk_create(
        [
            Grant(user=user, unit=branch, role=role, valid_from=since)
            for (branch, _name), user in zip(new, users, strict=True)
        ],
        batch_size=2000,
    )
    return len(wanted)


def timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def start_and_assign(args: argparse.Namespace, admin: Any) -> dict[str, Any]:
    """Start and assign the federation's sweep, each beside its baseline, ``--runs`` times;
    the last sweep is kept (assigned) for the coverage measurement."""
    from django.db import connection, transaction
    from django.db.models import Count

    from branchwork.care import sweeps
    from branchwork.care.models import Sweep, SweepTarget
    from branchwork.org.models import Unit

    fed = Unit.objects.get(parent__isnull=True)
    out: dict[str, Any] = {"start": [], "start_raw": [], "assign": [], "assign_raw": []}
    sweep: Any = None
    for run in range(args.runs):
        # Baseline first in odd runs, ours first in even ones: neither always runs warm.
        order = ("raw", "ours") if run % 2 else ("ours", "raw")
        for which in order:
            if which == "raw":
                raw = Sweep.objects.create(unit=fed, title="baseline")

                def insert(raw: Any = raw) -> None:
                    with transaction.atomic(), connection.cursor() as cur:
                        cur.execute(START_SQL, [raw.pk, fed.path + "%"])

                out["start_raw"].append(timed(insert))

                def update(raw: Any = raw) -> None:
                    with transaction.atomic(), connection.cursor() as cur:
                        cur.execute(ASSIGN_SQL, [admin.pk, raw.pk])

                out["assign_raw"].append(timed(update))
                out["targets_raw"] = SweepTarget.objects.filter(sweep=raw).count()
                raw.delete()
            else:
                if sweep is not None:
                    sweep.delete()
                made: list[Any] = []

                def start(made: list[Any] = made) -> None:
                    made.append(sweeps.start_sweep(actor=admin, unit=fed, title=TITLE))

                out["start"].append(timed(start))
                sweep = made[0]
                counts: list[int] = []

                def assign(sweep: Any = sweep, counts: list[int] = counts) -> None:
                    counts.append(sweeps.assign_targets(actor=admin, sweep=sweep))

                out["assign"].append(timed(assign))
                out["assigned"] = counts[0]
    out["sweep"] = sweep
    out["targets"] = sweep.targets.count()
    out["officers_used"] = (
        sweep.targets.exclude(assigned_to__isnull=True).values("assigned_to").distinct().count()
    )
    loads = dict(
        SweepTarget.objects.filter(sweep=sweep, assigned_to__isnull=False)
        .values_list("assigned_to")
        .annotate(n=Count("pk"))
        .order_by()
    )
    out["load_min"], out["load_max"] = min(loads.values()), max(loads.values())
    # Within one branch the load is even: the widest spread between two of its officers.
    from branchwork.access.models import Grant

    by_branch: dict[int, list[int]] = {}
    for user_id, unit_id in Grant.objects.filter(user__username__startswith="bench-").values_list(
        "user_id", "unit_id"
    ):
        by_branch.setdefault(unit_id, []).append(loads.get(user_id, 0))
    out["spread"] = max(max(v) - min(v) for v in by_branch.values())
    return out


FORK = multiprocessing.get_context("fork")


class Recorder(FORK.Process):  # type: ignore[name-defined,misc]
    """An officer (or several in turn) working through their list in a process of its own,
    as a web worker would: one outcome at a time, each in its own transaction, as the phone
    page records them."""

    def __init__(self, sweep: Any, users: list[Any], seed: int, stop: Any) -> None:
        super().__init__(daemon=True)
        self.sweep, self.users, self.stop, self.seed = sweep, users, stop, seed
        self.recorded = FORK.Value("l", 0)
        self.failed = FORK.Value("l", 0)

    def run(self) -> None:
        from django.db import connection

        from branchwork.care import sweeps
        from branchwork.care.models import Outcome

        rng = random.Random(self.seed)  # noqa: S311 - which outcome, not a secret
        outcomes = [Outcome.OK] * 15 + [Outcome.UNREACHABLE] * 4 + [Outcome.NEEDS_HELP]
        try:
            for user in self.users:
                for target in list(sweeps.my_targets(user, self.sweep)):
                    if self.stop.is_set():
                        return
                    outcome = rng.choice(outcomes)
                    sweeps.record_outcome(
                        actor=user,
                        target=target,
                        outcome=outcome,
                        needs=self.sweep.needs[:1] if outcome == Outcome.NEEDS_HELP else [],
                    )
                    with self.recorded.get_lock():
                        self.recorded.value += 1
        except Exception as exc:  # noqa: BLE001 - counted in the results, shown on stderr
            print(f"writer {self.seed}: {exc!r}", file=sys.stderr)
            with self.failed.get_lock():
                self.failed.value += 1
        finally:
            connection.close()


def coverage(args: argparse.Namespace, sweep: Any) -> dict[str, Any]:
    from django.db import connection, connections
    from django.test import Client
    from django.urls import reverse
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from branchwork.access.models import User
    from branchwork.org.models import PATH_STEP

    admin = User.objects.get(username="central-admin")
    device = TOTPDevice.objects.get(user=admin, confirmed=True)
    client = Client()
    client.force_login(admin)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    table_url = reverse("care:sweep-coverage", args=[sweep.pk])
    page_url = reverse("care:sweep", args=[sweep.pk])
    width = len(sweep.unit.path) + PATH_STEP

    def get(url: str) -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")

    def raw() -> None:
        with connection.cursor() as cur:
            cur.execute(COVERAGE_SQL, [width, sweep.pk])
            cur.fetchall()

    probes = {
        "table": lambda: get(table_url),
        "page": lambda: get(page_url),
        "raw": raw,
    }
    for fn in probes.values():  # warm
        fn()
        fn()

    def sample(n: int) -> dict[str, list[float]]:
        got: dict[str, list[float]] = {k: [] for k in probes}
        names = list(probes)
        for i in range(n):
            for name in names[i % 3 :] + names[: i % 3]:
                got[name].append(timed(probes[name]))
        return got

    out: dict[str, Any] = {"idle": sample(max(20, args.samples // 4))}
    from branchwork.care.models import SweepTarget

    # Two writer processes: one works through the lists of every branch's first bench officer,
    # the other through those of the second (different households, so they never collide).
    holders = list(User.objects.filter(username__startswith="bench-").order_by("username"))
    stop = FORK.Event()
    workers = [Recorder(sweep, holders[i::2], seed=i, stop=stop) for i in range(args.writers)]
    before = SweepTarget.objects.filter(sweep=sweep, recorded_at__isnull=False).count()
    # No connection may cross the fork: each writer opens its own, and so does this process
    # again at its next query.
    connections.close_all()
    started = time.perf_counter()
    for w in workers:
        w.start()
    time.sleep(1.0)  # let both writers get going
    try:
        out["busy"] = sample(args.samples)
    finally:
        stop.set()
        for w in workers:
            w.join()
    elapsed = time.perf_counter() - started
    out["recorded"] = sum(w.recorded.value for w in workers)
    out["recorded_db"] = (
        SweepTarget.objects.filter(sweep=sweep, recorded_at__isnull=False).count() - before
    )
    out["record_rate"] = out["recorded"] / elapsed
    out["errors"] = sum(w.failed.value for w in workers)
    out["writers"] = len(workers)
    out["rows"] = len(
        {path[:width] for path in sweep.targets.values_list("unit__path", flat=True).distinct()}
    )
    return out


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def _ms(values: list[float]) -> str:
    if not values:
        return "–"
    if max(values) >= 10_000:
        return f"{statistics.median(values) / 1000:.1f} s"
    return f"{statistics.median(values):,.0f} ms"


def section(result: dict[str, Any], command: str, started: float) -> list[str]:
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[result["engine"]]
    load = os.getloadavg()
    sw = result["sweep"]
    cov = result["coverage"]
    lines = [
        MARK.format(engine=engine),
        f"## Welfare sweeps at {result['size']} size ({engine})",
        "",
        f"Written by `bench/care.py` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
        f" (`{command}`, {time.perf_counter() - started:.0f} s in all; {os.cpu_count()} CPUs,"
        f" load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}, Python"
        f" {platform.python_version()}). A sweep of the whole federation, started and assigned"
        f" as `central-admin`; {result['officers']:,} branch officers"
        f" ({result['per_branch']} per branch) to assign to.",
        "",
        "| | |",
        "|---|---:|",
        f"| Households in the sweep (targets) | {sw['targets']:,} |",
        f"| Officers given households | {sw['officers_used']:,} |",
        f"| Households per officer (fewest – most; each branch's go to its own officers) |"
        f" {sw['load_min']:,} – {sw['load_max']:,} |",
        f"| Widest difference between two officers of one branch | {sw['spread']:,} |",
    ]
    if "generate_s" in result:
        lines.append(f'| `build_demo(size="{result["size"]}")` | {result["generate_s"]:.1f} s |')
    lines += [
        "",
        f"Medians of {len(sw['start'])} runs, each beside its baseline (alternating which goes"
        " first). The baselines do less than the project: the `INSERT … SELECT` checks no"
        " permission and writes no audit record; the `UPDATE` chooses nobody (every target to"
        " one user), so it is the floor of writing the column at all.",
        "",
        "| Step | Project (median) | Baseline (median) | Project / baseline |",
        "|---|---:|---:|---:|",
        f"| Start (`sweeps.start_sweep`: {sw['targets']:,} targets) | {_ms(sw['start'])} |"
        f" {_ms(sw['start_raw'])} (`INSERT … SELECT`) |"
        f" {statistics.median(sw['start']) / statistics.median(sw['start_raw']):.1f}× |",
        f"| Assign (`sweeps.assign_targets`: {sw['assigned']:,} targets) | {_ms(sw['assign'])} |"
        f" {_ms(sw['assign_raw'])} (one `UPDATE`) |"
        f" {statistics.median(sw['assign']) / statistics.median(sw['assign_raw']):.1f}× |",
        "",
        "### Coverage of the federation while officers record outcomes",
        "",
        f"{cov['writers']} processes (as two web workers would), each with its own connection, record outcomes through"
        " `sweeps.record_outcome` (a row lock, the first result stands, an audit record; 1 in 20"
        f" opens a case) as fast as they can: {cov['recorded']:,} outcomes in the measured"
        f" period ({cov['record_rate']:,.0f} per second; {cov['recorded_db']:,} found recorded in"
        f" the database afterwards; {cov['errors']} errors). Meanwhile"
        " `central-admin`'s client fetches, in rotating order, the coverage table the sweep page"
        f" polls (one row per region: {cov['rows']} rows), the whole sweep page, and the"
        " baseline, the same roll-up as one hand-written `GROUP BY` without scoping. The same"
        " with nobody writing is given for comparison. p95 is nearest-rank.",
        "",
        "| Request | Writers | Samples | p50 (ms) | p95 (ms) | baseline p50 (ms) |"
        " baseline p95 (ms) | p95 / baseline p95 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = {
        "table": "Coverage table (`/sweeps/<pk>/coverage/`)",
        "page": "Sweep page (`/sweeps/<pk>/`)",
    }
    for phase, writers in (("busy", cov["writers"]), ("idle", 0)):
        data = cov[phase]
        base = data["raw"]
        for name, label in names.items():
            ours = data[name]
            lines.append(
                f"| {label} | {writers} | {len(ours)} | {statistics.median(ours):.1f} |"
                f" {pct(ours, 95):.1f} | {statistics.median(base):.1f} | {pct(base, 95):.1f} |"
                f" {pct(ours, 95) / max(pct(base, 95), 0.001):.1f}× |"
            )
    lines += ["", END.format(engine=engine)]
    return lines


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    from branchwork.access.models import User
    from branchwork.care.models import Sweep
    from branchwork.org.demo import build_demo
    from branchwork.org.models import Unit

    result: dict[str, Any] = {"engine": connection.vendor, "size": args.size}
    call_command("migrate", verbosity=0)
    if not Unit.objects.filter(code="FED").exists():
        started = time.perf_counter()
        build_demo(size=args.size, seed=1)
        result["generate_s"] = time.perf_counter() - started
    Sweep.objects.filter(title__in=["baseline", TITLE]).delete()
    result["officers"] = officers(args.officers)
    result["per_branch"] = args.officers
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    admin = User.objects.get(username="central-admin")
    result["sweep"] = start_and_assign(args, admin)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    result["coverage"] = coverage(args, result["sweep"]["sweep"])
    return result


def main() -> None:
    parser = common.parser(__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=2, help="officer logins per branch")
    parser.add_argument("--runs", type=int, default=3, help="times the sweep is started")
    parser.add_argument("--samples", type=int, default=200, help="coverage requests of each kind")
    parser.add_argument("--writers", type=int, default=2, help="processes recording outcomes")
    common.main("care", parser.parse_args(), run, section)


if __name__ == "__main__":
    main()
