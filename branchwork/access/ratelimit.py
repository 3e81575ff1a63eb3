"""A fixed-window rate limit kept in the shared cache (database or Redis), never in memory."""

from __future__ import annotations

import time

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
