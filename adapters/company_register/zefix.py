"""Async client for ZEFIX, the Swiss commercial register (public REST API).

``GET {base}/api/v1/company/uid/CHE123456789`` answers a JSON array of company
objects (404 or an empty array when the UID is unknown). This client:

* caches answers in Redis under ``cis:zefix:{compact uid}`` for ``cache_ttl``
  seconds, "not found" too (a negative entry, same TTL);
* bounds every request by ``timeout`` seconds (connect, send and the whole body);
* wraps the registry in a circuit breaker: after ``failure_threshold``
  consecutive failures (timeouts, connection errors, 5xx, 429, unreadable
  answers) it fails fast for ``recovery_timeout`` seconds, then lets exactly one
  trial request through (half-open); its success closes the circuit, its failure
  opens it again;
* treats Redis as optional: when Redis fails the lookup goes to the registry
  without the cache, and the cache is left alone for a few seconds so a dead
  Redis does not slow every lookup down;
* never invents data: every failure raises :class:`RegistryUnavailable`, whose
  message is safe to show and which says when to retry.

Company data in the register is public, so UIDs and names may be logged;
credentials and the configured URL (which could hold them) are never logged.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Final, Self

import httpx
import msgspec
import structlog
from redis.asyncio import Redis

from adapters.circuit_breaker import CircuitBreaker, CircuitState
from adapters.metrics.series import swiss_api_call
from domain.errors import InvalidValue
from domain.values import CompanyUID

__all__ = [
    "CACHE_KEY_PREFIX",
    "CompanyNotFound",
    "CompanyRecord",
    "RegistryUnavailable",
    "ZefixRegistry",
]

log = structlog.get_logger()

CACHE_KEY_PREFIX: Final = "cis:zefix:"

# Largest answer body read; one company is a few kB, so this only stops abuse.
_MAX_BODY_BYTES: Final = 1_000_000
# How long the cache is skipped after a Redis failure.
_CACHE_BACKOFF_SECONDS: Final = 5.0
# Bounds for a registry's Retry-After header that we pass on to callers.
_MAX_RETRY_AFTER: Final = 3600

_UNAVAILABLE_MESSAGE: Final = "The commercial register (ZEFIX) is unavailable right now."


# --------------------------------------------------------------------------- #
# Public results and errors
# --------------------------------------------------------------------------- #


@dataclass(frozen=True, slots=True)
class CompanyRecord:
    """One company as the register knows it; ``uid`` is canonical (``CHE-123.456.789``)."""

    uid: str
    name: str
    legal_seat: str | None
    status: str
    legal_form: str | None


class RegistryUnavailable(Exception):
    """The register could not be asked; the message is safe to show to a caller."""

    def __init__(self, message: str = _UNAVAILABLE_MESSAGE, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = max(1, int(retry_after))


class CompanyNotFound(Exception):
    """The register has no company with this UID."""

    def __init__(self, uid: CompanyUID) -> None:
        super().__init__(f"No company with UID {uid} in the commercial register.")
        self.uid = str(uid)


# --------------------------------------------------------------------------- #
# Wire format (only the fields we use; unknown fields are ignored)
# --------------------------------------------------------------------------- #


class _Localized(msgspec.Struct):
    de: str | None = None
    fr: str | None = None
    it: str | None = None
    en: str | None = None


class _LegalForm(msgspec.Struct, rename="camel"):  # ZEFIX spells its fields in camelCase
    short_name: _Localized | None = None


class _Company(msgspec.Struct, rename="camel"):
    uid: str
    name: str
    status: str
    legal_seat: str | None = None
    legal_form: _LegalForm | None = None


_decode_companies = msgspec.json.Decoder(list[_Company]).decode


class _CacheEntry(msgspec.Struct, forbid_unknown_fields=True):
    found: bool
    record: CompanyRecord | None = None


_encode_entry = msgspec.json.Encoder().encode
_decode_entry = msgspec.json.Decoder(_CacheEntry).decode


class _Failed(Exception):
    """A registry call that failed; ``counts`` says whether it trips the breaker."""

    def __init__(self, reason: str, *, counts: bool, retry_after: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.counts = counts
        self.retry_after = retry_after


# --------------------------------------------------------------------------- #
# Client
# --------------------------------------------------------------------------- #


class ZefixRegistry:
    """Looks companies up in ZEFIX by UID, with a Redis cache and a circuit breaker.

    ``redis`` is borrowed, not owned: :meth:`aclose` closes only the HTTP client.
    """

    def __init__(
        self,
        base_url: str,
        redis: Redis,
        *,
        timeout: float = 3.0,
        cache_ttl: int = 900,
        failure_threshold: int = 3,
        recovery_timeout: float = 30.0,
        username: str | None = None,
        password: str | None = None,
        cache_timeout: float = 0.5,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if cache_ttl < 1:
            raise ValueError("cache_ttl must be at least one second")
        auth = httpx.BasicAuth(username, password or "") if username else None
        self._http = httpx.AsyncClient(
            base_url=base_url,
            auth=auth,
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": "cis-zefix-client/1"},
        )
        self._redis = redis
        self._timeout = timeout
        self._cache_ttl = int(cache_ttl)
        self._cache_timeout = cache_timeout
        self._cache_skipped_until = 0.0
        self._breaker = CircuitBreaker("zefix", failure_threshold, recovery_timeout)

    @property
    def circuit_state(self) -> CircuitState:
        """``closed``, ``open`` or ``half_open`` (for health reporting)."""
        return self._breaker.state

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def lookup(self, uid: CompanyUID) -> CompanyRecord:
        """The company with this UID.

        Raises :class:`CompanyNotFound` when the register has no such company and
        :class:`RegistryUnavailable` when the register cannot be asked.
        """
        compact = _compact(uid)
        key = CACHE_KEY_PREFIX + compact

        cached = await self._cache_get(key, compact)
        if cached is not None:
            log.debug("zefix.cache_hit", uid=str(uid), found=cached.found)
            if cached.record is None:
                raise CompanyNotFound(uid)
            return cached.record

        if not self._breaker.allow():
            retry_after = self._breaker.retry_after()
            log.info("zefix.fail_fast", uid=str(uid), circuit=self._breaker.state,
                     retry_after=retry_after)
            raise RegistryUnavailable(retry_after=retry_after)

        started = time.monotonic()
        try:
            record = await self._fetch(uid, compact)
        except _Failed as failure:
            if failure.counts:
                self._breaker.failed()
            else:
                self._breaker.succeeded()  # the registry answered; it is up
            retry_after = max(failure.retry_after or 1, self._breaker.retry_after())
            log.warning("zefix.lookup_failed", uid=str(uid), reason=failure.reason,
                        circuit=self._breaker.state, retry_after=retry_after,
                        duration_ms=_ms_since(started))
            raise RegistryUnavailable(retry_after=retry_after) from None
        except BaseException:
            self._breaker.abandoned()
            raise
        self._breaker.succeeded()
        log.info("zefix.lookup", uid=str(uid), found=record is not None,
                 status=record.status if record else None, duration_ms=_ms_since(started))

        await self._cache_set(key, _CacheEntry(found=record is not None, record=record))
        if record is None:
            raise CompanyNotFound(uid)
        return record

    # -- registry ------------------------------------------------------------

    async def _fetch(self, uid: CompanyUID, compact: str) -> CompanyRecord | None:
        """The record, or None when unknown; raises _Failed otherwise."""
        try:
            with swiss_api_call("zefix") as call:  # its latency on /metrics
                async with asyncio.timeout(self._timeout):
                    status, headers, body = await self._get(f"/api/v1/company/uid/{compact}")
                call.status = str(status)
        except (TimeoutError, httpx.TimeoutException):
            raise _Failed("timeout", counts=True) from None
        except _Failed:
            raise
        except httpx.HTTPError as exc:
            raise _Failed(f"transport:{type(exc).__name__}", counts=True) from None
        except Exception as exc:  # noqa: BLE001 - any failure means "unavailable"
            raise _Failed(f"error:{type(exc).__name__}", counts=True) from None

        if status == 404:
            return None
        if status == 429 or status >= 500:
            raise _Failed(f"http_{status}", counts=True,
                          retry_after=_parse_retry_after(headers.get("retry-after")))
        if status in (401, 403):
            log.error("zefix.credentials_rejected", http_status=status)
            raise _Failed(f"http_{status}", counts=False, retry_after=60)
        if status != 200:
            raise _Failed(f"http_{status}", counts=False)

        try:
            companies = _decode_companies(body)
        except msgspec.DecodeError:
            # A 200 that is not the documented shape (say, a maintenance page).
            raise _Failed("malformed_answer", counts=True) from None
        if not companies:
            return None
        matches = [c for c in companies if _same_uid(c.uid, uid)]
        if not matches:
            raise _Failed("answer_for_other_uid", counts=False)
        # The register may list a UID more than once (e.g. after a merger); prefer
        # the active entry, otherwise keep the register's order.
        chosen = next((c for c in matches if c.status.upper() == "ACTIVE"), matches[0])
        return CompanyRecord(
            uid=str(uid),
            name=chosen.name,
            legal_seat=chosen.legal_seat,
            status=chosen.status,
            legal_form=_legal_form(chosen.legal_form),
        )

    async def _get(self, path: str) -> tuple[int, httpx.Headers, bytes]:
        async with self._http.stream("GET", path) as response:
            if response.status_code != 200:
                return response.status_code, response.headers, b""
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > _MAX_BODY_BYTES:
                    raise _Failed("answer_too_large", counts=True)
            return response.status_code, response.headers, bytes(body)

    # -- cache ---------------------------------------------------------------

    async def _cache_get(self, key: str, compact: str) -> _CacheEntry | None:
        if time.monotonic() < self._cache_skipped_until:
            return None
        try:
            async with asyncio.timeout(self._cache_timeout):
                raw = await self._redis.get(key)
        except Exception as exc:  # noqa: BLE001 - the cache is optional
            self._skip_cache(exc)
            return None
        if raw is None:
            return None
        try:
            entry = _decode_entry(raw)
        except (msgspec.DecodeError, TypeError):
            log.warning("zefix.cache_entry_unreadable", key=key)
            return None
        if entry.found != (entry.record is not None) or (
            entry.record is not None and _compact_text(entry.record.uid) != compact
        ):
            log.warning("zefix.cache_entry_unreadable", key=key)
            return None
        return entry

    async def _cache_set(self, key: str, entry: _CacheEntry) -> None:
        if time.monotonic() < self._cache_skipped_until:
            return
        try:
            async with asyncio.timeout(self._cache_timeout):
                await self._redis.set(key, _encode_entry(entry), ex=self._cache_ttl)
        except Exception as exc:  # noqa: BLE001 - the cache is optional
            self._skip_cache(exc)

    def _skip_cache(self, exc: BaseException) -> None:
        self._cache_skipped_until = time.monotonic() + _CACHE_BACKOFF_SECONDS
        log.warning("zefix.cache_unavailable", error=type(exc).__name__,
                    skip_seconds=_CACHE_BACKOFF_SECONDS)


# --------------------------------------------------------------------------- #
# Helpers
# --------------------------------------------------------------------------- #


def _compact(uid: CompanyUID) -> str:
    """``CHE-123.456.789`` -> ``CHE123456789``."""
    return _compact_text(str(uid))


def _compact_text(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum()).upper()


def _same_uid(raw: str, uid: CompanyUID) -> bool:
    try:
        return CompanyUID.parse(raw, field="uid") == uid
    except InvalidValue:
        return False


def _legal_form(form: _LegalForm | None) -> str | None:
    if form is None or form.short_name is None:
        return None
    names = form.short_name
    return names.de or names.fr or names.it or names.en or None


def _parse_retry_after(value: str | None) -> int | None:
    """Seconds from a Retry-After header (the delta form only), bounded."""
    if value is None or not value.strip().isdigit():
        return None
    return min(max(int(value.strip()), 1), _MAX_RETRY_AFTER)


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
