"""Back up and restore the whole database, with a manifest that proves the restore worked.

``backup(path)`` writes one file plus ``<path>.manifest.json``:

* SQLite: the online backup API copies the live database page by page into a new file
  (consistent even while the application writes), and the manifest is computed from the copy.
* PostgreSQL: a REPEATABLE READ transaction exports its snapshot; the row counts and the audit
  head are read in that transaction and ``pg_dump --snapshot`` dumps the very same snapshot.

The manifest holds the row count of every table and the audit chain's head. ``restore(path)``
checks the backup against its manifest, replaces the database's content with it (SQLite:
the backup API in the other direction; PostgreSQL: ``pg_restore --clean --single-transaction``)
and then ``verify`` compares the live row counts and audit head with the manifest and walks the
audit hash chain.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone

import branchwork
from branchwork.access.audit import verify_chain
from branchwork.access.models import AuditHead

MANIFEST_FORMAT = 1
MANIFEST_SUFFIX = ".manifest.json"
GENESIS_DIGEST = "0" * 64  # the digest before the first audit event (see access.audit)
VENDORS = ("sqlite", "postgresql")

# libpq parameters that may appear in DATABASES OPTIONS (from DATABASE_URL's query string),
# with the environment variable that hands each one to pg_dump and pg_restore.
_LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
}

Query = Callable[[str], list[tuple[Any, ...]]]


class BackupError(Exception):
    """A backup or restore that could not be done or did not verify."""


@dataclass(frozen=True)
class Manifest:
    vendor: str
    created_at: str
    tables: dict[str, int]
    audit_seq: int
    audit_digest: str
    branchwork_version: str = branchwork.__version__
    format: int = MANIFEST_FORMAT
    path: Path | None = field(default=None, compare=False)  # the backup file it describes

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "vendor": self.vendor,
            "created_at": self.created_at,
            "tables": dict(sorted(self.tables.items())),
            "audit_head": {"seq": self.audit_seq, "digest": self.audit_digest},
            "branchwork_version": self.branchwork_version,
        }

    @classmethod
    def from_json(cls, data: Any, path: Path | None = None) -> Manifest:
        try:
            if data["format"] != MANIFEST_FORMAT:
                raise BackupError(
                    f"unsupported manifest format {data['format']!r} (expected {MANIFEST_FORMAT})"
                )
            tables = data["tables"]
            head = data["audit_head"]
            manifest = cls(
                vendor=str(data["vendor"]),
                created_at=str(data["created_at"]),
                tables={str(k): int(v) for k, v in tables.items()},
                audit_seq=int(head["seq"]),
                audit_digest=str(head["digest"]),
                branchwork_version=str(data.get("branchwork_version", "")),
                path=path,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BackupError(f"malformed manifest: {exc!r}") from exc
        if manifest.vendor not in VENDORS:
            raise BackupError(f"manifest names an unknown database vendor {manifest.vendor!r}")
        return manifest


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + MANIFEST_SUFFIX)


def read_manifest(path: Path) -> Manifest:
    """Read the manifest written next to the backup file ``path``."""
    mpath = manifest_path(path)
    if not path.is_file():
        raise BackupError(f"backup file {path} does not exist")
    if not mpath.is_file():
        raise BackupError(f"manifest {mpath} does not exist: a backup needs its manifest")
    try:
        data = json.loads(mpath.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"cannot read manifest {mpath}: {exc}") from exc
    return Manifest.from_json(data, path=path)


def write_manifest(manifest: Manifest, path: Path) -> None:
    mpath = manifest_path(path)
    tmp = mpath.with_name(mpath.name + ".partial")
    tmp.write_text(json.dumps(manifest.as_json(), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, mpath)


# --- Counting ---------------------------------------------------------------------------


def _quote(name: str) -> str:
    """A double-quoted SQL identifier (the same rule on SQLite and PostgreSQL)."""
    return '"' + name.replace('"', '""') + '"'


_TABLES_SQL = {
    "sqlite": (
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
    ),
    "postgresql": (
        "SELECT c.relname FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname"
    ),
}


def _state(vendor: str, query: Query) -> tuple[dict[str, int], int, str]:
    """Row count of every table and the audit head (seq, digest), read through ``query``."""
    # Table names come from the catalog and are quoted as identifiers.
    tables = [str(row[0]) for row in query(_TABLES_SQL[vendor])]
    counts = {
        name: int(query(f"SELECT count(*) FROM {_quote(name)}")[0][0])  # noqa: S608
        for name in tables
    }
    seq, digest = 0, GENESIS_DIGEST
    head_table = AuditHead._meta.db_table
    if head_table in counts:
        rows = query(f"SELECT seq, digest FROM {_quote(head_table)} WHERE id = 1")  # noqa: S608
        if rows:
            seq, digest = int(rows[0][0]), str(rows[0][1])
    return counts, seq, digest


def _django_query(sql: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def _sqlite_query(conn: sqlite3.Connection) -> Query:
    return lambda sql: conn.execute(sql).fetchall()


def current_state() -> tuple[dict[str, int], int, str]:
    """The live database's row counts and audit head."""
    return _state(connection.vendor, _django_query)


