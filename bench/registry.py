"""Registry benchmark at national scale: ``make bench-registry``.

On one database (a new SQLite file in a temporary directory by default; ``--database-url`` or
``BENCH_DATABASE_URL`` for PostgreSQL) this

1. generates the ``japan`` demo (~500,000 people in ~200,000 households) and times it, unless
   the database already holds a federation (``--reuse``);
2. after ``--warmup`` queries made from other people, runs ``--queries`` mixed search-box
   queries (hangul, kanji, kana in katakana and half width, romanised names with other
   spellings of the surname, two-character names, partial names, everyday Japanese names),
   each the way the people list runs it: scoped to ``central-admin``
   (the whole federation, the largest result sets), searched, the ids of at most 1,000
   matches fetched and the first page of 25 read in name order; beside each, the baseline:
   the bare indexed SQL probe of the query's first word; then the same queries as the
   regional and the branch officer;
3. requests ``--pages`` person pages as ``central-admin`` with ``django.test.Client``,
   interleaved with ``/healthz`` as the baseline;

and writes its section of ``docs/benchmarks.md`` (one per database engine), leaving the rest of
the file as ``bench/run.py`` wrote it.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import pct, setup, write_section  # noqa: E402 - bench/ is on the path

MARK = "<!-- bench/registry.py {engine}: everything from here to the next such mark -->"
END = "<!-- end bench/registry.py {engine} -->"
PAGE = 25


def _katakana_to_halfwidth(text: str) -> str:
    import unicodedata

    # NFKC folds half width into full width; the reverse goes through the decomposed names.
    out = []
    for ch in text:
        name = unicodedata.name(ch, "")
        half = None
        if name.startswith("KATAKANA LETTER"):
            try:
                half = unicodedata.lookup("HALFWIDTH " + name)
            except KeyError:
                half = None
        out.append(half or ch)
    return "".join(out)


OTHER_SPELLINGS = {
    "Kim": "Gim",
    "Lee": "Yi",
    "Park": "Pak",
    "Choi": "Choe",
    "Jung": "Jeong",
    "Cho": "Jo",
    "Yoon": "Yun",
    "Lim": "Rim",
    "Kang": "Gang",
}


def make_queries(people: list[Any], n: int, rng: random.Random) -> list[tuple[str, str, int]]:
    """(kind, query, id of the person it was made from)."""
    makers = [
        ("hangul", lambda p: f"{p.family_name_hangul}{p.given_name_hangul}"),
        ("hangul, spaced", lambda p: f"{p.family_name_hangul} {p.given_name_hangul}"),
        ("kanji", lambda p: f"{p.family_name_kanji}{p.given_name_kanji}"),
        ("kana", lambda p: f"{p.family_name_kana} {p.given_name_kana}"),
        (
            "kana, half width",
            lambda p: _katakana_to_halfwidth(f"{p.family_name_kana}{p.given_name_kana}"),
        ),
        ("romanised", lambda p: f"{p.family_name_latin} {p.given_name_latin}"),
        (
            "romanised, other spelling",
            lambda p: (
                f"{OTHER_SPELLINGS.get(p.family_name_latin, p.family_name_latin).upper()} "
                f"{p.given_name_latin.lower()}"
            ),
        ),
        ("given name only", lambda p: p.given_name_hangul or p.given_name_kanji),
        ("everyday name", lambda p: f"{p.everyday_family_name} {p.everyday_given_name}".strip()),
        (
            "two characters",
            lambda p: (
                f"{p.family_name_hangul}{p.given_name_hangul}"
                if len(p.given_name_hangul) == 1
                else ""
            ),
        ),
    ]
    out: list[tuple[str, str, int]] = []
    i = 0
    while len(out) < n:
        kind, make = makers[i % len(makers)]
        i += 1
        for _attempt in range(50):
            person = rng.choice(people)
            query = make(person).strip()
            if query and len(query.replace(" ", "")) >= 2:
                out.append((kind, query, person.pk))
                break
    return out


def signed_in_client() -> Any:
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from branchwork.access.models import User

    user = User.objects.get(username="central-admin")
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user).first()
    if device is not None:
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    from branchwork.access.models import User
    from branchwork.org.demo import build_demo
    from branchwork.org.models import Unit
    from branchwork.people.models import Person
    from branchwork.people.search import search
    from branchwork.people.selectors import visible_people

    result: dict[str, Any] = {"engine": connection.vendor}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    result["migrate_s"] = time.perf_counter() - started
    if not Unit.objects.filter(code="FED").exists():
        started = time.perf_counter()
        demo = build_demo(size="japan", seed=1)
        result["generate_s"] = time.perf_counter() - started
        result["generated"] = (demo.units, demo.people)
    result["people"] = Person.objects.count()
    from branchwork.people.models import Household, PersonSearchKey

    result["households"] = Household.objects.count()
    result["keys"] = PersonSearchKey.objects.count()

    rng = random.Random(args.seed)
    max_id = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    sample_ids = rng.sample(range(1, max_id + 1), min(max_id, 4000))
    warm_ids = random.Random(args.seed + 1).sample(range(1, max_id + 1), min(max_id, 4000))
    people = list(Person.objects.filter(pk__in=sample_ids, erased_at__isnull=True))
    queries = make_queries(people, args.queries, rng)
    admin = User.objects.get(username="central-admin")

    # The search, as the people list runs it: at most RESULT_LIMIT ids, then a page in name
    # order. Under every demo user, from the whole federation down to one branch.
    from branchwork.people.views import PAGE_SIZE as LIST_PAGE
    from branchwork.people.views import found_people

    def one_search(user: Any, query: str) -> tuple[int, list[int]]:
        people = visible_people(user).filter(erased_at__isnull=True)
        found, _more = found_people(people, query)
        page = found[:LIST_PAGE]
        return len(found), [p.pk for p in page]

    from branchwork.core.text import query_keys

    def baseline(query: str) -> None:
        """The bare indexed probe: the first 25 keys starting with the query's first word."""
        word = sorted(query_keys(query)[0])[0]
        lo = f"t:{word}"
        with connection.cursor() as cur:
            cur.execute(
                "SELECT person_id FROM people_personsearchkey WHERE key >= %s AND key < %s"
                " LIMIT 25",
                [lo, lo[:-1] + chr(ord(lo[-1]) + 1)],
            )
            cur.fetchall()

    # Warm-up: queries made from other people, as a server that has been answering searches
    # has seen the common words before (their counts are kept an hour) and has the index's
    # upper pages in memory. The words of the measured queries that are not common are new.
    measured = set(sample_ids)
    others = [p for p in Person.objects.filter(pk__in=warm_ids) if p.pk not in measured]
    for _kind, query, _pk in make_queries(others, args.warmup, random.Random(args.seed + 1)):
        one_search(admin, query)
        baseline(query)
    result["warmup"] = args.warmup
    # Each query is timed in --runs rounds over the whole set; its time is the median of its
    # rounds (the machines are shared: one slow moment should not decide a percentile).
    rounds: list[list[tuple[float, float, int]]] = [[] for _ in queries]
    for _round in range(args.runs):
        for i, (_kind, query, _pk) in enumerate(queries):
            t0 = time.perf_counter()
            baseline(query)
            t1 = time.perf_counter()
            count, _ids = one_search(admin, query)
            t2 = time.perf_counter()
            rounds[i].append(((t2 - t1) * 1000, (t1 - t0) * 1000, count))
    timings: list[tuple[str, str, float, float, int, bool]] = []
    for (kind, query, pk), runs in zip(queries, rounds, strict=True):
        found = search(visible_people(admin), query).filter(pk=pk).exists()
        timings.append(
            (
                kind,
                query,
                statistics.median(r[0] for r in runs),
                statistics.median(r[1] for r in runs),
                runs[0][2],
                found,
            )
        )
    result["search"] = timings
    result["runs"] = args.runs
    by_user: list[tuple[str, int, list[float], list[int]]] = [
        (
            "central-admin",
            visible_people(admin).count(),
            [t[2] for t in timings],
            [t[4] for t in timings],
        )
    ]
    for username in ("regional-officer", "branch-officer"):
        user = User.objects.get(username=username)
        in_scope = visible_people(user).count()
        per_query: list[list[float]] = [[] for _ in queries]
        counts = []
        for _round in range(args.runs):
            counts = []
            for i, (_kind, query, _pk) in enumerate(queries):
                t0 = time.perf_counter()
                count, _ids = one_search(user, query)
                per_query[i].append((time.perf_counter() - t0) * 1000)
                counts.append(count)
        ms = [statistics.median(times) for times in per_query]
        by_user.append((username, in_scope, ms, counts))
    result["by_user"] = by_user

    # Person pages.
    client = signed_in_client()
    page_ids = [p.pk for p in rng.sample(people, min(len(people), args.pages))]
    for pk in page_ids[:10]:
        client.get(f"/people/{pk}/")
        client.get("/healthz")
    pages: list[tuple[float, float, int]] = []
    for pk in page_ids:
        t0 = time.perf_counter()
        client.get("/healthz")
        t1 = time.perf_counter()
        response = client.get(f"/people/{pk}/")
        t2 = time.perf_counter()
        assert response.status_code == 200, (pk, response.status_code)
        pages.append(((t2 - t1) * 1000, (t1 - t0) * 1000, len(response.content)))
    result["pages"] = pages
    return result


