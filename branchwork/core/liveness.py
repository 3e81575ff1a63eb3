"""Whether the process doing a piece of work is still alive.

A process that takes on long work (an import) holds a mark for it until the work is done. The
mark is one that the process's death drops, however it dies (SIGKILL, the out-of-memory
killer, a machine lost): on PostgreSQL a session advisory lock, which the server releases when
the session's connection ends, whichever machine it came from; on SQLite (one machine) a lock
on a file under ``VAR_DIR``, which the kernel releases when the process ends. Any process may
ask whether the mark is held: work recorded as running whose mark is free has lost its process.

Hold the mark before recording the work as running, and record its end before letting go.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection


def _keys(kind: str, key: int) -> tuple[int, int]:
    """The two 32-bit keys of PostgreSQL's advisory lock for (kind, key)."""
    return zlib.crc32(kind.encode()) & 0x7FFFFFFF, key & 0x7FFFFFFF


def _path(kind: str, key: int) -> Path:
    database = zlib.crc32(str(settings.DATABASES["default"]["NAME"]).encode())
    return Path(settings.VAR_DIR) / "run" / f"{kind}-{int(key)}-{database:08x}.lock"


@contextlib.contextmanager
def holding(kind: str, key: int) -> Iterator[None]:
    """Hold the mark of (kind, key) while the block runs (waiting for it if another holds it)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s, %s)", _keys(kind, key))
        try:
            yield
        finally:
            # A connection lost meanwhile has dropped the lock with it.
            with contextlib.suppress(DatabaseError), connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s, %s)", _keys(kind, key))
        return
    path = _path(kind, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        os.close(fd)  # and with it the lock


def is_held(kind: str, key: int) -> bool:
    """Whether a living process holds the mark of (kind, key)."""
    if connection.vendor == "postgresql":
        # Read from the server's lock table (taking the lock to test it would succeed in the
        # session that holds it: advisory locks are re-entrant).
        with connection.cursor() as cur:
            cur.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                " AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 2 AND granted)",
                _keys(kind, key),
            )
            row = cur.fetchone()
        return bool(row and row[0])
    try:
        fd = os.open(_path(kind, key), os.O_RDWR)
    except FileNotFoundError:
        return False  # never taken, or let go
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
