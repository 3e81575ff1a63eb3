"""Money benchmark at national scale: ``bench/money.py [--database-url URL]``.

On one database (a new SQLite file in a temporary directory by default; ``--database-url`` or
``BENCH_DATABASE_URL`` for PostgreSQL) this

1. generates the ``japan`` demo (~500,000 people, ~60 schools with their pupils, half the
   members' dues of this fiscal year) unless the database already holds a federation
   (``--reuse``), and gives two treasurers a grant on the federation;
2. records ``--dues`` dues payments of members who have not paid this year through
   ``services.record_dues`` (the path of the dues page: checks, a transaction with two
   entries, the payment, two audit records), one at a time; beside it the baseline: as many
   payments written by hand (a transaction, two entries and the payment in one database
   transaction each, no checks, no audit); then completes the year for every other member in
   bulk, so that the reports below read a whole year;
3. makes the year's aid fund of the federation, receives its money, and builds an allocation:
   a grant to every school by its number of pupils (``services.grants_per_pupil``) and
   ``--stipends`` stipends to enrolled pupils (``services.add_stipend``, one at a time), then
   proposes it and has the second treasurer approve it; beside the stipends, the baseline
   writes as many items by hand;
4. pays every item of the allocation (``services.pay``: item and account locks, the balance
   check, a transaction of two or four entries, audit), one at a time; beside it the baseline
   writes the same payments by hand;
5. times the reports ``--runs`` times each as the first treasurer (scoped): dues collection per
   branch of the federation (``selectors.dues_by_branch``) and the year's fund utilisation
   with grants by school and stipends by branch (``selectors.utilisation``,
   ``paid_by_school``, ``stipends_by_branch``); beside each, the same questions in
   hand-written SQL without scoping;

checks that every transaction balances, and writes its section of ``docs/benchmarks.md`` (one
per database engine).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import time
from typing import Any

import common  # noqa: E402 - bench/ is on the path
from common import pct

MARK = "<!-- bench/money.py {engine}: everything from here to the next such mark -->"
END = "<!-- end bench/money.py {engine} -->"


def treasurers() -> tuple[Any, Any]:
    from django.utils import timezone

    from branchwork.access.models import Grant, Role, User
    from branchwork.access.scoping import forget_scope
    from branchwork.org.models import Unit

    fed = Unit.objects.get(parent__isnull=True)
    role = Role.objects.get(code="treasurer")
    out = []
    for name in ("bench-treasurer-1", "bench-treasurer-2"):
        user, _ = User.objects.get_or_create(username=name)
        Grant.objects.get_or_create(
            user=user, unit=fed, role=role, defaults={"valid_from": timezone.localdate()}
        )
        forget_scope(user)
        out.append(user)
    return out[0], out[1]


def _raw_payment(
    cur: Any, unit_id: int, kind: str, day: dt.date, lines: list[tuple[int, int]], now: dt.datetime
) -> int:
    """One transaction and its entries, by hand; returns the transaction's id."""
    cur.execute(
        "INSERT INTO money_transaction (unit_id, kind, booked_on, memo, created_at)"
        " VALUES (%s, %s, %s, '', %s) RETURNING id",
        [unit_id, kind, day, now],
    )
    tx = cur.fetchone()[0]
    cur.executemany(
        "INSERT INTO money_entry (transaction_id, account_id, amount) VALUES (%s, %s, %s)",
        [(tx, account, amount) for account, amount in lines],
    )
    return int(tx)


