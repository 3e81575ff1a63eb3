"""Congress benchmark: 3,000 checked-in delegates vote in one secret poll over HTTP.

``bench/congress.py [--voters 3000] [--in-flight 200] [--runs 3]`` (``BENCH_DATABASE_URL=…``
for PostgreSQL; without it a new SQLite file in WAL mode, with immediate transactions, as the
project configures SQLite).

The real server (granian, as ``branchwork serve`` starts it: 2 worker processes here, 8 threads
each) runs on loopback. The delegates are confirmed and checked in, and each has the session a
phone gets from its voting pass (made directly, not timed). Each run opens a new secret poll and
sends every delegate's vote (``POST /polls/N/vote/``, JSON answer with the receipt) with a fixed
number of requests in flight; it stops when every delegate has voted once. Then the poll is
closed (sealed ballots opened, shuffled, written; the tally in SQL), and the run checks that
every vote was counted exactly once: as many ballots and participations as voters, and the
receipts the voters were given are exactly the receipts published.

Reported: votes/s over the whole poll, request latency p50/p99, errors, and the time to close
and tally. Target: all 3,000 in at most 10 s and the tally in at most 200 ms on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import http.client
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

WORKERS = 2
THREADS = 8
CSRF = "b" * 32  # the CSRF secret the bench's phones carry in their cookie and their header


def prepare(voters: int) -> dict[str, Any]:
    """A congress of the demo federation with ``voters`` confirmed, checked-in delegates, and a
    bound phone session for each."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from branchwork.access.models import User
    from branchwork.congress.models import (
        Congress,
        CongressKind,
        Credential,
        Delegate,
        DelegateRole,
        Quota,
    )
    from branchwork.congress.views import SESSION_DELEGATE, SESSION_KEY
    from branchwork.org.demo import build_demo
    from branchwork.org.models import Unit, UnitKind
    from branchwork.people.models import Person

    call_command("migrate", verbosity=0)
    if not Unit.objects.filter(code="FED").exists():
        build_demo(size="small", seed=1)
    fed = Unit.objects.get(code="FED")
    branch = Unit.objects.filter(kind=UnitKind.BRANCH).order_by("code").first()
    assert branch is not None
    today = timezone.localdate()
    number = (
        Congress.objects.filter(host=fed)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
        or 0
    ) + 1
    started = time.perf_counter()
    with transaction.atomic():
        congress = Congress.objects.create(
            host=fed,
            kind=CongressKind.CONGRESS,
            number=number,
            title=f"第{number}回大会 (bench)",
            starts_on=today,
            ends_on=today,
            quota_cutoff=today,
            quota_base=voters,
        )
        Quota.objects.create(
            congress=congress, unit=branch, members=0, delegates=voters, alternates=0
        )
        people = Person.objects.bulk_create(
            Person(unit=branch, family_name_hangul="김", given_name_hangul=f"대의원{i}")
            for i in range(voters)
        )
        keys = [secrets.token_hex(32) for _ in people]
        now = timezone.now()
        delegates = Delegate.objects.bulk_create(
            Delegate(
                congress=congress,
                unit=branch,
                person=p,
                role=DelegateRole.DELEGATE,
                credential=Credential.CONFIRMED,
                badge_code=f"B{congress.pk:03d}{i:06d}",
                checked_in_at=now,
                device_key=hashlib.sha256(key.encode()).hexdigest(),
            )
            for i, (p, key) in enumerate(zip(people, keys, strict=True))
        )
    sessions = []
    for d, key in zip(delegates, keys, strict=True):
        store = SessionStore()
        store[SESSION_DELEGATE] = d.pk
        store[SESSION_KEY] = key
        store["_refreshed"] = int(time.time())  # as the pass leaves it: no write on the next page
        store.create()
        sessions.append(store.session_key)
    admin = User.objects.filter(is_superuser=True, username="bench-congress").first()
    if admin is None:
        admin = User.objects.create_superuser("bench-congress", "bench@example.org", "x" * 24)
    return {
        "congress": congress,
        "sessions": sessions,
        "admin": admin,
        "prepare_s": time.perf_counter() - started,
    }


def vote_all(
    port: int,
    poll_id: int,
    option: int,
    sessions: list[str],
    in_flight: int,
    baseline: bool = False,
) -> dict[str, Any]:
    """Every session votes once, ``in_flight`` requests at a time; returns timings and receipts.
    With ``baseline``, the same requests (one per session, same cookies) go to ``/healthz``
    instead: the server's cost of a request that does nothing, measured in the same run."""
    queue = list(reversed(sessions))
    lock = threading.Lock()
    latencies: list[float] = []
    receipts: list[str] = []
    errors: list[str] = []
    body = f"option={option}"
    path = f"/polls/{poll_id}/vote/"

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                session = queue.pop()
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "Cookie": f"sessionid={session}; csrftoken={CSRF}",
                "X-CSRFToken": CSRF,
            }
            started = time.perf_counter()
            try:
                if baseline:
                    conn.request("GET", "/healthz", headers=headers)
                else:
                    conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(f"connection: {exc}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            took = time.perf_counter() - started
            with lock:
                latencies.append(took)
                if response.status == 200:
                    if not baseline:
                        receipts.append(json.loads(data)["receipt"])
                else:
                    errors.append(f"{response.status}: {data[:120]!r}")
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(in_flight)]
    cpu = time.process_time()
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {
        "client_cpu": time.process_time() - cpu,
        "wall": wall,
        "latencies": latencies,
        "receipts": receipts,
        "errors": errors,
    }


