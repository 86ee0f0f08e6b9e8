"""Idempotency, If-Match, rate limits and logs: what keeps clients from hurting data."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any
from uuid import UUID

from litestar.testing import AsyncTestClient

from adapters.settings import Settings
from entrypoints.command_api.app import create_command_app
from entrypoints.http.auth import Role

CUSTOMER = {"name": "Nora Keller", "email": "nora.keller@example.ch", "postal_code": "4051",
            "canton": "BS", "language": "de"}


async def test_a_retry_with_the_same_key_replays_the_first_response(
    command_api: Any, bearer: Any
) -> None:
    headers = {**bearer(Role.SALES_MANAGER, "mia"), "Idempotency-Key": "retry-1"}

    first = await command_api.post("/api/v1/customers", json=CUSTOMER, headers=headers)
    again = await command_api.post("/api/v1/customers", json=CUSTOMER, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()  # the same customer, not a second one
    assert again.headers["idempotent-replayed"] == "true"


async def test_the_same_key_with_another_body_is_422(command_api: Any, bearer: Any) -> None:
    headers = {**bearer(Role.SALES_MANAGER, "mia"), "Idempotency-Key": "retry-2"}
    await command_api.post("/api/v1/customers", json=CUSTOMER, headers=headers)

    other = await command_api.post("/api/v1/customers", json={**CUSTOMER, "canton": "BL",
                                                              "postal_code": "4102"},
                                   headers=headers)

    assert other.status_code == 422
    assert other.headers["content-type"].startswith("application/problem+json")


async def test_keys_belong_to_their_caller(command_api: Any, bearer: Any) -> None:
    mine = await command_api.post("/api/v1/customers", json=CUSTOMER,
                                  headers={**bearer(Role.SALES_MANAGER, "mia"),
                                           "Idempotency-Key": "shared-name"})
    theirs = await command_api.post("/api/v1/customers", json=CUSTOMER,
                                    headers={**bearer(Role.SALES_MANAGER, "max"),
                                             "Idempotency-Key": "shared-name"})
    assert mine.json()["id"] != theirs.json()["id"]


async def test_concurrent_retries_write_once(command_api: Any, bearer: Any) -> None:
    headers = {**bearer(Role.SALES_MANAGER, "mia"), "Idempotency-Key": "burst-1"}
    answers = await asyncio.gather(*(command_api.post("/api/v1/customers", json=CUSTOMER,
                                                      headers=headers) for _ in range(5)))
    created = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(created) == 1
    assert {a.status_code for a in answers} <= {201, 409}


async def test_if_match_guards_against_lost_updates(command_api: Any, bearer: Any) -> None:
    manager = bearer(Role.SALES_MANAGER, "mia")
    cid = (await command_api.post("/api/v1/customers", json=CUSTOMER, headers=manager)).json()["id"]
    change = {"email": "nora@example.org"}

    ok = await command_api.post(f"/api/v1/customers/{cid}/contact", json=change,
                                headers={**manager, "If-Match": "1"})
    stale = await command_api.post(f"/api/v1/customers/{cid}/contact", json=change,
                                   headers={**manager, "If-Match": "1"})
    garbage = await command_api.post(f"/api/v1/customers/{cid}/contact", json=change,
                                     headers={**manager, "If-Match": "yesterday"})

    assert ok.status_code == 200 and ok.json()["version"] == 2
    assert stale.status_code == 409
    assert garbage.status_code == 400


async def test_rate_limit_per_caller_with_retry_after(settings: Settings, bearer: Any) -> None:
    limited = dataclasses.replace(settings, rate_limit_per_minute=3)
    async with AsyncTestClient(app=create_command_app(limited)) as client:
        ana = bearer(Role.SALES_MANAGER, "ana-rate")
        codes = [(await client.post("/api/v1/customers", json=CUSTOMER, headers=ana)).status_code
                 for _ in range(4)]
        blocked = await client.post("/api/v1/customers", json=CUSTOMER, headers=ana)
        other = await client.post("/api/v1/customers", json=CUSTOMER,
                                  headers=bearer(Role.SALES_MANAGER, "ben-rate"))
        health = [(await client.get("/health")).status_code for _ in range(5)]

    assert codes[:3] == [201, 201, 201] and codes[3] == 429
    assert int(blocked.headers["retry-after"]) >= 1
    assert other.status_code == 201  # another caller has a budget of their own
    assert health == [200] * 5


async def test_logs_hold_neither_tokens_nor_personal_data(
    command_api: Any, bearer: Any, capfd: Any
) -> None:
    headers = bearer(Role.SALES_MANAGER, "mia")
    token = headers["Authorization"].split()[1]
    # The suite logs at info, the production default (tests/conftest.py).
    await command_api.post("/api/v1/customers", json=CUSTOMER, headers=headers)
    await command_api.post("/api/v1/customers", json={**CUSTOMER, "email": "broken"},
                           headers=headers)
    logs = "".join(capfd.readouterr())

    assert '"path": "/api/v1/customers"' in logs  # the request was logged
    for secret in (token, "Nora", "Keller", "nora.keller@example.ch", "broken"):
        assert secret not in logs


async def test_concurrent_writers_over_http_never_lose_an_update(
    command_api: Any, bearer: Any, app: Any
) -> None:
    manager = bearer(Role.SALES_MANAGER, "mia")
    cid = (await command_api.post("/api/v1/customers", json=CUSTOMER, headers=manager)).json()["id"]
    models = [f"EV-{i}" for i in range(12)]
    for model in models:  # interests are in listed models only
        await command_api.put(f"/api/v1/catalog/models/{model}", headers=bearer(Role.ADMIN),
                              json={"name": "Concurrent EV", "list_price": 5_000_000})

    answers = await asyncio.gather(*(
        command_api.post(f"/api/v1/customers/{cid}/interests", json={"model": model},
                         headers=manager) for model in models))

    codes = [a.status_code for a in answers]
    assert set(codes) <= {200, 409} and 200 in codes
    # Every acknowledged write is in the history, and only those.
    customer = await asyncio.to_thread(app.get_customer, UUID(cid))
    assert customer.version == 1 + codes.count(200)
    assert len(customer.interests) == codes.count(200)