def dues(args: argparse.Namespace, treasurer: Any, rng: random.Random) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.utils import timezone

    from branchwork.money import ledger, services
    from branchwork.money.models import DuesPayment, Entry, Transaction, TransactionKind
    from branchwork.org.models import PATH_STEP, Unit, UnitKind
    from branchwork.people.models import Membership, Person

    year = services.fiscal_year_of(timezone.localdate())
    paid = set(DuesPayment.objects.filter(fiscal_year=year).values_list("person_id", flat=True))
    owing = [
        (pk, status)
        for pk, status in Membership.objects.filter(
            status__in=["member", "supporter"],
            left__isnull=True,
            person__erased_at__isnull=True,
        )
        .values_list("person_id", "status")
        .order_by("person_id")
        if pk not in paid
    ]
    rng.shuffle(owing)
    ours = owing[: args.dues]
    raw = owing[args.dues : 2 * args.dues]
    rest = owing[2 * args.dues :]
    people = Person.objects.in_bulk([pk for pk, _s in ours])
    today = timezone.localdate()
    out: dict[str, Any] = {"year": year, "already": len(paid)}
    started = time.perf_counter()
    for pk, status in ours:
        services.record_dues(
            actor=treasurer,
            person=people[pk],
            fiscal_year=year,
            amount=12000 if status == "member" else 6000,
            received_on=today,
        )
    out["ours_s"] = time.perf_counter() - started
    out["n"] = len(ours)
    # Baseline: the same rows by hand, one payment per database transaction.
    branches = {u.path: u for u in Unit.objects.filter(kind=UnitKind.BRANCH)}
    width = 3 * PATH_STEP
    paths = dict(
        Person.objects.filter(pk__in=[p for p, _s in raw + rest]).values_list("pk", "unit__path")
    )
    accounts: dict[int, tuple[int, int]] = {}
    for branch in branches.values():
        accounts[branch.pk] = (ledger.account(branch, "cash").pk, ledger.account(branch, "dues").pk)
    now = timezone.now()
    started = time.perf_counter()
    for pk, status in raw:
        branch = branches[paths[pk][:width]]
        amount = 12000 if status == "member" else 6000
        cash, income = accounts[branch.pk]
        with transaction.atomic(), connection.cursor() as cur:
            tx = _raw_payment(
                cur, branch.pk, "dues", today, [(cash, amount), (income, -amount)], now
            )
            cur.execute(
                "INSERT INTO money_duespayment (person_id, unit_id, fiscal_year, amount,"
                " received_on, transaction_id) VALUES (%s, %s, %s, %s, %s, %s)",
                [pk, branch.pk, year, amount, today, tx],
            )
    out["raw_s"] = time.perf_counter() - started
    # The rest of the year's dues in bulk, so the reports read a whole year.
    started = time.perf_counter()
    for start in range(0, len(rest), 5000):
        chunk = [
            (pk, 12000 if s == "member" else 6000, branches[paths[pk][:width]])
            for pk, s in rest[start : start + 5000]
        ]
        txs = Transaction.objects.bulk_create(
            [
                Transaction(unit=b, kind=TransactionKind.DUES, booked_on=today, created_at=now)
                for _p, _a, b in chunk
            ]
        )
        Entry.objects.bulk_create(
            [
                Entry(
                    transaction=tx, account_id=accounts[b.pk][side], amount=a if side == 0 else -a
                )
                for tx, (_p, a, b) in zip(txs, chunk, strict=True)
                for side in (0, 1)
            ]
        )
        DuesPayment.objects.bulk_create(
            [
                DuesPayment(
                    person_id=p,
                    unit=b,
                    fiscal_year=year,
                    amount=a,
                    received_on=today,
                    transaction=tx,
                )
                for tx, (p, a, b) in zip(txs, chunk, strict=True)
            ]
        )
    out["bulk"] = len(rest)
    out["bulk_s"] = time.perf_counter() - started
    out["payments"] = DuesPayment.objects.filter(fiscal_year=year).count()
    return out


