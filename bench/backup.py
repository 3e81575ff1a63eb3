"""Backup and restore benchmark: a japan-size registry backed up, restored and verified.

    make bench-backup                                   # SQLite, and PostgreSQL if the URL is set
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:54346/postgres make bench-backup
    .venv/bin/python bench/backup.py --runs 3 [--engine sqlite|postgresql] [--size small]
    .venv/bin/python bench/backup.py --size small --runs 1 --no-write   # smoke run, prints only

For each engine (SQLite always; PostgreSQL too when ``BENCH_DATABASE_URL`` is set):

1. a fresh database is made and filled with ``build_demo(size="japan", seed=1)`` after
   ``migrate`` (SQLite: a new file in a temporary directory; PostgreSQL: databases of this
   benchmark's own, ``branchwork_bench_backup_source`` and ``…_restore``, created on the server
   that ``BENCH_DATABASE_URL`` names and dropped at the end; the database the URL names is only
   used to connect and is never touched);
2. ``branchwork.core.backup.backup`` writes a backup file and its manifest, ``--runs`` times
   (each to a new file), and ``check_backup`` checks each file against its manifest, as
   ``branchwork backup`` does;
3. each backup is restored with ``branchwork.core.backup.restore`` (what ``branchwork restore
   --yes`` runs: check the file, replace the content, then verify) twice: into a new, empty
   database (a new server after a loss) and again over that now populated database (going back
   to a backup in place). ``verify`` is then timed on its own;
4. the restored database is compared with the source as the benchmark itself counted it before
   the backup (every table's row count, the audit head) and the audit chain is walked again;
   last, a row is deleted and an audit event altered in the restored copy, and ``verify`` must
   report both (so a verification that passes is not one that cannot fail).

Times are medians of ``--runs`` (default 3); every measurement runs in a worker subprocess
(``backup.py --worker build|backup|restore|tamper``) on its own database, as run.py does. The
section for each engine goes into ``docs/benchmarks.md`` between the marks
``<!-- bench/backup.py ENGINE: … -->`` and ``<!-- end bench/backup.py ENGINE -->``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

SEED = 1
PG_PREFIX = "branchwork_bench_"  # every database this benchmark (and bench/load.py) may create
ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


# --------------------------------------------------------------------------------------------
# A PostgreSQL database of the benchmark's own
# --------------------------------------------------------------------------------------------


def database_url(base_url: str, name: str) -> str:
    """``base_url`` (server, user, options) naming the database ``name`` instead."""
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin_connection(base_url: str) -> Any:
    """An autocommit connection to the server, on the URL's database (or ``postgres``)."""
    import psycopg

    try:
        return psycopg.connect(base_url, autocommit=True)
    except psycopg.OperationalError:
        return psycopg.connect(database_url(base_url, "postgres"), autocommit=True)


