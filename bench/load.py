"""Load benchmark: 200 officers of 200 branches browse, search and record contacts over HTTP.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:54346/postgres make bench-load
    .venv/bin/python bench/load.py [--users 200] [--seconds 120] [--think 6] [--warmup 60]
    .venv/bin/python bench/load.py --users 50 --seconds 20 --keep --reuse --no-write   # a try-out

What ``make bench`` runs: ``bench-load`` (this script), then ``bench-backup``
(bench/backup.py), then bench/run.py; run.py rewrites the top of docs/benchmarks.md and keeps
every section after it, these two among them.

The database. With ``BENCH_DATABASE_URL`` (the URL only names the server: its own database is
never touched) a database of this benchmark's own, ``branchwork_bench_load``, is created on that
server, migrated and filled with ``build_demo(size="japan", seed=1)``, and dropped at the end
(``--keep`` keeps it; ``--reuse`` then uses it again as it is if it already holds the demo).
Without the URL the same runs on a new SQLite file in a temporary directory.

The officers. ``--users`` branches spread over the japan tree (every region) each get one
officer, a user of their own with a grant on that branch: three in five hold the ``officer``
role (view, edit), one in five ``registrar`` (view, edit, sensitive) and one in five
``unit_admin`` (view, edit, admin). The last two need a second factor, so they have a confirmed
TOTP device and a session verified with it. Each session is made directly in the session
store, as a sign-in through the form leaves it (the sign-in itself is not part of the load:
its argon2 hash and the sign-in rate limit per client address are benchmarked elsewhere).

The server is granian on loopback, as ``branchwork serve`` starts it (``--workers`` processes,
``--threads`` threads each; no task worker, no static files: a browser caches those). Every
officer is a thread with its own keep-alive connection and cookies, and repeats, until the time
is up, one of these activities, chosen at random (weights in ``ACTIVITIES``):

* browse: the branch page, the people list of the branch (page 1 to 3), a person, a household;
* events: the branch's events, one event;
* search: the people list, then the search as the page's search-as-you-type sends it (htmx,
  first the family name, 0.3 to 1 s later the full name), then the person found;
* record a contact: a household's contact page, the form posted (a visit, call, message or
  meeting, with the household or one of its members, a short note), the redirect followed;
* my work: the home page.

Between two pages an officer thinks for 0.5 to 1.5 times ``--think`` seconds (twice that to
fill in the contact form). Searches stay far below the limit of ``SEARCH_RATE_LIMIT`` (300 per
user and minute). After each activity the officer's connection also asks ``/healthz`` (one
``SELECT 1``): the baseline, measured under the same load in the same run.

Officers start at random moments within their first think time; ``--warmup`` seconds of this
load come before the measured ``--seconds`` (a minute by default: the workers' memory grows
while their bounded caches of names and pages fill, for about two minutes from a cold start
in a ten-minute run, then stays within a few MB). An error is any answer other than the one
expected (200 for a page; 302 back to the contact page for the posted form), a page cut short
(no ``</html>``), a search answered with the rate-limit message, a timeout (``--timeout``) or
a broken connection. After the run every contact the officers' posts reported recorded must
be in the database, once. The server processes' resident memory (RSS, from ``/proc``) and the
load average are sampled every second; the first and the last minute of the measured run are
compared (the first and last half when the run is shorter than two minutes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
import backup as bench_db  # noqa: E402  (its PostgreSQL helpers: a database of our own)
import common  # noqa: E402

SEED = 1
DATABASE = f"{bench_db.PG_PREFIX}load"
ROLE_MIX = ("officer", "registrar", "officer", "unit_admin", "officer")  # by officer number
ACTIVITIES = {"browse": 5, "search": 3, "contact": 2, "events": 1, "home": 1}
KINDS = [  # the kinds of request, in the report's order
    ("home", "my work `/`"),
    ("branch", "branch page `/units/B…/`"),
    ("people", "people list `/people/?unit=…&page=…`"),
    ("search", "search as you type (htmx) `/people/?unit=…&q=…`"),
    ("person", "person `/people/N/`"),
    ("household", "household `/households/N/`"),
    ("events", "branch events `/units/B…/events/`"),
    ("event", "event `/events/N/`"),
    ("contact_form", "contact page `/households/N/contacts/`"),
    ("contact_post", "contact recorded (POST, 302)"),
    ("contact_after", "contact page after the redirect"),
    ("healthz", "baseline `/healthz`"),
]
CHANNELS = ("visit", "call", "message", "meeting")
NOTES = ("近況を伺った", "행사 안내", "Talked about the autumn festival", "健康状態を確認", "")
TOKYO = ZoneInfo("Asia/Tokyo")
SERIES_BIN = 30  # seconds: the report's series of memory samples


# --------------------------------------------------------------------------------------------
# Preparing the database and the officers (in this process, with Django)
# --------------------------------------------------------------------------------------------


@dataclass
class Officer:
    n: int
    username: str
    role: str
    branch: str
    session: str
    people: list[tuple[int, str, str]]  # id, what is typed first, the full query
    households: list[tuple[int, list[int]]]  # id, current members
    events: list[int]
    cookies: dict[str, str] = field(default_factory=dict)


def _queries(row: tuple[str, ...], rng: random.Random) -> tuple[str, str] | None:
    """What an officer types to find this person: the family name, then the full name, in one
    of the scripts the registry holds (hangul, kanji, kana, romanised, everyday name)."""
    hf, hg, kf, kg, af, ag, lf, lg, ef, eg = row
    forms = [
        (hf, f"{hf}{hg}", hf and hg),
        (kf, f"{kf} {kg}", kf and kg),
        (af, f"{af} {ag}", af and ag),
        (lf, f"{lf} {lg}", lf and lg),
        (ef, f"{ef} {eg}", ef and eg),
    ]
    usable = [(first, full) for first, full, ok in forms if ok]
    return rng.choice(usable) if usable else None


def prepare(users: int, size: str, reuse: bool) -> dict[str, Any]:
    """Migrate, build the demo unless it is there, and make the officers and their sessions."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from branchwork.access.models import Grant, Role, User
    from branchwork.activities.models import Event
    from branchwork.org.demo import build_demo
    from branchwork.org.models import Unit, UnitKind
    from branchwork.people.models import Household, HouseholdMember, Person

    out: dict[str, Any] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    out["migrate_s"] = time.perf_counter() - started
    if Unit.objects.filter(code="FED").exists():
        if not reuse:
            raise SystemExit("bench: the new database already holds a federation")
        out["build_s"] = None
    else:
        started = time.perf_counter()
        build_demo(size=size, seed=SEED)
        out["build_s"] = time.perf_counter() - started
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("VACUUM ANALYZE")
    out["people_total"] = Person.objects.count()
    branches = list(Unit.objects.filter(kind=UnitKind.BRANCH).order_by("code"))
    out["branches_total"] = len(branches)
    # Branches with households (a few of the demo's have no territory, so nobody lives there).
    lived = set(Household.objects.values_list("unit__path", flat=True).distinct())
    branches = [b for b in branches if any(p.startswith(b.path) for p in lived)]
    chosen = [branches[(i * len(branches)) // users % len(branches)] for i in range(users)]
    if users > len(branches):
        chosen = [branches[i % len(branches)] for i in range(users)]
    out["branches"] = len({b.pk for b in chosen})
    out["regions"] = len({b.parent_id for b in chosen})

    roles = {r.code: r for r in Role.objects.all()}
    today = timezone.localdate()
    officers: list[Officer] = []
    rng = random.Random(SEED)
    two_factor = set(settings.TWO_FACTOR_PERMISSIONS)
    started = time.perf_counter()
    for i, branch in enumerate(chosen):
        role = ROLE_MIX[i % len(ROLE_MIX)]
        username = f"bench-load-{i:03d}-{branch.code.lower()}-{role}"
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@bench.example"}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            Grant.objects.create(
                user=user, role=roles[role], unit=branch, valid_from=today - dt.timedelta(days=30)
            )
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        if roles[role].permissions & two_factor:
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
            store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store["_refreshed"] = int(time.time())  # as a sign-in leaves it (no write on page one)
        store.create()

        rows = list(
            Person.objects.filter(unit__path__startswith=branch.path, erased_at__isnull=True)
            .exclude(family_name_hangul="", family_name_kanji="", family_name_latin="")
            .values_list(
                "pk",
                "family_name_hangul",
                "given_name_hangul",
                "family_name_kanji",
                "given_name_kanji",
                "family_name_kana",
                "given_name_kana",
                "family_name_latin",
                "given_name_latin",
                "everyday_family_name",
                "everyday_given_name",
            )
        )
        rng.shuffle(rows)
        people = []
        for pk, *names in rows[:60]:
            typed = _queries(tuple(names), rng)
            if typed:
                people.append((pk, typed[0], typed[1]))
        members: dict[int, list[int]] = defaultdict(list)
        links = (
            HouseholdMember.objects.filter(
                household__unit__path__startswith=branch.path,
                until__isnull=True,
                person__erased_at__isnull=True,
            )
            .values_list("household_id", "person_id")
            .order_by("household_id", "pk")
        )
        for household_id, person_id in links:
            members[household_id].append(person_id)
        households = sorted(members.items())
        rng.shuffle(households)
        events = list(Event.objects.filter(unit=branch).values_list("pk", flat=True))
        if not people or not households:
            raise SystemExit(f"bench: branch {branch.code} has no people or households")
        officers.append(
            Officer(
                n=i,
                username=username,
                role=role,
                branch=branch.code,
                session=store.session_key or "",
                people=people,
                households=households[:60],
                events=events,
            )
        )
    out["officers_s"] = time.perf_counter() - started
    out["officers"] = officers
    out["user_ids"] = list(
        User.objects.filter(username__in=[o.username for o in officers]).values_list(
            "pk", flat=True
        )
    )
    out["roles"] = Counter(o.role for o in officers)
    return out


def contacts_by(user_ids: list[int]) -> int:
    from branchwork.activities.models import Contact

    return Contact.objects.filter(officer_id__in=user_ids).count()


def database_name() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        version = connection.pg_version  # type: ignore[attr-defined]
        return f"PostgreSQL {version // 10000}.{version % 10000}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


# --------------------------------------------------------------------------------------------
# The server and what it uses
# --------------------------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from /proc)."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children[ppid].append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return sorted(out)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    """Every second: the RSS of each server process, the CPU time they have used in all (the
    processes live as long as the server, so the sum only grows) and the load average."""

    def __init__(self, pid: int, epoch: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.epoch = pid, epoch
        self.samples: list[tuple[float, dict[int, int], float, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            t = time.monotonic() - self.epoch
            pids = descendants(self.pid)
            rss = {p: v for p in pids if (v := rss_kib(p))}
            cpu = sum(cpu_seconds(p) for p in pids)
            self.samples.append((t, rss, os.getloadavg()[0], cpu))
            self.stop.wait(1.0)


# --------------------------------------------------------------------------------------------
# The officers (threads)
# --------------------------------------------------------------------------------------------

CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
DATE_FIELD = re.compile(rb'name="contacted_on" value="([0-9-]+)"')


@dataclass
class Record:
    t: float  # when the request started, seconds after the measured run began (< 0: warm-up)
    user: int
    kind: str
    seconds: float
    status: int
    error: str  # "" when the answer is the one expected


class Run:
    def __init__(self, port: int, think: float, timeout: float, epoch: float, end: float) -> None:
        self.port, self.think, self.timeout = port, think, timeout
        self.epoch, self.end = epoch, end  # monotonic: the measured run's start and its end
        self.records: list[Record] = []
        self.lock = threading.Lock()

    # One officer's requests -------------------------------------------------------------

    def officer(self, o: Officer) -> None:
        rng = random.Random(SEED * 1000 + o.n)
        conn = self._connect()
        o.cookies = {"sessionid": o.session}
        names, weights = list(ACTIVITIES), list(ACTIVITIES.values())
        time.sleep(rng.uniform(0, self.think))
        while time.monotonic() < self.end:
            activity = rng.choices(names, weights)[0]
            conn = getattr(self, f"_{activity}")(o, conn, rng)
            if time.monotonic() < self.end:
                conn, _ = self._request(o, conn, "healthz", "GET", "/healthz")
        conn.close()

    def _browse(self, o: Officer, conn: Any, rng: random.Random) -> Any:
        person = rng.choice(o.people)[0]
        household = rng.choice(o.households)[0]
        page = rng.choice((1, 1, 2, 3))
        steps = [
            ("branch", f"/units/{o.branch}/"),
            ("people", f"/people/?{urlencode({'unit': o.branch, 'page': page})}"),
            ("person", f"/people/{person}/"),
            ("household", f"/households/{household}/"),
        ]
        for kind, path in steps:
            if not self._pause(rng):
                break
            conn, _ = self._request(o, conn, kind, "GET", path)
        return conn

    def _events(self, o: Officer, conn: Any, rng: random.Random) -> Any:
        if self._pause(rng):
            conn, _ = self._request(o, conn, "events", "GET", f"/units/{o.branch}/events/")
        if o.events and self._pause(rng):
            conn, _ = self._request(o, conn, "event", "GET", f"/events/{rng.choice(o.events)}/")
        return conn

    def _home(self, o: Officer, conn: Any, rng: random.Random) -> Any:
        if self._pause(rng):
            conn, _ = self._request(o, conn, "home", "GET", "/")
        return conn

    def _search(self, o: Officer, conn: Any, rng: random.Random) -> Any:
        person, first, full = rng.choice(o.people)
        if not self._pause(rng):
            return conn
        conn, _ = self._request(o, conn, "people", "GET", f"/people/?unit={o.branch}")
        for typed in (first, full):
            if not self._pause(rng, typing=True):
                return conn
            path = f"/people/?{urlencode({'unit': o.branch, 'q': typed})}"
            conn, _ = self._request(o, conn, "search", "GET", path, htmx=True)
        if self._pause(rng):
            conn, _ = self._request(o, conn, "person", "GET", f"/people/{person}/")
        return conn

    def _contact(self, o: Officer, conn: Any, rng: random.Random) -> Any:
        household, members = rng.choice(o.households)
        path = f"/households/{household}/contacts/"
        if not self._pause(rng):
            return conn
        conn, body = self._request(o, conn, "contact_form", "GET", path)
        token, day = CSRF_FIELD.search(body or b""), DATE_FIELD.search(body or b"")
        if token is None or not self._pause(rng, form=True):
            return conn
        form = {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "contacted_on": day.group(1).decode() if day else dt.datetime.now(TOKYO).date(),
            "channel": rng.choice(CHANNELS),
            "person": rng.choice(["", *map(str, members)]),
            "note": rng.choice(NOTES),
            "follow_up_on": "",
        }
        conn, _ = self._request(o, conn, "contact_post", "POST", path, form=form, expect=path)
        conn, _ = self._request(o, conn, "contact_after", "GET", path)  # the redirect followed
        return conn

    # Plumbing ---------------------------------------------------------------------------

    def _pause(self, rng: random.Random, *, typing: bool = False, form: bool = False) -> bool:
        """Think before the next request; False when the run ends meanwhile."""
        if typing:
            seconds = rng.uniform(0.3, 1.0)
        else:
            seconds = rng.uniform(0.5, 1.5) * self.think * (2 if form else 1)
        left = self.end - time.monotonic()
        if seconds >= left:
            time.sleep(max(0.0, left))
            return False
        time.sleep(seconds)
        return True

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def _request(
        self,
        o: Officer,
        conn: http.client.HTTPConnection,
        kind: str,
        method: str,
        path: str,
        *,
        htmx: bool = False,
        form: dict[str, Any] | None = None,
        expect: str = "",
    ) -> tuple[http.client.HTTPConnection, bytes | None]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in o.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if htmx:
            headers["HX-Request"] = "true"
            headers["HX-Current-URL"] = f"http://127.0.0.1:{self.port}/people/?unit={o.branch}"
        started = time.monotonic()
        data: bytes | None = None
        status, error = 0, ""
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
            self._cookies(o, response.headers.get_all("Set-Cookie") or [])
            error = self._check(kind, status, response.getheader("Location", ""), data, expect)
        except TimeoutError:
            error = "timeout"
        except (OSError, http.client.HTTPException) as exc:
            error = f"connection: {type(exc).__name__}: {exc}"
        took = time.monotonic() - started
        if error and status == 0:
            conn.close()
            conn = self._connect()
        with self.lock:
            self.records.append(Record(started - self.epoch, o.n, kind, took, status, error))
            if error and sum(1 for r in self.records if r.error) <= 5:
                print(f"  error: {o.username} {method} {path}: {error}", file=sys.stderr)
        return conn, data

    @staticmethod
    def _check(kind: str, status: int, location: str, data: bytes, expect: str) -> str:
        if kind == "contact_post":
            if status != 302 or not location.endswith(expect):
                hint = " (the form came back with errors)" if status == 200 else ""
                return f"status {status}{hint}, to {location!r}"
            return ""
        if status != 200:
            return f"status {status}" + (f" to {location}" if location else "")
        if kind == "healthz":
            return "" if data == b"ok" else "unexpected body"
        if kind == "search":
            if b'role="alert"' in data:
                return "search refused: rate limit"
            return "" if b'class="people"' in data or b'class="empty"' in data else "no results"
        return "" if b"</html>" in data else "page cut short"

    @staticmethod
    def _cookies(o: Officer, headers: list[str]) -> None:
        for header in headers:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    o.cookies.pop(name, None)
                else:
                    o.cookies[name] = morsel.value


def warm_up_server(port: int, officers: list[Officer], workers: int) -> int:
    """Each page once per server process before anything is measured (imports, templates)."""
    run = Run(port, 0.0, 60, time.monotonic(), time.monotonic() + 3600)
    rng = random.Random(0)
    for o in officers[: workers * 4]:
        conn = run._connect()
        o.cookies = {"sessionid": o.session}
        for activity in ACTIVITIES:
            conn = getattr(run, f"_{activity}")(o, conn, rng)
        conn.close()
    bad = [r for r in run.records if r.error]
    if bad:
        raise SystemExit(f"bench: the warm-up failed: {bad[:3]}")
    return sum(1 for r in run.records if r.kind == "contact_post")


# --------------------------------------------------------------------------------------------
# The run and its report
# --------------------------------------------------------------------------------------------


def run(args: argparse.Namespace, url: str, scratch: Path) -> dict[str, Any]:
    common.setup(url, scratch / "var")
    from django.conf import settings
    from django.db import connection

    started = time.perf_counter()
    print(f"bench: preparing {args.users} officers on the {args.size} demo", file=sys.stderr)
    prepared = prepare(args.users, args.size, args.reuse)
    officers: list[Officer] = prepared["officers"]
    contacts_before = contacts_by(prepared["user_ids"])
    result: dict[str, Any] = {
        "engine": connection.vendor,
        "database": database_name(),
        "prepare_s": time.perf_counter() - started,
        "search_limit": settings.SEARCH_RATE_LIMIT[0],
        **{k: v for k, v in prepared.items() if k != "officers"},
    }
    connection.close()
    port = common.free_port()
    log = scratch / "server.log"
    server = common.start_granian(port, args.workers, args.threads, log)
    try:
        common.wait_for(port)
        warm_posts = warm_up_server(port, officers, args.workers)
        print(
            f"bench: {len(officers)} officers, {args.warmup} s warm-up, then {args.seconds} s",
            file=sys.stderr,
        )
        epoch = time.monotonic() + args.warmup
        end = epoch + args.seconds
        sampler = Sampler(server.pid, epoch)
        load_start = os.getloadavg()
        cpu = time.process_time()
        sampler.start()
        load = Run(port, args.think, args.timeout, epoch, end)
        threads = [threading.Thread(target=load.officer, args=(o,)) for o in officers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        finished = time.monotonic()
        sampler.stop.set()
        sampler.join()
        result["client_cpu_s"] = time.process_time() - cpu
        result["load_start"] = load_start
        result["load_end"] = os.getloadavg()
        result["tail_s"] = finished - end
        result["server_pid"] = server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
    log_text = log.read_text(errors="replace")
    result["server_log_lines"] = len(log_text.splitlines())
    result["server_tracebacks"] = log_text.count("Traceback")
    if log_text.strip():
        print("bench: the server's log (last lines):", file=sys.stderr)
        print("\n".join(log_text.splitlines()[-40:]), file=sys.stderr)
    posted = warm_posts + sum(1 for r in load.records if r.kind == "contact_post" and not r.error)
    result["contacts_posted"] = posted
    result["contacts_recorded"] = contacts_by(prepared["user_ids"]) - contacts_before
    connection.close()
    result["records"] = load.records
    result["samples"] = sampler.samples
    result["args"] = vars(args)
    result["seconds_total"] = time.perf_counter() - started
    return result


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    args = result["args"]
    measured = [r for r in result["records"] if 0 <= r.t < args["seconds"]]
    warm = [r for r in result["records"] if r.t < 0]
    late = [r for r in result["records"] if r.t >= args["seconds"]]
    by_kind: dict[str, list[Record]] = defaultdict(list)
    for r in measured:
        by_kind[r.kind].append(r)
    base = [r.seconds for r in by_kind.get("healthz", []) if not r.error]
    base_p50 = common.pct(base, 50) if base else float("nan")
    kinds = {}
    for kind, _label in KINDS:
        rs = by_kind.get(kind, [])
        ok = [r.seconds for r in rs if not r.error] or [float("nan")]
        kinds[kind] = {
            "n": len(rs),
            "errors": sum(1 for r in rs if r.error),
            "p50": 1000 * common.pct(ok, 50),
            "p99": 1000 * common.pct(ok, 99),
            "max": 1000 * max(ok),
            "ratio": common.pct(ok, 50) / base_p50 if base else float("nan"),
        }
    officer = [r for r in measured if r.kind != "healthz"]
    ok_all = [r.seconds for r in officer if not r.error] or [float("nan")]
    errors = Counter(r.error for r in result["records"] if r.error)
    # Memory: the server processes' RSS, the first against the last minute of the run.
    window = min(60.0, args["seconds"] / 2)
    samples = [s for s in result["samples"] if 0 <= s[0] <= args["seconds"]]
    pids = sorted({p for _t, rss, _l, _c in result["samples"] for p in rss})

    def mean_rss(lo: float, hi: float, pid: int | None = None) -> float:
        values = [
            (rss.get(pid, 0) if pid is not None else sum(rss.values())) / 1024
            for t, rss, _l, _c in samples
            if lo <= t <= hi
        ]
        return statistics.fmean(values) if values else float("nan")

    memory = []
    for pid in [*pids, None]:
        first = mean_rss(0, window, pid)
        last = mean_rss(args["seconds"] - window, args["seconds"], pid)
        peak = max(
            ((rss.get(pid, 0) if pid is not None else sum(rss.values())) / 1024)
            for _t, rss, _l, _c in samples
        )
        start = (
            (samples[0][1].get(pid, 0) if pid is not None else sum(samples[0][1].values())) / 1024
            if samples
            else float("nan")
        )
        memory.append({"pid": pid, "start": start, "first": first, "last": last, "peak": peak})
    loads = [s[2] for s in samples]
    cpu = samples[-1][3] - samples[0][3] if len(samples) > 1 else float("nan")
    cpu_wall = samples[-1][0] - samples[0][0] if len(samples) > 1 else float("nan")
    served = sum(1 for r in measured if samples and samples[0][0] <= r.t <= samples[-1][0])
    return {
        "measured": len(officer),
        "healthz": len(by_kind.get("healthz", [])),
        "errors": sum(1 for r in measured if r.error),
        "warm": len(warm),
        "warm_errors": sum(1 for r in warm if r.error),
        "late": len(late),
        "late_errors": sum(1 for r in late if r.error),
        "error_kinds": errors,
        "rate": len(officer) / args["seconds"],
        "all_p50": 1000 * common.pct(ok_all, 50),
        "all_p99": 1000 * common.pct(ok_all, 99),
        "base_p50": 1000 * base_p50,
        "kinds": kinds,
        "window": window,
        "memory": memory,
        "series": [mean_rss(lo, lo + SERIES_BIN) for lo in range(0, args["seconds"], SERIES_BIN)],
        "server_cpu": cpu,
        "server_cpu_wall": cpu_wall,
        "cpu_ms_per_request": 1000 * cpu / served if served else float("nan"),
        "load_min": min(loads) if loads else float("nan"),
        "load_max": max(loads) if loads else float("nan"),
        "searches_per_minute": max(
            Counter(
                (r.user, int(r.t // 60)) for r in result["records"] if r.kind == "search"
            ).values(),
            default=0,
        ),
    }


def section(result: dict[str, Any], s: dict[str, Any], command: str) -> list[str]:
    args = result["args"]
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[result["engine"]]
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    total_errors = s["errors"] + s["warm_errors"] + s["late_errors"]
    all_requests = s["measured"] + s["healthz"] + s["warm"] + s["late"]
    roles = ", ".join(f"{n} `{role}`" for role, n in sorted(result["roles"].items()))
    total = s["memory"][-1]
    growth = total["last"] - total["first"]
    grew = growth / total["first"] if total["first"] else float("nan")
    build = (
        f'`build_demo(size="{args["size"]}", seed={SEED})` took {result["build_s"]:.0f} s'
        if result["build_s"] is not None
        else "kept from an earlier run of this script with `--keep` and used again with "
        "`--reuse`, so it also holds that run's contacts and sessions"
    )

    def fmt(v: float, digits: int = 0) -> str:
        return "–" if v != v else f"{v:,.{digits}f}"

    lines = [
        f"<!-- bench/load.py {engine}: everything from here to the next such mark -->",
        "",
        f"## Load: {args['users']} officers for {args['seconds']} s ({engine})",
        "",
        f"Written by `{command}` on {now} ({result['seconds_total']:.0f} s in all; "
        f"{os.cpu_count()} CPUs shared with other work: load average "
        f"{' / '.join(f'{x:.2f}' for x in result['load_start'])} at the start, "
        f"{' / '.join(f'{x:.2f}' for x in result['load_end'])} at the end, the 1-minute average "
        f"between {s['load_min']:.2f} and {s['load_max']:.2f} during the run; Python "
        f"{platform.python_version()}, {result['database']}). The {args['size']} demo "
        f"({result['people_total']:,} people) in a database of the run's own ({build}). "
        f"{args['users']} officers, each a user of their own signed in to one of "
        f"{result['branches']} branches in {result['regions']} regions ({roles}; the "
        "`registrar` and `unit_admin` sessions verified with a second factor), browse, search "
        "and record contacts against granian on loopback "
        f"({args['workers']} worker processes, {args['threads']} threads each), thinking "
        f"{0.5 * args['think']:.1f} to {1.5 * args['think']:.1f} s between pages. "
        f"{args['warmup']} s of warm-up under the same load, then {args['seconds']} s measured; "
        "see the docstring of `bench/load.py` for the activities. The baseline is `/healthz`, "
        "asked by every officer after each activity, under the same load.",
        "",
        "| Request | Count | Errors | p50 (ms) | p99 (ms) | max (ms) | p50 / baseline p50 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, label in KINDS:
        k = s["kinds"][kind]
        lines.append(
            f"| {label} | {k['n']:,} | {k['errors']} | {fmt(k['p50'])} | {fmt(k['p99'])} | "
            f"{fmt(k['max'])} | {fmt(k['ratio'], 1)}× |"
        )
    lines += [
        f"| **every officer request** (not the baseline) | **{s['measured']:,}** | "
        f"**{s['errors']}** | **{fmt(s['all_p50'])}** | **{fmt(s['all_p99'])}** | | "
        f"{fmt(s['all_p50'] / s['base_p50'], 1)}× |",
        "",
        f"- Throughput: {s['rate']:.1f} officer requests/s ({s['measured']:,} in "
        f"{args['seconds']} s), plus {s['healthz'] / args['seconds']:.1f} baseline requests/s.",
        f"- Errors: {total_errors} of {all_requests:,} requests, warm-up and the requests "
        f"finishing after the end included (error rate {total_errors / max(1, all_requests):.2%})"
        + (
            ": " + "; ".join(f"{n} × {e}" for e, n in s["error_kinds"].most_common(5))
            if total_errors
            else ""
        )
        + f". The server logged {result['server_tracebacks']} tracebacks.",
        f"- Contacts: {result['contacts_posted']:,} posts answered “recorded”, and "
        f"{result['contacts_recorded']:,} new contacts by these officers are in the database "
        + (
            "(every one, once)."
            if result["contacts_posted"] == result["contacts_recorded"]
            else "(MISMATCH)."
        ),
        f"- Searches: at most {s['searches_per_minute']} by one officer in any minute of the run "
        f"(the limit is {result['search_limit']} per user and minute).",
        f"- CPU: the server processes used {s['server_cpu']:.0f} s of CPU in "
        f"{s['server_cpu_wall']:.0f} s of the measured run ({s['server_cpu'] / s['server_cpu_wall']:.2f} "
        f"of the {os.cpu_count()} CPUs; {s['cpu_ms_per_request']:.0f} ms per request, the baseline "
        "included; "
        + (
            "PostgreSQL's own work not included). "
            if engine == "PostgreSQL"
            else "SQLite works inside them, so that is included). "
        )
        + f"The client (all {args['users']} officers, one process) used "
        f"{result['client_cpu_s']:.1f} s of CPU over the {args['warmup'] + args['seconds']} s.",
        "",
        f"Server memory (RSS, MB; sampled every second; first and last {s['window']:.0f} s "
        "of the measured run):",
        "",
        "| Process | At the start | Mean, first window | Mean, last window | Change | Peak |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for m in s["memory"]:
        if m["pid"] is None:
            label = "**all server processes**"
        else:
            main = m["pid"] == result["server_pid"]
            label = "granian main process" if main else "granian worker process"
            label = f"{label} (pid {m['pid']})"
        lines.append(
            f"| {label} | {m['start']:.1f} | {m['first']:.1f} | {m['last']:.1f} | "
            f"{m['last'] - m['first']:+.1f} | {m['peak']:.1f} |"
        )
    lines += [
        "",
        f"All server processes' RSS, the mean of each {SERIES_BIN} s of the measured run (MB): "
        + ", ".join(f"{v:.1f}" for v in s["series"])
        + ".",
        "",
        f"- Error rate 0: {'yes' if total_errors == 0 else 'NO'}; memory from the first to "
        f"the last window: {growth:+.1f} MB ({grew:+.1%}), "
        + ("no growth (within 5%)." if grew <= 0.05 else "GROWTH above 5%."),
        "",
        f"<!-- end bench/load.py {engine} -->",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="officers (default 200)")
    parser.add_argument("--seconds", type=int, default=120, help="measured run (default 120)")
    parser.add_argument("--warmup", type=int, default=60, help="warm-up under load (default 60)")
    parser.add_argument("--think", type=float, default=6.0, help="mean think time (s)")
    parser.add_argument("--timeout", type=float, default=30.0, help="a request's time limit")
    parser.add_argument("--workers", type=int, default=2, help="granian worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker process")
    parser.add_argument("--size", default="japan", help="demo size (small for a smoke run)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument(
        "--reuse", action="store_true", help="use the kept database again if it holds the demo"
    )
    parser.add_argument("--no-write", action="store_true", help="print, do not write the doc")
    args = parser.parse_args()
    if args.users < 1 or args.seconds < 2:
        parser.error("--users must be at least 1 and --seconds at least 2")
    base_url = os.environ.get("BENCH_DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="bw-load-") as tmp:
        scratch = Path(tmp)
        if base_url:
            if not (args.reuse and bench_db.database_exists(base_url, DATABASE)):
                bench_db.create_database(base_url, DATABASE)
            url = bench_db.database_url(base_url, DATABASE)
        else:
            url = f"sqlite:///{scratch / 'load.sqlite3'}"
        try:
            result = run(args, url, scratch)
        finally:
            if base_url and not args.keep:
                from django.db import connections

                connections.close_all()
                bench_db.drop_database(base_url, DATABASE)
    summary = summarise(result)
    prefix = "BENCH_DATABASE_URL=… " if base_url else ""
    lines = section(result, summary, f"{prefix}bench/load.py {' '.join(sys.argv[1:])}".strip())
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[result["engine"]]
    if not args.no_write:
        common.write_section(
            lines,
            f"<!-- bench/load.py {engine}: everything from here to the next such mark -->",
            f"<!-- end bench/load.py {engine} -->",
        )
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