def allocation(
    args: argparse.Namespace, proposer: Any, approver: Any, rng: random.Random
) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.utils import timezone

    from branchwork.education.models import Enrolment, EnrolmentStatus
    from branchwork.money import ledger, services
    from branchwork.money.models import AllocationItem, Fund
    from branchwork.org.models import Unit
    from branchwork.people.models import Person

    fed = Unit.objects.get(parent__isnull=True)
    year = services.fiscal_year_of(timezone.localdate())
    pupils = Enrolment.objects.filter(school_year=year, status=EnrolmentStatus.ENROLLED).count()
    per_pupil, stipend = 60_000, 40_000
    promised = pupils * per_pupil + 2 * args.stipends * stipend + 10**8
    out: dict[str, Any] = {"pupils": pupils}
    fund = services.create_fund(
        actor=proposer,
        unit=fed,
        name=f"{year}年度 教育援助費 (bench)",
        source="教育援助基金",
        purpose="学校運営と奨学金",
        fiscal_year=year,
        amount=promised,
    )
    services.receive_into_fund(actor=proposer, fund=fund, amount=promised)
    plan = services.create_allocation(actor=proposer, fund=fund, title="年間配分 (bench)")
    started = time.perf_counter()
    out["schools"] = services.grants_per_pupil(actor=proposer, allocation=plan, per_pupil=per_pupil)
    out["grants_s"] = time.perf_counter() - started
    enrolled = list(
        Enrolment.objects.filter(school_year=year, status=EnrolmentStatus.ENROLLED)
        .values_list("person_id", flat=True)
        .distinct()
    )
    rng.shuffle(enrolled)
    chosen = Person.objects.in_bulk(enrolled[: args.stipends])
    started = time.perf_counter()
    for person in chosen.values():
        services.add_stipend(
            actor=proposer, allocation=plan, person=person, amount=stipend, term="通年"
        )
    out["stipends_s"] = time.perf_counter() - started
    out["stipends"] = len(chosen)
    # Baseline: as many items written by hand, into a second (draft) allocation.
    other = services.create_allocation(actor=proposer, fund=fund, title="手書き (bench)")
    started = time.perf_counter()
    for person_id in list(chosen):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "INSERT INTO money_allocationitem (allocation_id, kind, person_id, amount, term,"
                " note, status) VALUES (%s, 'stipend', %s, %s, '', '', 'planned')",
                [other.pk, person_id, stipend],
            )
    out["stipends_raw_s"] = time.perf_counter() - started
    AllocationItem.objects.filter(allocation=other).delete()
    other.delete()
    started = time.perf_counter()
    services.propose(actor=proposer, allocation=plan)
    services.decide(actor=approver, allocation=plan, approve=True)
    out["approve_s"] = time.perf_counter() - started
    items = list(plan.items.order_by("pk"))
    out["items"] = len(items)
    started = time.perf_counter()
    for item in items:
        services.pay(actor=proposer, item=item)
    out["pay_s"] = time.perf_counter() - started
    # Baseline: the same payments by hand, against a second fund of the same size.
    fund2 = Fund.objects.get(
        pk=services.create_fund(
            actor=proposer,
            unit=fed,
            name="baseline (bench)",
            source="-",
            purpose="-",
            fiscal_year=year,
            amount=promised,
        ).pk
    )
    holder_cash = ledger.account(fed, "cash").pk
    school_accounts = {
        i.school_id: (
            ledger.account(i.school.unit, "cash").pk,
            ledger.account(i.school.unit, "grants_received").pk,
        )
        for i in items
        if i.school_id
    }
    now = timezone.now()
    today = timezone.localdate()
    started = time.perf_counter()
    for item in items:
        lines = [(fund2.account_id, item.amount), (holder_cash, -item.amount)]
        if item.school_id:
            cash, income = school_accounts[item.school_id]
            lines += [(cash, item.amount), (income, -item.amount)]
        with transaction.atomic(), connection.cursor() as cur:
            _raw_payment(cur, fed.pk, item.kind, today, lines, now)
    out["pay_raw_s"] = time.perf_counter() - started
    out["fund"] = fund
    return out


UTILISATION_SQL = [
    """
SELECT f.id, f.amount,
  (SELECT COALESCE(SUM(e.amount), 0) FROM money_entry e WHERE e.account_id = f.account_id),
  (SELECT COALESCE(SUM(i.amount), 0) FROM money_allocationitem i
     JOIN money_allocation a ON a.id = i.allocation_id
   WHERE a.fund_id = f.id AND a.status = 'approved'),
  (SELECT COALESCE(SUM(i.amount), 0) FROM money_allocationitem i
     JOIN money_allocation a ON a.id = i.allocation_id
   WHERE a.fund_id = f.id AND i.status = 'paid')
FROM money_fund f WHERE f.fiscal_year = %s
""",
    """
SELECT s.unit_id, COUNT(*), SUM(i.amount) FROM money_allocationitem i
  JOIN money_allocation a ON a.id = i.allocation_id
  JOIN money_fund f ON f.id = a.fund_id
  JOIN education_school s ON s.id = i.school_id
WHERE f.fiscal_year = %s AND i.status = 'paid' AND i.kind = 'grant'
GROUP BY s.unit_id
""",
    """
SELECT substr(u.path, 1, 21), COUNT(*), SUM(i.amount) FROM money_allocationitem i
  JOIN money_allocation a ON a.id = i.allocation_id
  JOIN money_fund f ON f.id = a.fund_id
  JOIN people_person p ON p.id = i.person_id
  JOIN org_unit u ON u.id = p.unit_id
WHERE f.fiscal_year = %s AND i.status = 'paid' AND i.kind = 'stipend'
GROUP BY 1
""",
]