def drop_database(base_url: str, name: str) -> None:
    from psycopg import sql

    if not name.startswith(PG_PREFIX):
        raise SystemExit(f"bench: refusing to drop {name!r}, not one of the benchmark's own")
    with _admin_connection(base_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def create_database(base_url: str, name: str) -> str:
    """A new, empty database ``name`` (one left over by an interrupted run is dropped first)."""
    from psycopg import sql

    drop_database(base_url, name)
    with _admin_connection(base_url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_url(base_url, name)


def database_exists(base_url: str, name: str) -> bool:
    with _admin_connection(base_url) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


@contextmanager
def own_database(base_url: str, name: str, *, keep: bool = False) -> Iterator[str]:
    """Create the database ``name`` on ``base_url``'s server, yield its URL, drop it after."""
    url = create_database(base_url, name)
    try:
        yield url
    finally:
        if not keep:
            drop_database(base_url, name)


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
    return urlunsplit(parts)


# --------------------------------------------------------------------------------------------
# Workers (subprocesses with Django set up on one database)
# --------------------------------------------------------------------------------------------


def _db_version() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            return f"PostgreSQL {str(cur.fetchone()[0]).split(' ')[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def _db_bytes() -> int:
    """The database's size on disk (SQLite: the file and its write-ahead log)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_database_size(current_database())")
            return int(cur.fetchone()[0])
    with connection.cursor() as cur:  # a checkpoint first: the WAL's pages into the file
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    name = Path(str(connection.settings_dict["NAME"]))
    return sum(p.stat().st_size for p in (name, Path(f"{name}-wal")) if p.exists())


def _audit_events() -> int:
    from branchwork.access.models import AuditEvent

    return AuditEvent.objects.count()


def worker_build(args: argparse.Namespace) -> dict[str, Any]:
    """Migrate the empty database, fill it with the demo, and count what is in it."""
    from django.core.management import call_command
    from django.db import connection

    from branchwork.access.audit import verify_chain
    from branchwork.core.backup import current_state
    from branchwork.org.demo import build_demo
    from branchwork.org.models import Unit

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_s = time.perf_counter() - started
    if Unit.objects.exists():
        raise SystemExit("build: the database is not empty")
    started = time.perf_counter()
    demo = build_demo(size=args.size, seed=SEED)
    build_s = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")  # as a database that has been running a while
    counts, seq, digest = current_state()
    ok, broken = verify_chain()
    if not ok:
        raise SystemExit(f"build: the source's audit chain is broken at {broken}")
    return {
        "engine": connection.vendor,
        "database": _db_version(),
        "migrate_s": migrate_s,
        "build_s": build_s,
        "units": demo.units,
        "people": demo.people,
        "counts": counts,
        "audit_seq": seq,
        "audit_digest": digest,
        "audit_events": _audit_events(),
        "bytes": _db_bytes(),
    }


def worker_backup(args: argparse.Namespace) -> dict[str, Any]:
    """Back up ``--runs`` times, each to a new file, and check each file as the command does."""
    from branchwork.core.backup import backup, check_backup, manifest_path

    runs = []
    for i in range(args.runs):
        path = Path(args.file.format(i=i + 1))
        started = time.perf_counter()
        manifest = backup(path)
        backup_s = time.perf_counter() - started
        started = time.perf_counter()
        problems = check_backup(path, manifest)
        check_s = time.perf_counter() - started
        runs.append(
            {
                "file": str(path),
                "backup_s": backup_s,
                "check_s": check_s,
                "problems": problems,
                "bytes": path.stat().st_size,
                "manifest_bytes": manifest_path(path).stat().st_size,
                "tables": len(manifest.tables),
                "rows": manifest.rows,
                "audit_seq": manifest.audit_seq,
            }
        )
        print(
            f"  backup {i + 1}/{args.runs}: {backup_s:.2f} s, check {check_s:.2f} s, "
            f"{path.stat().st_size / 1e6:,.1f} MB, {manifest.rows:,} rows",
            file=sys.stderr,
            flush=True,
        )
    return {"runs": runs}


def worker_restore(args: argparse.Namespace) -> dict[str, Any]:
    """Restore the backup into this database (empty or not), time ``verify`` on its own, and
    compare the result with the source's own counts."""
    from django.db import connection

    from branchwork.access.audit import verify_chain
    from branchwork.core.backup import current_state, read_manifest, restore, verify

    source = json.loads(Path(args.source).read_text())
    path = Path(args.file)
    tables_before = len(connection.introspection.table_names())
    started = time.perf_counter()
    manifest = restore(path)  # raises BackupError unless the restored database verifies
    restore_s = time.perf_counter() - started
    connection.close()  # a new connection, as the next process to use the database has
    started = time.perf_counter()
    problems = verify(read_manifest(path))
    verify_s = time.perf_counter() - started
    counts, seq, digest = current_state()
    ok, broken = verify_chain()
    differ = sorted(
        name
        for name in set(counts) | set(source["counts"])
        if counts.get(name) != source["counts"].get(name)
    )
    return {
        "tables_before": tables_before,
        "restore_s": restore_s,
        "verify_s": verify_s,
        "problems": problems,
        "manifest_rows": manifest.rows,
        "rows": sum(counts.values()),
        "tables": len(counts),
        "differ": differ,
        "same_head": (seq, digest) == (source["audit_seq"], source["audit_digest"]),
        "chain_ok": ok,
        "chain_broken_at": broken,
        "bytes": _db_bytes(),
    }


def worker_tamper(args: argparse.Namespace) -> dict[str, Any]:
    """Delete one contact and alter one audit event in a restored copy: verify must say so."""
    from django.db import connection

    from branchwork.access.models import AuditEvent
    from branchwork.activities.models import Contact
    from branchwork.core.backup import read_manifest, verify

    manifest = read_manifest(Path(args.file))
    contact = Contact.objects.order_by("pk").first()
    middle = AuditEvent.objects.order_by("seq").values_list("seq", flat=True)
    seq = middle[max(0, middle.count() // 2)]
    with connection.cursor() as cur:
        if contact is not None:
            cur.execute(f"DELETE FROM {Contact._meta.db_table} WHERE id = %s", [contact.pk])  # noqa: S608
        cur.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET object_id = object_id || 'x' "  # noqa: S608
            "WHERE seq = %s",
            [seq],
        )
    problems = verify(manifest)
    return {
        "altered_seq": seq,
        "deleted_contact": contact is not None,
        "problems": problems,
        "caught_row": any(Contact._meta.db_table in p for p in problems),
        "caught_chain": any(f"audit chain broken at event {seq}" in p for p in problems),
    }


WORKERS = {
    "build": worker_build,
    "backup": worker_backup,
    "restore": worker_restore,
    "tamper": worker_tamper,
}


# --------------------------------------------------------------------------------------------
# The parent: databases, workers, the report
# --------------------------------------------------------------------------------------------


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_worker(kind: str, url: str, scratch: Path, extra: list[str]) -> dict[str, Any]:
    out = scratch / f"{kind}-{time.monotonic_ns()}.json"
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="branchwork.settings",
        DATABASE_URL=url,
        BRANCHWORK_VAR_DIR=str(scratch / "var"),
        BRANCHWORK_ENV="development",
        BRANCHWORK_DEBUG="false",
        BRANCHWORK_LOG_LEVEL="ERROR",
    )
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--json", str(out)]
    done = subprocess.run(cmd + extra, env=env, cwd=common.ROOT, check=False)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"bench: the {kind} worker failed (exit {done.returncode})")
    data: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    return data


class Target:
    """Where the source and the restored copies live for one engine."""

    def __init__(self, engine: str, scratch: Path, base_url: str) -> None:
        self.engine, self.scratch, self.base_url = engine, scratch, base_url
        self.made: list[str] = []

    def new(self, role: str) -> str:
        """The URL of a new, empty database for ``role`` (source, restore)."""
        if self.engine == "sqlite":
            path = self.scratch / f"{role}-{time.monotonic_ns()}.sqlite3"
            return f"sqlite:///{path}"
        name = f"{PG_PREFIX}backup_{role}"
        if name not in self.made:
            self.made.append(name)
        return create_database(self.base_url, name)

    def drop(self, url: str) -> None:
        """Remove a database made by ``new`` (SQLite: its files)."""
        if self.engine == "sqlite":
            path = Path(url.removeprefix("sqlite:///"))
            for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                p.unlink(missing_ok=True)
        else:
            drop_database(self.base_url, urlsplit(url).path.strip("/"))

    def close(self) -> None:
        for name in self.made:
            drop_database(self.base_url, name)


def bench_engine(engine: str, args: argparse.Namespace, base_url: str) -> dict[str, Any]:
    load_start = os.getloadavg()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bw-backup-", dir=args.scratch) as tmp:
        scratch = Path(tmp)
        target = Target(engine, scratch, base_url)
        try:
            source_url = target.new("source")
            say(f"bench: {ENGINES[engine]}: migrate and build_demo(size={args.size!r})")
            source = run_worker("build", source_url, scratch, ["--size", args.size])
            say(
                f"  built in {source['build_s']:.1f} s: {sum(source['counts'].values()):,} rows "
                f"in {len(source['counts'])} tables, {source['bytes'] / 1e6:,.0f} MB, "
                f"audit head {source['audit_seq']:,}"
            )
            source_json = scratch / "source.json"
            source_json.write_text(json.dumps(source))
            ext = "sqlite3" if engine == "sqlite" else "dump"
            pattern = str(scratch / f"backup-{{i}}.{ext}")
            say(f"bench: {ENGINES[engine]}: {args.runs} backups")
            backups = run_worker(
                "backup", source_url, scratch, ["--file", pattern, "--runs", str(args.runs)]
            )["runs"]
            target.drop(source_url)  # restores must not lean on the source being there
            restores: list[dict[str, Any]] = []
            tamper: dict[str, Any] = {}
            for i, made in enumerate(backups):
                url = target.new("restore")
                into_empty = run_worker(
                    "restore", url, scratch, ["--file", made["file"], "--source", str(source_json)]
                )
                over = run_worker(
                    "restore", url, scratch, ["--file", made["file"], "--source", str(source_json)]
                )
                restores.append({"empty": into_empty, "over": over})
                say(
                    f"  restore {i + 1}/{len(backups)}: into an empty database "
                    f"{into_empty['restore_s']:.2f} s, over a populated one "
                    f"{over['restore_s']:.2f} s, verify alone {over['verify_s']:.2f} s, "
                    f"problems {len(into_empty['problems']) + len(over['problems'])}, "
                    f"tables differing from the source {into_empty['differ'] + over['differ']}"
                )
                if i == len(backups) - 1:
                    tamper = run_worker("tamper", url, scratch, ["--file", made["file"]])
                    say(f"  tampered copy: verify reports {tamper['problems']}")
                target.drop(url)
                Path(made["file"]).unlink()
        finally:
            target.close()
    return {
        "engine": engine,
        "size": args.size,
        "source": source,
        "backups": backups,
        "restores": restores,
        "tamper": tamper,
        "seconds": time.perf_counter() - started,
        "load_start": load_start,
        "load_end": os.getloadavg(),
    }


# --------------------------------------------------------------------------------------------
# The section of docs/benchmarks.md
# --------------------------------------------------------------------------------------------


def _med(values: list[float]) -> float:
    return statistics.median(values)


def _all(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f}"


def _load(values: tuple[float, ...]) -> str:
    return " / ".join(f"{v:.2f}" for v in values)


def verdict(result: dict[str, Any]) -> dict[str, bool]:
    source, restores, tamper = result["source"], result["restores"], result["tamper"]
    every = [r[k] for r in restores for k in ("empty", "over")]
    return {
        "backups_check": all(not b["problems"] for b in result["backups"]),
        "manifest_matches_source": all(
            b["rows"] == sum(source["counts"].values())
            and b["tables"] == len(source["counts"])
            and b["audit_seq"] == source["audit_seq"]
            for b in result["backups"]
        ),
        "restores_verify": all(not r["problems"] for r in every),
        "counts_match_source": all(not r["differ"] for r in every),
        "audit_matches_source": all(r["same_head"] and r["chain_ok"] for r in every),
        "tamper_caught": bool(tamper) and tamper["caught_row"] and tamper["caught_chain"],
    }


def section(result: dict[str, Any], command: str) -> list[str]:
    engine = ENGINES[result["engine"]]
    source, backups, restores = result["source"], result["backups"], result["restores"]
    ok = verdict(result)
    backup_s = [b["backup_s"] for b in backups]
    check_s = [b["check_s"] for b in backups]
    whole_s = [b["backup_s"] + b["check_s"] for b in backups]
    empty_s = [r["empty"]["restore_s"] for r in restores]
    over_s = [r["over"]["restore_s"] for r in restores]
    verify_s = [r[k]["verify_s"] for r in restores for k in ("empty", "over")]
    rows = sum(source["counts"].values())
    biggest = sorted(source["counts"].items(), key=lambda kv: -kv[1])[:5]
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    dump = "SQLite online backup API" if engine == "SQLite" else "`pg_dump` custom format"
    restored_bytes = _med([r["empty"]["bytes"] for r in restores])
    tamper = result["tamper"]
    yes = "yes"
    lines = [
        f"<!-- bench/backup.py {engine}: everything from here to the next such mark -->",
        "",
        f"## Backup and restore at {result['size']} size ({engine})",
        "",
        f"Written by `{command}` on {now} ({result['seconds']:.0f} s in all; "
        f"{os.cpu_count()} CPUs shared with other work, load average at the start "
        f"{_load(result['load_start'])} and at the end {_load(result['load_end'])}; Python "
        f"{platform.python_version()}, {source['database']}). The database was made for the "
        f"run: `migrate` ({source['migrate_s']:.1f} s), then "
        f'`build_demo(size="{result["size"]}", seed={SEED})` ({source["build_s"]:.1f} s)'
        + (", then `VACUUM ANALYZE`" if engine == "PostgreSQL" else "")
        + f". {len(backups)} runs, medians. Every restore is verified by the project's own "
        "`restore()` (row count of every table and the audit head against the manifest, then "
        "the whole audit hash chain walked), and again here against the source as counted "
        "before the backup.",
        "",
        "| What is in the database | |",
        "|---|---:|",
        f"| Tables | {len(source['counts'])} |",
        f"| Rows, all tables | {rows:,} |",
        f"| People | {source['people']:,} |",
        f"| Units | {source['units']:,} |",
        f"| Audit events (chain length) | {source['audit_events']:,} |",
        "| Largest tables | " + ", ".join(f"`{name}` {n:,}" for name, n in biggest) + " |",
        "",
        "| Size | MB |",
        "|---|---:|",
        f"| Source database on disk | {_mb(source['bytes'])} |",
        f"| Backup file ({dump}) | {_mb(_med([b['bytes'] for b in backups]))} |",
        f"| Its manifest (row counts and audit head) | "
        f"{backups[0]['manifest_bytes'] / 1e3:,.1f} kB |",
        f"| Restored database on disk | {_mb(restored_bytes)} |",
        "",
        "| Step | Median (s) | All runs (s) |",
        "|---|---:|---|",
        f"| `backup()`: copy and manifest | {_med(backup_s):.2f} | {_all(backup_s)} |",
        f"| `check_backup()`: the file against its manifest | {_med(check_s):.2f} | "
        f"{_all(check_s)} |",
        f"| **`branchwork backup`** (both) | **{_med(whole_s):.2f}** | {_all(whole_s)} |",
        f"| **`restore()` into an empty database** (check, restore, verify) | "
        f"**{_med(empty_s):.2f}** | {_all(empty_s)} |",
        f"| `restore()` over a populated database (the same, in place) | {_med(over_s):.2f} | "
        f"{_all(over_s)} |",
        f"| `verify()` alone (counts, audit head, chain walk) | {_med(verify_s):.2f} | "
        f"{_all(verify_s)} |",
        "",
        "| Check | Result |",
        "|---|---|",
        f"| Every backup file matches its manifest (`check_backup`) | "
        f"{yes if ok['backups_check'] else 'NO'} |",
        f"| Every manifest holds the source's tables, rows and audit head | "
        f"{yes if ok['manifest_matches_source'] else 'NO'} |",
        f"| Every restore verified (`restore()` and `verify()` report no problem) | "
        f"{yes if ok['restores_verify'] else 'NO'} ({2 * len(restores)} restores) |",
        f"| Every table's row count equals the source's, counted before the backup | "
        f"{yes if ok['counts_match_source'] else 'NO'} |",
        f"| Audit head equals the source's and the whole chain verifies | "
        f"{yes if ok['audit_matches_source'] else 'NO'} |",
        "| A deleted row and an altered audit event in a restored copy are reported | "
        + (
            f"{yes}: " + "; ".join(f"“{p}”" for p in tamper["problems"])
            if ok["tamper_caught"]
            else f"NO: {tamper.get('problems')}"
        )
        + " |",
        "",
    ]
    if engine == "PostgreSQL":
        lines += [
            "The server is the throwaway cluster of `scripts/testdb.sh` (`fsync=off`, "
            "`synchronous_commit=off`): restore times on a server that syncs to disk will be "
            "longer. `pg_restore` runs in one transaction (`--single-transaction`), so it "
            "rebuilds the indexes one after another on one processor.",
            "",
        ]
    lines += [f"<!-- end bench/backup.py {engine} -->"]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="backups (each restored twice)")
    parser.add_argument("--size", default="japan", help="demo size (small for a smoke run)")
    parser.add_argument(
        "--engine", choices=["sqlite", "postgresql"], action="append", help="default: both"
    )
    parser.add_argument("--no-write", action="store_true", help="print, do not write the doc")
    parser.add_argument("--scratch", help="a directory for the files (default: the system's)")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        if str(common.ROOT) not in sys.path:
            sys.path.insert(0, str(common.ROOT))
        import django

        django.setup()
        Path(args.json).write_text(json.dumps(WORKERS[args.worker](args)))
        return
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    base_url = os.environ.get("BENCH_DATABASE_URL", "")
    engines = args.engine or (["sqlite", "postgresql"] if base_url else ["sqlite"])
    if "postgresql" in engines and not base_url:
        parser.error("PostgreSQL needs BENCH_DATABASE_URL=postgres://user@host:port/any")
    flags = " ".join(sys.argv[1:])
    for engine in engines:
        result = bench_engine(engine, args, base_url)
        prefix = "BENCH_DATABASE_URL=… " if engine == "postgresql" else ""
        lines = section(result, f"{prefix}bench/backup.py {flags}".strip())
        if not args.no_write:
            common.write_section(
                lines,
                f"<!-- bench/backup.py {ENGINES[engine]}: everything from here to the next "
                "such mark -->",
                f"<!-- end bench/backup.py {ENGINES[engine]} -->",
            )
        print("\n".join(lines), flush=True)
        if not all(verdict(result).values()):
            raise SystemExit(f"bench: the {ENGINES[engine]} backup did not verify: see above")


if __name__ == "__main__":
    main()
