"""The ZEFIX client against a loopback registry and the session's real Redis."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis
from stdnum.ch import uid as ch_uid

from adapters.company_register import (
    CompanyNotFound,
    CompanyRecord,
    RegistryUnavailable,
    ZefixRegistry,
)
from adapters.settings import Settings
from domain.values import CompanyUID
from tests.zefix_server import ZefixServer, company, zefix_server

# Generous against a loaded CI machine, where a loopback answer has taken 0.3 s.
TIMEOUT = 1.0  # client timeout; the server's "slow" answers take SLOW seconds
SLOW = 5.0
RECOVERY = 1.0


def new_uid() -> CompanyUID:
    """A valid UID no other test (or earlier run against the same Redis) uses."""
    while True:
        digits = f"{uuid.uuid4().int % 10**8:08d}"
        check = ch_uid.calc_check_digit(digits)
        if len(check) == 1:  # "10" means no UID has these eight digits
            return CompanyUID.parse(f"CHE{digits}{check}")


def compact(uid: CompanyUID) -> str:
    return ch_uid.compact(str(uid))


def cache_key(uid: CompanyUID) -> str:
    return f"cis:zefix:{compact(uid)}"


@pytest.fixture
def uids() -> tuple[CompanyUID, CompanyUID, CompanyUID]:
    """An active company, a deleted one, and an unknown UID."""
    return new_uid(), new_uid(), new_uid()


@pytest.fixture
def zefix(uids: tuple[CompanyUID, CompanyUID, CompanyUID]) -> Iterator[ZefixServer]:
    active, deleted, _unknown = uids
    companies = {
        compact(active): company(str(active), "Elektroauto Import AG", legal_seat="Zürich"),
        compact(deleted): company(str(deleted), "Alte Garage GmbH", legal_seat="Bern",
                                  status="DELETED", legal_form="GmbH"),
    }
    with zefix_server(companies, slow_seconds=SLOW) as server:
        yield server


@pytest.fixture
async def redis(settings: Settings,
                uids: tuple[CompanyUID, CompanyUID, CompanyUID]) -> AsyncIterator[Redis]:
    assert settings.redis_url
    client = Redis.from_url(settings.redis_url)
    yield client
    await client.delete(*(cache_key(uid) for uid in uids))
    await client.aclose()


@pytest.fixture
async def registry(zefix: ZefixServer, redis: Redis) -> AsyncIterator[ZefixRegistry]:
    async with ZefixRegistry(zefix.base_url, redis, timeout=TIMEOUT, failure_threshold=3,
                             recovery_timeout=RECOVERY) as client:
        yield client


async def test_a_registered_company_is_found(registry: ZefixRegistry, zefix: ZefixServer,
                                             uids: tuple[CompanyUID, ...]) -> None:
    active, deleted, _ = uids

    record = await registry.lookup(active)
    gone = await registry.lookup(deleted)

    assert record == CompanyRecord(uid=str(active), name="Elektroauto Import AG",
                                   legal_seat="Zürich", status="ACTIVE", legal_form="AG")
    assert gone.status == "DELETED" and gone.legal_form == "GmbH" and gone.legal_seat == "Bern"
    assert zefix.paths == [f"/api/v1/company/uid/{compact(active)}",
                           f"/api/v1/company/uid/{compact(deleted)}"]


async def test_the_second_lookup_is_served_from_redis(registry: ZefixRegistry, zefix: ZefixServer,
                                                      redis: Redis,
                                                      uids: tuple[CompanyUID, ...]) -> None:
    active = uids[0]
    first = await registry.lookup(active)

    second = await registry.lookup(active)
    # Another client (another process, say) sees the same cache, even with the registry down.
    zefix.down = True
    async with ZefixRegistry(zefix.base_url, redis, timeout=TIMEOUT) as other:
        third = await other.lookup(active)

    assert first == second == third
    assert zefix.requests == 1
    assert 890 <= await redis.ttl(cache_key(active)) <= 900


async def test_an_unknown_uid_is_not_found_and_cached_negatively(
        registry: ZefixRegistry, zefix: ZefixServer, redis: Redis,
        uids: tuple[CompanyUID, ...]) -> None:
    unknown = uids[2]

    with pytest.raises(CompanyNotFound) as first:
        await registry.lookup(unknown)
    with pytest.raises(CompanyNotFound):
        await registry.lookup(unknown)

    assert str(unknown) in str(first.value)
    assert zefix.requests == 1
    assert 890 <= await redis.ttl(cache_key(unknown)) <= 900
    assert registry.circuit_state == "closed"


async def test_an_unreadable_cache_entry_is_ignored(registry: ZefixRegistry, zefix: ZefixServer,
                                                    redis: Redis,
                                                    uids: tuple[CompanyUID, ...]) -> None:
    active = uids[0]
    await redis.set(cache_key(active), b"not json", ex=60)

    record = await registry.lookup(active)

    assert record.name == "Elektroauto Import AG"
    assert zefix.requests == 1
    assert await registry.lookup(active) == record
    assert zefix.requests == 1


async def test_a_slow_registry_times_out_as_unavailable(registry: ZefixRegistry,
                                                        zefix: ZefixServer,
                                                        uids: tuple[CompanyUID, ...]) -> None:
    zefix.slow = True
    started = time.monotonic()

    with pytest.raises(RegistryUnavailable) as raised:
        await registry.lookup(uids[0])

    assert time.monotonic() - started < SLOW  # gave up without waiting for the answer
    assert raised.value.retry_after >= 1
    assert "unavailable" in str(raised.value)
    assert zefix.requests == 1


@pytest.mark.parametrize("failure", ["failing", "slow", "down"])
async def test_the_breaker_opens_after_consecutive_failures_and_fails_fast(
        registry: ZefixRegistry, zefix: ZefixServer, uids: tuple[CompanyUID, ...],
        failure: str) -> None:
    setattr(zefix, failure, True)
    for _ in range(3):
        with pytest.raises(RegistryUnavailable):
            await registry.lookup(uids[0])
    reached = zefix.requests
    assert reached == (0 if failure == "down" else 3)
    assert registry.circuit_state == "open"

    started = time.monotonic()
    for uid in uids:  # every UID fails fast, without touching the registry
        with pytest.raises(RegistryUnavailable) as raised:
            await registry.lookup(uid)

    assert time.monotonic() - started < TIMEOUT  # not one of them waited for a timeout
    assert zefix.requests == reached
    assert raised.value.retry_after == 1  # ceil of what is left of the 1 s


async def test_a_success_after_the_recovery_timeout_closes_the_breaker(
        registry: ZefixRegistry, zefix: ZefixServer, uids: tuple[CompanyUID, ...]) -> None:
    active = uids[0]
    zefix.failing = True
    for _ in range(3):
        with pytest.raises(RegistryUnavailable):
            await registry.lookup(active)
    zefix.failing = False
    with pytest.raises(RegistryUnavailable):
        await registry.lookup(active)  # still open, although the registry is back
    assert zefix.requests == 3

    await asyncio.sleep(RECOVERY + 0.1)
    record = await registry.lookup(active)

    assert record.name == "Elektroauto Import AG"
    assert registry.circuit_state == "closed"
    assert zefix.requests == 4


async def test_a_failed_trial_opens_the_breaker_again(registry: ZefixRegistry,
                                                      zefix: ZefixServer,
                                                      uids: tuple[CompanyUID, ...]) -> None:
    zefix.failing = True
    for _ in range(3):
        with pytest.raises(RegistryUnavailable):
            await registry.lookup(uids[0])
    await asyncio.sleep(RECOVERY + 0.1)

    with pytest.raises(RegistryUnavailable):
        await registry.lookup(uids[0])  # the one trial, which fails
    with pytest.raises(RegistryUnavailable):
        await registry.lookup(uids[0])  # open again at once

    assert zefix.requests == 4
    assert registry.circuit_state == "open"


async def test_half_open_lets_exactly_one_trial_through(registry: ZefixRegistry,
                                                        zefix: ZefixServer,
                                                        uids: tuple[CompanyUID, ...]) -> None:
    zefix.failing = True
    for _ in range(3):
        with pytest.raises(RegistryUnavailable):
            await registry.lookup(uids[0])
    zefix.failing = False
    zefix.slow = True  # the trial is still running while the others arrive
    await asyncio.sleep(RECOVERY + 0.1)

    results = await asyncio.gather(*(registry.lookup(uid) for uid in uids * 2),
                                   return_exceptions=True)

    assert all(isinstance(r, RegistryUnavailable) for r in results)
    assert zefix.requests == 4  # three failures, then the single trial
    assert registry.circuit_state == "open"  # the trial timed out


async def test_lookups_work_when_redis_is_unreachable(zefix: ZefixServer,
                                                      uids: tuple[CompanyUID, ...]) -> None:
    closed_port = ZefixServer().port  # a free port nobody listens on
    dead_redis = Redis(host="127.0.0.1", port=closed_port, socket_connect_timeout=0.2)
    started = time.monotonic()
    try:
        async with ZefixRegistry(zefix.base_url, dead_redis, timeout=TIMEOUT) as registry:
            first = await registry.lookup(uids[0])
            second = await registry.lookup(uids[0])
            with pytest.raises(CompanyNotFound):
                await registry.lookup(uids[2])
    finally:
        await dead_redis.aclose()

    assert first == second
    assert first.name == "Elektroauto Import AG"
    assert zefix.requests == 3  # no cache, so every lookup asked the registry
    assert time.monotonic() - started < 2.0  # a dead Redis is skipped, not waited on


async def test_basic_auth_is_sent_and_rejection_does_not_trip_the_breaker(
        redis: Redis, uids: tuple[CompanyUID, ...]) -> None:
    active = uids[0]
    companies = {compact(active): company(str(active), "Elektroauto Import AG")}
    with zefix_server(companies, credentials=("cis", "s3cret")) as server:
        async with ZefixRegistry(server.base_url, redis, timeout=TIMEOUT,
                                 username="cis", password="s3cret") as authorised:
            assert (await authorised.lookup(active)).name == "Elektroauto Import AG"
        await redis.delete(cache_key(active))
        async with ZefixRegistry(server.base_url, redis, timeout=TIMEOUT,
                                 failure_threshold=1) as anonymous:
            with pytest.raises(RegistryUnavailable):
                await anonymous.lookup(active)
            assert anonymous.circuit_state == "closed"
