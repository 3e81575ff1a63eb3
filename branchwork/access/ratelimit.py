"""A fixed-window rate limit kept in the shared cache (database or Redis), never in memory."""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache


def hit(key: str, limit: int, window: int) -> bool:
    """Count one attempt; return True while the key is within ``limit`` per ``window`` seconds."""
    bucket = f"rl:{key}:{int(time.time()) // window}"
    added = cache.add(bucket, 1, timeout=window + 5)
    if added:
        return True
    try:
        count = cache.incr(bucket)
    except ValueError:
        cache.set(bucket, 1, timeout=window + 5)
        count = 1
    return count <= limit


def over_limit(key: str, limit: int, window: int) -> bool:
    """Whether ``key`` has already used up its ``limit`` in this window (counts nothing)."""
    bucket = f"rl:{key}:{int(time.time()) // window}"
    return int(cache.get(bucket, 0)) >= limit


def counted(key: str, window: int) -> int:
    """Count one hit of ``key`` in the current window of ``window`` seconds and return the
    window's count so far: one statement (an upsert), shared by every process through the
    database. A key's first hit in a window clears its older windows."""
    from django.db import connection

    from branchwork.core.models import RateCount

    slot = int(time.time()) // window
    table = RateCount._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f'INSERT INTO "{table}" (key, "window", count) VALUES (%s, %s, 1) '  # noqa: S608
            'ON CONFLICT (key, "window") DO UPDATE SET count = '
            f'"{table}".count + 1 RETURNING count',
            [key, slot],
        )
        row = cur.fetchone()
        n = int(row[0]) if row else 1
        if n == 1:
            cur.execute(
                f'DELETE FROM "{table}" WHERE key = %s AND "window" < %s',  # noqa: S608
                [key, slot],
            )
    return n


def search_allowed(user: Any) -> bool:
    """Count one search of the registry by ``user``; False once they passed the limit."""
    from django.conf import settings

    limit, window = settings.SEARCH_RATE_LIMIT
    return counted(f"search:{getattr(user, 'pk', None)}", window) <= limit