DUES_SQL = [
    """
SELECT substr(u.path, 1, 21), m.status, COUNT(DISTINCT m.person_id)
FROM people_membership m JOIN people_person p ON p.id = m.person_id
  JOIN org_unit u ON u.id = p.unit_id
WHERE m.status IN ('member', 'supporter') AND p.erased_at IS NULL
  AND (m.joined IS NULL OR m.joined <= %s) AND (m.left IS NULL OR m.left >= %s)
GROUP BY 1, 2
""",
    """
SELECT substr(u.path, 1, 21), SUM(d.amount), COUNT(DISTINCT d.person_id)
FROM money_duespayment d JOIN org_unit u ON u.id = d.unit_id
WHERE d.fiscal_year = %s
  AND NOT EXISTS (SELECT 1 FROM money_transaction r WHERE r.reverses_id = d.transaction_id)
GROUP BY 1
""",
]


def reports(args: argparse.Namespace, treasurer: Any, year: int) -> dict[str, Any]:
    from django.db import connection

    from branchwork.money import selectors, services
    from branchwork.org.models import Unit

    fed = Unit.objects.get(parent__isnull=True)
    first, last = services.fiscal_year_bounds(year)

    def dues_ours() -> None:
        selectors.dues_by_branch(treasurer, fed, year)

    def dues_raw() -> None:
        with connection.cursor() as cur:
            cur.execute(DUES_SQL[0], [last, first])
            cur.fetchall()
            cur.execute(DUES_SQL[1], [year])
            cur.fetchall()

    def use_ours() -> None:
        selectors.utilisation(treasurer, year)
        selectors.paid_by_school(treasurer, year)
        selectors.stipends_by_branch(treasurer, year)

    def use_raw() -> None:
        with connection.cursor() as cur:
            for sql in UTILISATION_SQL:
                cur.execute(sql, [year])
                cur.fetchall()

    out: dict[str, Any] = {}
    for name, ours, raw in (("dues", dues_ours, dues_raw), ("use", use_ours, use_raw)):
        ours()
        raw()
        a, b = [], []
        for _ in range(args.runs):
            for fn, into in ((ours, a), (raw, b)):
                started = time.perf_counter()
                fn()
                into.append((time.perf_counter() - started) * 1000)
        out[name] = (a, b)
    return out


