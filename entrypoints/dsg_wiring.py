"""Composition of the DSG use cases: erasure in every store, and retention.

Used by the command API (erasure over HTTP), `cis dsg erase`, `cis dsg retention` and
the erasure bench; each gets the same wiring, closed with `close()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from psycopg_pool import ConnectionPool
from redis import Redis

from adapters.postgres.erasures import PostgresErasureCopies
from adapters.postgres.expired_claims import ExpiredClaims
from adapters.redis.customer_cache import evict_customer
from adapters.settings import Settings
from application.dsg import Erasures
from application.retention import Retention
from application.services import CustomerIntelligence
from domain.retention import RetentionPolicy
from projections.retention import RetentionFactsQueries

__all__ = ["DsgServices", "build_dsg", "retention_policy"]


def retention_policy(settings: Settings) -> RetentionPolicy:
    """The configured policy (CIS_RETENTION_*, CIS_BUSINESS_YEAR_END)."""
    return RetentionPolicy(prospecting_months=settings.retention_prospecting_months,
                           customer_care_months=settings.retention_customer_care_months,
                           business_year_end=settings.business_year_end)


def _utc_today() -> date:
    return datetime.now(UTC).date()


@dataclass
class DsgServices:
    erasures: Erasures
    retention: Retention
    facts: RetentionFactsQueries
    claims: ExpiredClaims  # idempotency claims past CIS_IDEMPOTENCY_KEY_HOURS
    _pool: ConnectionPool[Any]
    _redis: Redis

    def close(self) -> None:
        self._pool.close()
        self._redis.close()


def build_dsg(settings: Settings, cis: CustomerIntelligence, *,
              today: Callable[[], date] = _utc_today, query_timeout: float = 5.0) -> DsgServices:
    """`today` is the clock the policy decides by (tests move it; production: UTC)."""
    if settings.database_url is None or settings.redis_url is None:
        raise ValueError("the DSG services need CIS_DATABASE_URL and CIS_REDIS_URL")
    pool: ConnectionPool[Any] = ConnectionPool(
        settings.database_url, min_size=1, max_size=4, open=True, name="cis-dsg",
        timeout=query_timeout, kwargs={"autocommit": True})
    redis = Redis.from_url(settings.redis_url, socket_timeout=1.0, socket_connect_timeout=1.0)
    facts = RetentionFactsQueries(pool)
    policy = retention_policy(settings)
    erasures = Erasures(cis, facts, PostgresErasureCopies(pool, lambda c: evict_customer(redis, c)),
                        policy, today=today)
    retention = Retention(cis, erasures, facts, policy, today=today)
    claims = ExpiredClaims(pool, settings.idempotency_key_hours)
    return DsgServices(erasures, retention, facts, claims, pool, redis)
