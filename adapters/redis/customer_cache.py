"""Evicting a customer's entries from Redis on erasure.

Today nothing personal is cached: dashboard answers are figures without personal data,
rate-limit counters name token subjects, ZEFIX answers name companies. The erasure
still looks for every key naming the customer's id (a SCAN, never KEYS, so Redis keeps
serving), deletes what it finds and says how many, so a cache added later that keys
by customer is covered and the answer stays true.
"""

from __future__ import annotations

from uuid import UUID

from redis import Redis
from redis.exceptions import RedisError

from application.dsg import CacheReport

__all__ = ["evict_customer"]

_NOTE = ("Redis keys naming the customer; dashboard figures hold no personal data and "
         "stay cached")


def evict_customer(redis: Redis, customer_id: UUID) -> CacheReport:
    try:
        keys = list(redis.scan_iter(match=f"*{customer_id}*", count=1000))
        evicted = int(redis.delete(*keys)) if keys else 0
    except (RedisError, OSError) as error:
        return CacheReport(entries_evicted=0,
                           note=f"Redis did not answer ({type(error).__name__}): nothing "
                                "evicted; no personal data is cached there")
    return CacheReport(entries_evicted=evicted, note=_NOTE)