def _database_name() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        version = connection.pg_version  # type: ignore[attr-defined]
        return f"PostgreSQL {version // 10000}.{version % 10000}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    from branchwork.congress import services
    from branchwork.congress.models import Ballot, Participation, PollKind

    data = prepare(args.voters)
    congress, admin, sessions = data["congress"], data["admin"], data["sessions"]
    result: dict[str, Any] = {
        "engine": connection.vendor,
        "voters": args.voters,
        "in_flight": args.in_flight,
        "prepare_s": data["prepare_s"],
        "database": _database_name(),
        "runs": [],
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    port = common.free_port()
    server = common.start_granian(port, WORKERS, THREADS)
    try:
        common.wait_for(port, f"/congresses/{congress.pk}/live.json", timeout=60)
        for i in range(args.runs):
            poll = services.create_poll(
                actor=admin,
                congress=congress,
                title=f"採決 {i + 1}",
                kind=PollKind.YES_NO,
                secret=True,
            )
            poll = services.open_poll(actor=admin, poll=poll)
            yes = poll.options.get(code="yes").pk
            base = vote_all(port, poll.pk, yes, sessions, args.in_flight, baseline=True)
            out = vote_all(port, poll.pk, yes, sessions, args.in_flight)
            started = time.perf_counter()
            poll = services.close_poll(actor=admin, poll=poll)
            tally_s = time.perf_counter() - started
            published = set(Ballot.objects.filter(poll=poll).values_list("receipt", flat=True))
            counted_once = (
                poll.result["ballots"] == args.voters
                and poll.result["voters"] == args.voters
                and Participation.objects.filter(poll=poll).count() == args.voters
                and len(out["receipts"]) == args.voters
                and set(out["receipts"]) == published
            )
            lat = out["latencies"]
            entry = {
                "wall": out["wall"],
                "votes_per_s": args.voters / out["wall"],
                "baseline_wall": base["wall"],
                "baseline_errors": len(base["errors"]),
                "ratio": out["wall"] / base["wall"],
                "p50_ms": 1000 * common.pct(lat, 50) if lat else 0.0,
                "p99_ms": 1000 * common.pct(lat, 99) if lat else 0.0,
                "errors": len(out["errors"]),
                "first_errors": out["errors"][:3],
                "tally_ms": 1000 * tally_s,
                "client_cpu": out["client_cpu"],
                "counted_once": counted_once,
            }
            result["runs"].append(entry)
            print(
                f"  run {i + 1}: {out['wall']:.2f} s, {entry['votes_per_s']:.0f} votes/s, "
                f"p50 {entry['p50_ms']:.0f} ms, p99 {entry['p99_ms']:.0f} ms, "
                f"{entry['errors']} errors, {entry['ratio']:.1f}× /healthz, client CPU {entry['client_cpu']:.1f} s, tally {entry['tally_ms']:.0f} ms, "
                f"counted once: {counted_once}",
                flush=True,
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
    return result


def section(result: dict[str, Any], command: str, started: float) -> list[str]:
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[result["engine"]]
    name = result["database"]
    runs = result["runs"]

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    ok = all(r["counted_once"] and r["errors"] == 0 for r in runs)
    lines = [
        f"<!-- bench/congress.py {engine}: everything from here to the next such mark -->",
        "",
        f"### Congress vote, {name}",
        "",
        f"Written by `{command}` on {now} ({time.perf_counter() - started:.0f} s in all; "
        f"{os.cpu_count()} CPUs, load average at the end {load}, Python {platform.python_version()}). "
        f"{result['voters']:,} checked-in delegates vote once each in one secret yes/no poll, "
        f"{result['in_flight']} requests in flight, against granian on loopback ({WORKERS} worker "
        f"processes, {THREADS} threads each); then the poll is closed and counted. "
        f"{len(runs)} runs, medians; each run is a new poll. The baseline sends the same "
        "requests (one per delegate, same cookies, same concurrency) to `/healthz` (which "
        "answers after one `SELECT 1`) just before the poll: the ratio is what a vote costs "
        "beyond the server's own handling of a request.",
        "",
        "| Votes | Wall (s) | Votes/s | p50 (ms) | p99 (ms) | Errors | Same requests to `/healthz` (s) | Ratio | Close and tally (ms) | Every vote counted once |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| {result['voters']:,} | {med('wall'):.2f} | {med('votes_per_s'):,.0f} | "
        f"{med('p50_ms'):.0f} | {med('p99_ms'):.0f} | {sum(r['errors'] for r in runs)} | "
        f"{med('baseline_wall'):.2f} | {med('ratio'):.1f}× | "
        f"{med('tally_ms'):.0f} | {'yes, every run' if ok else 'NO'} |",
        "",
        "Every run (wall s / p99 ms / tally ms): "
        + "; ".join(f"{r['wall']:.2f} / {r['p99_ms']:.0f} / {r['tally_ms']:.0f}" for r in runs)
        + ".",
        "",
        f"- All {result['voters']:,} votes in {med('wall'):.1f} s (target ≤ 10 s): "
        + ("meets" if med("wall") <= 10 else "misses")
        + f"; close and tally in {med('tally_ms'):.0f} ms (target ≤ 200 ms on PostgreSQL): "
        + ("meets" if med("tally_ms") <= 200 else "misses")
        + ".",
        "",
        f"<!-- end bench/congress.py {engine} -->",
    ]
    return lines


def main() -> None:
    parser = common.parser(__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=3000)
    parser.add_argument("--in-flight", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    common.main("congress", parser.parse_args(), run, section)


if __name__ == "__main__":
    main()