def _open_readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _vendor() -> str:
    vendor = connection.vendor
    if vendor not in VENDORS:
        raise BackupError(f"backups of {vendor} databases are not supported")
    return vendor


def _new_manifest(vendor: str, state: tuple[dict[str, int], int, str], path: Path) -> Manifest:
    counts, seq, digest = state
    return Manifest(
        vendor=vendor,
        created_at=timezone.now().isoformat(),
        tables=counts,
        audit_seq=seq,
        audit_digest=digest,
        path=path,
    )


# --- Backup -----------------------------------------------------------------------------


def backup(path: Path, *, overwrite: bool = False) -> Manifest:
    """Copy the database into ``path`` and write ``<path>.manifest.json`` beside it."""
    path = Path(path)
    vendor = _vendor()
    if not overwrite:
        for existing in (path, manifest_path(path)):
            if existing.exists():
                raise BackupError(f"{existing} already exists (use --overwrite to replace it)")
    if not path.parent.is_dir():
        raise BackupError(f"directory {path.parent} does not exist")
    # Written under a temporary name and renamed at the end: a failed backup leaves nothing
    # that looks like a backup, and an overwritten one is replaced only by a complete file.
    tmp = path.with_name(path.name + ".partial")
    tmp.unlink(missing_ok=True)
    try:
        if vendor == "sqlite":
            manifest = _backup_sqlite(tmp, path)
        else:
            manifest = _backup_postgresql(tmp, path)
        tmp.chmod(0o600)  # the whole registry: readable by the owner only
        os.replace(tmp, path)
        write_manifest(manifest, path)
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(f"backup to {path} failed: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return manifest


def _backup_sqlite(tmp: Path, path: Path) -> Manifest:
    connection.ensure_connection()
    live = connection.connection
    if not isinstance(live, sqlite3.Connection):
        raise BackupError("the SQLite connection is not a sqlite3 connection")
    with closing(sqlite3.connect(tmp)) as dest:
        live.backup(dest)
        # The copy inherits the live database's WAL mode; a backup is one self-contained file.
        dest.execute("PRAGMA journal_mode=DELETE")
    with closing(_open_readonly(tmp)) as copy:
        return _new_manifest("sqlite", _state("sqlite", _sqlite_query(copy)), path)


def _backup_postgresql(tmp: Path, path: Path) -> Manifest:
    import psycopg
    from psycopg import IsolationLevel

    pg_dump = _pg_tool("pg_dump")
    params = _pg_params()
    try:
        snap = psycopg.connect(_pg_conninfo(params), autocommit=False)
    except psycopg.Error as exc:
        raise BackupError(f"cannot connect to PostgreSQL: {exc}") from exc
    with snap:
        snap.isolation_level = IsolationLevel.REPEATABLE_READ
        snap.read_only = True
        with snap.cursor() as cur:

            def query(sql: str) -> list[tuple[Any, ...]]:
                return cur.execute(sql.encode()).fetchall()

            snapshot_id = str(query("SELECT pg_export_snapshot()")[0][0])
            manifest = _new_manifest("postgresql", _state("postgresql", query), path)
            # The dump reads the exported snapshot, which lives as long as this transaction.
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot_id}",
                    "--no-owner",
                    f"--file={tmp}",
                    f"--dbname={params['dbname']}",
                ],
                params,
            )
        snap.rollback()
    return manifest


# --- Restore ----------------------------------------------------------------------------


def check_backup(path: Path, manifest: Manifest) -> list[str]:
    """Check the backup file itself against its manifest, without touching the database."""
    if manifest.vendor == "sqlite":
        try:
            with closing(_open_readonly(path)) as copy:
                result = copy.execute("PRAGMA quick_check").fetchall()
                if result != [("ok",)]:
                    return [f"the backup file is damaged: {result[:3]}"]
                counts, seq, digest = _state("sqlite", _sqlite_query(copy))
        except sqlite3.Error as exc:
            return [f"the backup file is not a readable SQLite database: {exc}"]
        return _compare(manifest, counts, seq, digest)
    listing = _run([_pg_tool("pg_restore"), "--list", str(path)], None)
    dumped = set(re.findall(r"TABLE DATA public (\S+)", listing))
    missing = sorted(set(manifest.tables) - dumped)
    return [f"the dump holds no data for table {name}" for name in missing]