def section(result: dict[str, Any], command: str, started: float) -> list[str]:
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(result["engine"], "?")
    lines = [MARK.format(engine=engine), "", f"## Registry at japan size ({engine})", ""]
    lines += [
        f"Written by `bench/registry.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        f" (`{command}`, {time.perf_counter() - started:.0f} s in all; {os.cpu_count()} CPUs,"
        f" load average at the end {' / '.join(f'{v:.2f}' for v in os.getloadavg())},"
        f" Python {platform.python_version()}). Targets: search p95 ≤ 50 ms and person page"
        " p95 ≤ 100 ms at 500,000 people.",
        "",
        "| | |",
        "|---|---:|",
        f"| People | {result['people']:,} |",
        f"| Households | {result['households']:,} |",
        f"| Search keys | {result['keys']:,} |",
    ]
    if "generate_s" in result:
        lines.append(f'| `build_demo(size="japan")` | {result["generate_s"]:.1f} s |')
        lines.append(f"| `migrate` before it | {result['migrate_s']:.1f} s |")
    lines.append("")
    search = result["search"]
    all_ms = [t[2] for t in search]
    base_ms = [t[3] for t in search]
    found = sum(1 for t in search if t[5])
    lines += [
        f"### Search ({len(search)} queries, signed in as `central-admin`, whole federation)",
        "",
        f"After a warm-up of {result['warmup']:,} queries made from other people (a server"  # noqa: S608
        " that has been answering searches: the common words' counts are kept an hour), each"
        " query runs as the people list runs it: scoped, searched, the ids of at most 1,000"
        " matches fetched (the list says when there are more), put in name order and the first"
        f" page of 25 read. Each query's time is the median of {result['runs']} rounds over the"
        " whole set. Baseline: the bare indexed SQL probe of the query's first word (the first"
        " 25 keys of its range: `SELECT person_id FROM people_personsearchkey WHERE key >= %s"
        " AND key < %s LIMIT 25`).",
        "",
        "| Queries | n | p50 (ms) | p95 (ms) | max (ms) | baseline p50 (ms) | p50 / baseline |"
        " median results | person found |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    kinds = list(dict.fromkeys(t[0] for t in search))
    for kind in [*kinds, "all"]:
        rows = search if kind == "all" else [t for t in search if t[0] == kind]
        ms = [t[2] for t in rows]
        base = [t[3] for t in rows]
        label = f"**{kind}**" if kind == "all" else kind
        lines.append(
            f"| {label} | {len(rows)} | {statistics.median(ms):.1f} | {pct(ms, 95):.1f} |"
            f" {max(ms):.1f} | {statistics.median(base):.2f} |"
            f" {statistics.median(ms) / max(statistics.median(base), 1e-6):.0f}× |"
            f" {statistics.median([t[4] for t in rows]):,.0f} |"
            f" {sum(1 for t in rows if t[5])}/{len(rows)} |"
        )
    slow = sorted(search, key=lambda t: -t[2])[:5]
    lines += [
        "",
        f"Search p50 {statistics.median(all_ms):.1f} ms, p95 {pct(all_ms, 95):.1f} ms"
        f" (baseline p50 {statistics.median(base_ms):.2f} ms); the person the query was made"
        f" from was found by {found} of {len(search)} queries. Slowest: "
        + ", ".join(f"`{t[1]}` {t[2]:.0f} ms ({t[4]:,} listed)" for t in slow)
        + ".",
        "",
    ]
    lines += [
        "### Search by who is searching (the same queries)",
        "",
        "| User | people in scope | p50 (ms) | p95 (ms) | max (ms) | median results |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for username, in_scope, user_ms, counts in result["by_user"]:
        lines.append(
            f"| `{username}` | {in_scope:,} | {statistics.median(user_ms):.1f} |"
            f" {pct(user_ms, 95):.1f} | {max(user_ms):.1f} | {statistics.median(counts):,.0f} |"
        )
    lines.append("")
    pages = result["pages"]
    ms = [p[0] for p in pages]
    base = [p[1] for p in pages]
    lines += [
        f"### Person page ({len(pages)} people, `django.test.Client`, `central-admin`)",
        "",
        "| Page | p50 (ms) | p95 (ms) | p50 / baseline | median bytes |",
        "|---|---:|---:|---:|---:|",
        f"| baseline `/healthz` | {statistics.median(base):.1f} | {pct(base, 95):.1f} | 1× | |",
        f"| `/people/<id>/` | {statistics.median(ms):.1f} | {pct(ms, 95):.1f} |"
        f" {statistics.median(ms) / statistics.median(base):.1f}× |"
        f" {statistics.median([p[2] for p in pages]):,.0f} |",
        "",
        END.format(engine=engine),
    ]
    return lines


def write(lines: list[str], engine: str) -> None:
    write_section(lines, MARK.format(engine=engine), END.format(engine=engine))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--reuse", help="a SQLite file to keep the generated demo in (reused)")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument(
        "--warmup", type=int, default=1000, help="queries from other people run first"
    )
    parser.add_argument("--runs", type=int, default=3, help="rounds each query is timed in")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-write", action="store_true", help="print, do not write the doc")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bw-registry-") as tmp:
        url = args.database_url
        if not url:
            path = Path(args.reuse) if args.reuse else Path(tmp) / "registry.sqlite3"
            url = f"sqlite:///{path.resolve()}"
        setup(url, Path(tmp))
        result = run(args)
    flags = " ".join(sys.argv[1:]) or "(defaults)"
    lines = section(result, f"bench/registry.py {flags}", started)
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(result["engine"], "?")
    if args.no_write:
        print("\n".join(lines))
    else:
        write(lines, engine)
        print("\n".join(lines))


if __name__ == "__main__":
    main()