def section(result: dict[str, Any], command: str, started: float) -> list[str]:
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[result["engine"]]
    load = os.getloadavg()
    d, a, r = result["dues"], result["allocation"], result["reports"]

    def rate(n: int, s: float) -> str:
        return f"{n / s:,.0f}/s" if s else "–"

    lines = [
        MARK.format(engine=engine),
        f"## Money at {result['size']} size ({engine})",
        "",
        f"Written by `bench/money.py` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
        f" (`{command}`, {time.perf_counter() - started:.0f} s in all; {os.cpu_count()} CPUs,"
        f" load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}, Python"
        f" {platform.python_version()}). Every write goes through the project's services one"
        " at a time, as the pages make them; each baseline writes the same rows by hand, one"
        " database transaction each, with no checks, locks or audit records.",
        "",
        "| | |",
        "|---|---:|",
        f"| Dues payments of the fiscal year {d['year']} at the end | {d['payments']:,} |",
        f"| of which already in the demo | {d['already']:,} |",
        f"| of which completed in bulk (not timed as a product path) | {d['bulk']:,}"
        f" in {d['bulk_s']:.1f} s |",
        f"| Pupils enrolled this school year | {a['pupils']:,} |",
        f"| Transactions in the ledger | {result['transactions']:,} |",
        f"| Transactions whose entries do not balance | {result['unbalanced']} |",
    ]
    if "generate_s" in result:
        lines.append(f'| `build_demo(size="{result["size"]}")` | {result["generate_s"]:.1f} s |')
    lines += [
        "",
        "| Step | Rows | Project | Project rate | Baseline | Baseline rate | Project / baseline |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| Dues payments (`record_dues`) | {d['n']:,} | {d['ours_s']:.1f} s |"
        f" {rate(d['n'], d['ours_s'])} | {d['raw_s']:.1f} s | {rate(d['n'], d['raw_s'])} |"
        f" {d['ours_s'] / d['raw_s']:.1f}× |",
        f"| Stipends drafted (`add_stipend`) | {a['stipends']:,} | {a['stipends_s']:.1f} s |"
        f" {rate(a['stipends'], a['stipends_s'])} | {a['stipends_raw_s']:.1f} s |"
        f" {rate(a['stipends'], a['stipends_raw_s'])} |"
        f" {a['stipends_s'] / a['stipends_raw_s']:.1f}× |",
        f"| Grants to every school by pupils (`grants_per_pupil`) | {a['schools']} |"
        f" {a['grants_s'] * 1000:.0f} ms | | | | |",
        f"| Propose and approve (four eyes) | {a['items']:,} items | {a['approve_s'] * 1000:.0f}"
        " ms | | | | |",
        f"| Payments of every item (`pay`) | {a['items']:,} | {a['pay_s']:.1f} s |"
        f" {rate(a['items'], a['pay_s'])} | {a['pay_raw_s']:.1f} s |"
        f" {rate(a['items'], a['pay_raw_s'])} | {a['pay_s'] / a['pay_raw_s']:.1f}× |",
        "",
        f"Reports as `bench-treasurer-1` (treasurer of the federation, scoped), {len(r['dues'][0])}"
        " runs each, alternating with the hand-written SQL:",
        "",
        "| Report | p50 (ms) | p95 (ms) | baseline p50 (ms) | baseline p95 (ms) |"
        " p50 / baseline p50 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    names = {
        "dues": "Dues collection per branch of the federation (`dues_by_branch`)",
        "use": "Fund utilisation, grants by school, stipends by branch",
    }
    for key, label in names.items():
        ours, base = r[key]
        lines.append(
            f"| {label} | {statistics.median(ours):.0f} | {pct(ours, 95):.0f} |"
            f" {statistics.median(base):.0f} | {pct(base, 95):.0f} |"
            f" {statistics.median(ours) / max(statistics.median(base), 0.001):.1f}× |"
        )
    lines += ["", END.format(engine=engine)]
    return lines


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    from branchwork.money import ledger
    from branchwork.money.models import Transaction
    from branchwork.org.demo import build_demo
    from branchwork.org.models import Unit

    result: dict[str, Any] = {"engine": connection.vendor, "size": args.size}
    call_command("migrate", verbosity=0)
    if not Unit.objects.filter(code="FED").exists():
        started = time.perf_counter()
        build_demo(size=args.size, seed=1)
        result["generate_s"] = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    rng = random.Random(args.seed)  # noqa: S311 - which members, not a secret
    proposer, approver = treasurers()
    result["dues"] = dues(args, proposer, rng)
    result["allocation"] = allocation(args, proposer, approver, rng)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    result["reports"] = reports(args, proposer, result["dues"]["year"])
    result["transactions"] = Transaction.objects.count()
    result["unbalanced"] = len(list(ledger.unbalanced()))
    return result


def main() -> None:
    parser = common.parser(__doc__.splitlines()[0])
    parser.add_argument("--dues", type=int, default=10_000, help="dues payments timed")
    parser.add_argument("--stipends", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=10, help="times each report is run")
    parser.add_argument("--seed", type=int, default=11)
    common.main("money", parser.parse_args(), run, section)


if __name__ == "__main__":
    main()
