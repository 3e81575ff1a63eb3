"""Activities benchmark at national scale: ``bench/activities.py [--database-url URL]``.

On one database (a new SQLite file in a temporary directory by default; ``--database-url`` or
``BENCH_DATABASE_URL`` for PostgreSQL) this

1. generates the ``japan`` demo (~500,000 people in ~200,000 households, with its events,
   registrations and contacts) unless the database already holds a federation (``--reuse``);
2. tops the activity tables up to ``--activity-rows`` rows (default 2,000,000) of
   registrations and contacts over the last twelve months: weekly events in every branch with
   registrations of the branch's people (about 70 % present), and visits, calls and meetings
   with the branch's households (some with a follow-up), written with the project's bulk
   writer;
3. times, for ``--units`` branches and every region, as the officer of the unit would see it:
   * the "not contacted for 90 days" list (``selectors.quiet_households``), its first page of
     50 and its count, as the page reads it; beside it the raw SQL baseline: the same two
     questions written by hand (the count, and the first 50 households of the subtree with a
     current member and no contact since the cutoff, nearest follow-up first), no scoping;
   * the unit's twelve-month activity summary (``selectors.activity_summary``: four grouped
     queries); beside it the GROUP BY statements written by hand, no scoping;
   each query ``--runs`` times; p50 and p95 over all (unit, run) samples;
4. sends a newsletter of the federation to ``--recipients`` people (default 50,000; addresses
   and consents are given to the first that many people) through the project's sender
   (``sending.queue`` then ``sending.run``, the task's body) to an SMTP server on loopback
   (aiosmtpd, in this process, keeping only a count); beside it the baseline: the same number
   of ready-made messages pushed through one ``smtplib`` connection to the same server.

and writes its section of ``docs/benchmarks.md`` (one per database engine).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import secrets
import statistics
import time
from typing import Any

import common  # noqa: E402 - bench/ is on the path
from common import pct

MARK = "<!-- bench/activities.py {engine}: everything from here to the next such mark -->"
END = "<!-- end bench/activities.py {engine} -->"


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def top_up(target: int, rng: random.Random) -> dict[str, Any]:
    """Weekly events per branch with registrations, and contacts with households, until the
    registration and contact tables hold ``target`` rows between them."""
    from django.utils import timezone

    from branchwork.activities.models import Contact, Event, EventKind, Registration
    from branchwork.core.bulk import bulk_insert
    from branchwork.org.models import Unit, UnitKind
    from branchwork.people.models import HouseholdMember

    have = Registration.objects.count() + Contact.objects.count()
    out: dict[str, Any] = {"before": have}
    if have >= target:
        out["added"] = 0
        return out
    started = time.perf_counter()
    need = target - have
    branches = list(Unit.objects.filter(kind=UnitKind.BRANCH).order_by("pk"))
    paths = {b.pk: b.path for b in branches}
    homes_of: dict[int, list[tuple[int, int]]] = {b.pk: [] for b in branches}
    members = HouseholdMember.objects.filter(until__isnull=True).values_list(
        "household_id", "person_id", "household__unit__path"
    )
    by_prefix = {path: pk for pk, path in paths.items()}
    width = len(next(iter(paths.values())))
    for household_id, person_id, path in members.iterator(chunk_size=20_000):
        branch = by_prefix.get(path[:width])
        if branch is not None:
            homes_of[branch].append((household_id, person_id))
    kinds = list(EventKind.objects.all())
    now = timezone.now()
    today = timezone.localdate()
    # Half the rows registrations, the rest contacts.
    registrations_wanted = need // 2
    weeks = 52
    per_event = max(5, registrations_wanted // (len(branches) * weeks))
    events: list[Event] = []
    for branch in branches:
        for week in range(weeks):
            starts = now - dt.timedelta(days=7 * week + rng.randint(0, 6), hours=rng.randint(0, 8))
            events.append(
                Event(
                    unit=branch,
                    kind=rng.choice(kinds),
                    title_ja="定例行事",
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(hours=2),
                    public_key=secrets.token_urlsafe(18)[:24],
                    created_at=now,
                )
            )
    Event.objects.bulk_create(events, batch_size=5000)
    rows: list[tuple[Any, ...]] = []
    made = 0
    for event in events:
        homes = homes_of.get(event.unit_id) or []
        if not homes:
            continue
        for _household, person in rng.sample(homes, min(len(homes), per_event)):
            came = rng.random() < 0.7
            rows.append(
                (
                    event.pk,
                    person,
                    "registered",
                    secrets.token_urlsafe(12),
                    False,
                    event.starts_at if came else None,
                    now,
                    "",
                    "",
                    "participant",
                )
            )
            made += 1
            if made >= registrations_wanted:
                break
        if made >= registrations_wanted:
            break
    fields = (
        "event",
        "person",
        "status",
        "code",
        "walk_in",
        "attended_at",
        "created_at",
        "guest_name",
        "guest_contact",
        "role",
    )
    bulk_insert(Registration, fields, rows)
    out["registrations_added"] = len(rows)
    rows = []
    contacts_wanted = need - out["registrations_added"]
    all_homes = [h for b in branches for h in homes_of[b.pk]]
    channels = ("visit", "call", "message", "meeting")
    for _ in range(contacts_wanted):
        household, person = rng.choice(all_homes)
        day = today - dt.timedelta(days=rng.randint(0, 364))
        follow = day + dt.timedelta(days=rng.randint(7, 60)) if rng.random() < 0.1 else None
        rows.append(
            (
                household,
                person if rng.random() < 0.5 else None,
                day,
                rng.choice(channels),
                "",
                follow,
                now,
            )
        )
    bulk_insert(
        Contact,
        ("household", "person", "contacted_on", "channel", "note", "follow_up_on", "created_at"),
        rows,
    )
    out["contacts_added"] = len(rows)
    out["added"] = out["registrations_added"] + out["contacts_added"]
    out["top_up_s"] = time.perf_counter() - started
    return out


# --------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------

# The same questions written by hand (no scoping): the subtree's units by their path, then
# the rows through the units' ids, so each statement reaches its rows through the indexes.
SUBTREE = "SELECT id FROM org_unit WHERE path LIKE %s"

QUIET_SQL = [
    f"""