def restore(path: Path) -> Manifest:
    """Replace the database's content with the backup at ``path``, then verify it."""
    path = Path(path)
    manifest = read_manifest(path)
    vendor = _vendor()
    if manifest.vendor != vendor:
        raise BackupError(
            f"{path} is a {manifest.vendor} backup; it cannot be restored into this {vendor} "
            "database"
        )
    problems = check_backup(path, manifest)
    if problems:
        raise BackupError("the backup does not match its manifest: " + "; ".join(problems))
    if connection.in_atomic_block:
        raise BackupError("cannot restore inside a transaction")
    if vendor == "sqlite":
        _restore_sqlite(path)
    else:
        _restore_postgresql(path)
    problems = verify(manifest)
    if problems:
        raise BackupError(
            "the restored database does not match the backup's manifest: " + "; ".join(problems)
        )
    return manifest


def _restore_sqlite(path: Path) -> None:
    connection.ensure_connection()
    live = connection.connection
    if not isinstance(live, sqlite3.Connection):
        raise BackupError("the SQLite connection is not a sqlite3 connection")
    try:
        with closing(_open_readonly(path)) as source:
            source.backup(live)
    except sqlite3.Error as exc:
        raise BackupError(f"restoring {path} failed: {exc}") from exc


def _restore_postgresql(path: Path) -> None:
    pg_restore = _pg_tool("pg_restore")
    params = _pg_params()
    # Our own session must not hold locks on the tables that pg_restore drops and recreates.
    connection.close()
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={params['dbname']}",
            str(path),
        ],
        params,
    )


# --- Verify -----------------------------------------------------------------------------


def _compare(manifest: Manifest, counts: Mapping[str, int], seq: int, digest: str) -> list[str]:
    problems = []
    for name in sorted(set(manifest.tables) | set(counts)):
        want, have = manifest.tables.get(name), counts.get(name)
        if want is None:
            problems.append(f"table {name} is not in the manifest")
        elif have is None:
            problems.append(f"table {name} is missing")
        elif want != have:
            problems.append(f"table {name} has {have} rows, the manifest says {want}")
    if (seq, digest) != (manifest.audit_seq, manifest.audit_digest):
        problems.append(
            f"audit head is at {seq} ({digest[:12]}…), the manifest says "
            f"{manifest.audit_seq} ({manifest.audit_digest[:12]}…)"
        )
    return problems


def verify(manifest: Manifest) -> list[str]:
    """What differs between the live database and ``manifest``; empty when they agree."""
    counts, seq, digest = current_state()
    problems = _compare(manifest, counts, seq, digest)
    ok, broken = verify_chain()
    if not ok:
        problems.append(f"audit chain broken at event {broken}")
    return problems


# --- PostgreSQL plumbing ----------------------------------------------------------------


def _pg_tool(name: str) -> str:
    """An absolute path to a PostgreSQL client program: on PATH, else the newest installed."""
    found = shutil.which(name)
    if found:
        return os.path.abspath(found)

    def version(bindir: Path) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", bindir.parent.name))

    bindirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    for bindir in bindirs:
        candidate = bindir / name
        if os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupError(f"{name} not found: install the PostgreSQL client programs")


def _pg_params() -> dict[str, str]:
    """Connection parameters of the default database (its test name during tests)."""
    settings = connection.settings_dict
    params = {
        "dbname": str(settings.get("NAME") or ""),
        "user": str(settings.get("USER") or ""),
        "password": str(settings.get("PASSWORD") or ""),
        "host": str(settings.get("HOST") or ""),
        "port": str(settings.get("PORT") or ""),
    }
    if not params["dbname"]:
        raise BackupError("the database has no NAME")
    options = settings.get("OPTIONS") or {}
    for key in _LIBPQ_OPTIONS:
        if isinstance(options.get(key), str | int):
            params[key] = str(options[key])
    return {k: v for k, v in params.items() if v}


def _pg_conninfo(params: Mapping[str, str]) -> str:
    from psycopg.conninfo import make_conninfo

    return make_conninfo(**params)


def _pg_env(params: Mapping[str, str]) -> dict[str, str]:
    """The environment for pg_dump/pg_restore: credentials never go on the command line."""
    env = dict(os.environ)
    names = {"user": "PGUSER", "password": "PGPASSWORD", "host": "PGHOST", "port": "PGPORT"}
    names.update(_LIBPQ_OPTIONS)
    for key, var in names.items():
        if key in params:
            env[var] = params[key]
    return env


def _run(argv: list[str], params: Mapping[str, str] | None) -> str:
    """Run a PostgreSQL client program; its connection parameters go in the environment."""
    env = _pg_env(params) if params is not None else None
    try:
        done = subprocess.run(  # noqa: S603 -- absolute path, no shell, no secrets in argv
            argv, env=env, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise BackupError(f"cannot run {argv[0]}: {exc}") from exc
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-5:]
        raise BackupError(
            f"{Path(argv[0]).name} failed (exit {done.returncode}): " + " / ".join(detail)
        )
    return done.stdout