SELECT COUNT(*) FROM people_household h
WHERE h.unit_id IN ({SUBTREE})
  AND EXISTS (SELECT 1 FROM people_householdmember m
              WHERE m.household_id = h.id AND m.until IS NULL)
  AND NOT EXISTS (SELECT 1 FROM activities_contact c
                  WHERE c.household_id = h.id AND c.contacted_on >= %s)
""",
    f"""
SELECT h.id,
  (SELECT MAX(c.contacted_on) FROM activities_contact c WHERE c.household_id = h.id) AS last,
  (SELECT MIN(c.follow_up_on) FROM activities_contact c
   WHERE c.household_id = h.id AND c.follow_up_done_at IS NULL) AS next_follow_up
FROM people_household h
WHERE h.unit_id IN ({SUBTREE})
  AND EXISTS (SELECT 1 FROM people_householdmember m
              WHERE m.household_id = h.id AND m.until IS NULL)
  AND NOT EXISTS (SELECT 1 FROM activities_contact c
                  WHERE c.household_id = h.id AND c.contacted_on >= %s)
ORDER BY next_follow_up ASC NULLS LAST, last ASC NULLS FIRST, h.id
LIMIT 50
""",
]

SUMMARY_SQL = [
    f"""
SELECT {{month_e}}, COUNT(*) FROM activities_event e
WHERE e.unit_id IN ({SUBTREE}) AND e.status = 'scheduled'
  AND e.starts_at >= %s AND e.starts_at <= %s
GROUP BY 1
""",
    f"""
SELECT {{month_e}}, COUNT(*), COUNT(DISTINCT r.person_id)
FROM activities_registration r JOIN activities_event e ON e.id = r.event_id
WHERE e.unit_id IN ({SUBTREE}) AND e.status = 'scheduled'
  AND e.starts_at >= %s AND e.starts_at <= %s
  AND r.attended_at IS NOT NULL AND r.status <> 'cancelled'
GROUP BY 1
""",
    f"""
SELECT {{month_c}}, COUNT(*), COUNT(DISTINCT c.household_id)
FROM activities_contact c JOIN people_household h ON h.id = c.household_id
WHERE h.unit_id IN ({SUBTREE}) AND c.contacted_on >= %s AND c.contacted_on <= %s
GROUP BY 1
""",
]


def _month_sql(vendor: str) -> tuple[str, str]:
    """The month of an event (in Japan's time) and of a contact, as the page groups them."""
    if vendor == "postgresql":
        return (
            "to_char(e.starts_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM')",
            "to_char(c.contacted_on, 'YYYY-MM')",
        )
    return (
        "substr(datetime(e.starts_at, '+540 minutes'), 1, 7)",
        "substr(c.contacted_on, 1, 7)",
    )


def timed(fn: Any, unit: Any) -> float:
    started = time.perf_counter()
    fn(unit)
    return (time.perf_counter() - started) * 1000


def measure(args: argparse.Namespace, rng: random.Random) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from branchwork.access.models import Grant, Role
    from branchwork.access.scoping import forget_scope
    from branchwork.activities import selectors
    from branchwork.activities.models import Contact, Registration
    from branchwork.org.models import Unit, UnitKind

    officer = Role.objects.get(code="officer")
    branches = list(Unit.objects.filter(kind=UnitKind.BRANCH).order_by("pk"))
    regions = list(Unit.objects.filter(kind=UnitKind.REGION).order_by("pk"))
    chosen = rng.sample(branches, min(args.units, len(branches)))
    users: dict[int, Any] = {}
    from branchwork.access.models import User

    for unit in chosen + regions:
        user, _ = User.objects.get_or_create(username=f"bench-{unit.code}")
        Grant.objects.get_or_create(
            user=user, unit=unit, role=officer, defaults={"valid_from": timezone.localdate()}
        )
        forget_scope(user)
        users[unit.pk] = user
    today = timezone.localdate()
    cutoff = today - dt.timedelta(days=90)
    start_at = timezone.now() - dt.timedelta(days=366)
    month_e, month_c = _month_sql(connection.vendor)
    summary_sql = [s.format(month_e=month_e, month_c=month_c) for s in SUMMARY_SQL]

    def quiet(unit: Any) -> None:
        households = selectors.quiet_households(users[unit.pk], unit, 90)
        households.count()
        list(households[:50])

    def quiet_raw(unit: Any) -> None:
        with connection.cursor() as cur:
            for sql in QUIET_SQL:
                cur.execute(sql, [unit.path + "%", cutoff])
                cur.fetchall()

    def summary(unit: Any) -> None:
        selectors.activity_summary(users[unit.pk], unit)

    def summary_raw(unit: Any) -> None:
        with connection.cursor() as cur:
            for i, sql in enumerate(summary_sql):
                params: list[Any] = (
                    [unit.path + "%", start_at, timezone.now()]
                    if i < 2
                    else [unit.path + "%", start_at.date(), today]
                )
                cur.execute(sql, params)
                cur.fetchall()

    results: dict[str, Any] = {
        "registrations": Registration.objects.count(),
        "contacts": Contact.objects.count(),
        "rows": {},
    }
    for label, units in (("branch", chosen), ("region", regions)):
        for name, fn, raw in (("quiet", quiet, quiet_raw), ("summary", summary, summary_raw)):
            for unit in units[:2]:  # warm the caches
                fn(unit)
                raw(unit)
            ours, base = [], []
            for _ in range(args.runs):
                for unit in units:
                    ours.append(timed(fn, unit))
                    base.append(timed(raw, unit))
            results["rows"][(name, label)] = (len(units), ours, base)
    return results


def newsletter(args: argparse.Namespace) -> dict[str, Any]:
    """The send rate to a loopback SMTP server, beside raw smtplib to the same server."""
    import smtplib
    import socket
    import threading

    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat
    from django.utils import timezone

    from branchwork.access.models import User
    from branchwork.news import sending, services
    from branchwork.news.models import Delivery, Newsletter
    from branchwork.org.models import Unit
    from branchwork.people.models import Consent, Person

    class Counter:
        def __init__(self) -> None:
            self.n = 0
            self.lock = threading.Lock()

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            with self.lock:
                self.n += len(envelope.rcpt_tos)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        # Addresses and consents for the first N people: a newsletter of the federation.
        region = Unit.objects.get(parent__isnull=True, kind="federation")
        people = list(
            Person.objects.filter(
                unit__path__startswith=region.path,
                erased_at__isnull=True,
                deceased_date__isnull=True,
            )
            .order_by("pk")
            .values_list("pk", flat=True)[: args.recipients]
        )
        Consent.objects.filter(kind="newsletter").delete()
        Delivery.objects.all().delete()
        for start in range(0, len(people), 5000):
            chunk = people[start : start + 5000]
            Person.objects.filter(pk__in=chunk).update(
                email=Concat(Value("p"), Cast("pk", CharField()), Value("@example.jp"))
            )
            Consent.objects.bulk_create(
                [
                    Consent(
                        person_id=pk,
                        kind="newsletter",
                        given_on=timezone.localdate(),
                        source="bench",
                    )
                    for pk in chunk
                ]
            )
        admin = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
            "bench-admin", "bench@example.org", "x" * 24
        )
        letter = services.draft_newsletter(
            actor=admin,
            unit=region,
            title_ja="総連合だより",
            description_ja="今月の行事とお知らせです。\n" * 10,
            title_ko="지방본부 소식",
            description_ko="이번 달 행사와 소식입니다.\n" * 10,
        )
        from django.urls import reverse

        reverse("news:unsubscribe", args=["warm"])  # the URLconf is loaded once per worker
        started = time.perf_counter()
        queued = sending.queue(actor=admin, newsletter=letter)  # its task is run below
        queue_s = time.perf_counter() - started
        started = time.perf_counter()
        counts = sending.run(letter.pk)
        send_s = time.perf_counter() - started
        received = counter.n
        # Baseline: the same number of ready-made messages through one raw connection.
        body = "今月の行事とお知らせです。\n" * 10
        raw = [
            EmailMessage("地方本部だより", body, "bench@example.org", [f"r{i}@example.jp"])
            .message()
            .as_bytes()
            for i in range(min(queued, 2000))
        ]
        started = time.perf_counter()
        smtp = smtplib.SMTP("127.0.0.1", port)
        for i in range(queued):
            smtp.sendmail("bench@example.org", [f"r{i}@example.jp"], raw[i % len(raw)])
        smtp.quit()
        raw_s = time.perf_counter() - started
        Newsletter.objects.filter(pk=letter.pk).delete()
    finally:
        controller.stop()
    return {
        "recipients": queued,
        "queue_s": queue_s,
        "send_s": send_s,
        "sent": counts["sent"],
        "received": received,
        "raw_s": raw_s,
    }


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def section(result: dict[str, Any], command: str, started: float) -> list[str]:
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[result["engine"]]
    load = os.getloadavg()
    lines = [
        MARK.format(engine=engine),
        f"## Activities at japan size ({engine})",
        "",
        f"Written by `bench/activities.py` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
        f" (`{command}`, {time.perf_counter() - started:.0f} s in all; {os.cpu_count()} CPUs,"
        f" load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}, Python"
        f" {platform.python_version()}). Each query as the unit's officer would run it (scoped);"
        " the baseline is the same question in hand-written SQL without scoping, timed"
        " alternately with it. p50 and p95 are nearest-rank over every (unit, run) sample.",
        "",
        "| | |",
        "|---|---:|",
        f"| Registrations | {result['registrations']:,} |",
        f"| Contacts | {result['contacts']:,} |",
        f"| Registrations and contacts | {result['registrations'] + result['contacts']:,} |",
    ]
    if "generate_s" in result:
        lines.append(f'| `build_demo(size="{result["size"]}")` | {result["generate_s"]:.1f} s |')
    if result["top_up"].get("added"):
        lines.append(
            f"| Rows added by the benchmark | {result['top_up']['added']:,}"
            f" in {result['top_up']['top_up_s']:.1f} s |"
        )
    lines += [
        "",
        "| Query | Units | Samples | p50 (ms) | p95 (ms) | baseline p50 (ms) |"
        " baseline p95 (ms) | p95 / baseline p95 |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    names = {"quiet": "Not contacted for 90 days (page + count)", "summary": "12-month summary"}
    for (name, label), (n, ours, base) in result["rows"].items():
        lines.append(
            f"| {names[name]} | {n} {label}{'es' if label == 'branch' else 's'} | {len(ours)} |"
            f" {statistics.median(ours):.1f} | {pct(ours, 95):.1f} |"
            f" {statistics.median(base):.1f} | {pct(base, 95):.1f} |"
            f" {pct(ours, 95) / max(pct(base, 95), 0.001):.1f}× |"
        )
    mail = result["newsletter"]
    rate = mail["sent"] / mail["send_s"]
    raw_rate = mail["recipients"] / mail["raw_s"]
    lines += [
        "",
        "### Newsletter to the loopback SMTP server",
        "",
        f"The federation's newsletter (Japanese and Korean) to {mail['recipients']:,} people with an"
        " address and consent, sent by `sending.run` (the worker's task body: claims of ten,"
        " a message rendered per person in their language, one SMTP connection) to aiosmtpd in"
        " the same process. Baseline: as many ready-made messages through one `smtplib`"
        " connection to the same server.",
        "",
        "| | Messages | Time (s) | Messages per second |",
        "|---|---:|---:|---:|",
        f"| Queue (segment, deliveries written) | {mail['recipients']:,} | {mail['queue_s']:.1f} |"
        f" {mail['recipients'] / mail['queue_s']:,.0f} |",
        f"| Send | {mail['sent']:,} | {mail['send_s']:.1f} | {rate:,.0f} |",
        f"| Baseline (raw smtplib) | {mail['recipients']:,} | {mail['raw_s']:.1f} |"
        f" {raw_rate:,.0f} |",
        "",
        f"The server received {mail['received']:,} messages for {mail['sent']:,} deliveries"
        f" marked sent; the send runs at {rate / raw_rate:.0%} of the raw rate.",
        "",
        END.format(engine=engine),
    ]
    return lines


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    from branchwork.org.demo import build_demo
    from branchwork.org.models import Unit

    result: dict[str, Any] = {"engine": connection.vendor, "size": args.size}
    call_command("migrate", verbosity=0)
    if not Unit.objects.filter(code="FED").exists():
        started = time.perf_counter()
        build_demo(size=args.size, seed=1)
        result["generate_s"] = time.perf_counter() - started
    rng = random.Random(args.seed)
    result["top_up"] = top_up(args.activity_rows, rng)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    result.update(measure(args, rng))
    result["newsletter"] = newsletter(args)
    return result


def main() -> None:
    parser = common.parser(__doc__.splitlines()[0])
    parser.add_argument("--activity-rows", type=int, default=2_000_000)
    parser.add_argument("--units", type=int, default=30, help="branches measured")
    parser.add_argument("--runs", type=int, default=5, help="times each unit's query is run")
    parser.add_argument("--recipients", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    common.main("activities", parser.parse_args(), run, section)


if __name__ == "__main__":
    main()
