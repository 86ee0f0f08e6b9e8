"""Postgres going away under running APIs: 503 with Retry-After at once, never 500 or a hang.

The test starts a Postgres of its own, so stopping it harms no other test.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from litestar.testing import AsyncTestClient

from adapters.embedded.process import ServerProcess
from adapters.settings import Settings
from entrypoints.command_api.app import create_command_app
from entrypoints.http.auth import Role
from entrypoints.query_api.app import create_query_app
from tests.faults.conftest import paused

CUSTOMER = {"name": "Ivo Rossi", "email": "ivo@example.ch", "postal_code": "6900",
            "canton": "TI"}


async def test_commands_queries_and_ready_say_503_when_postgres_is_down(
    own_postgres: tuple[Settings, ServerProcess], bearer: Any
) -> None:
    own, server = own_postgres
    headers = bearer(Role.SALES_MANAGER)
    async with AsyncTestClient(app=create_command_app(own)) as commands, \
            AsyncTestClient(app=create_query_app(own)) as queries:
        created = await commands.post("/api/v1/customers", json=CUSTOMER, headers=headers)
        assert created.status_code == 201

        server.stop()  # Postgres goes away
        answers = []
        for _ in range(3):  # also once the pools know their connections are gone
            started = time.monotonic()
            answers.append((await commands.post("/api/v1/customers", json=CUSTOMER,
                                                headers=headers), time.monotonic() - started))
            answers.append((await queries.get(f"/api/v1/customers/{created.json()['id']}",
                                              headers=headers), time.monotonic() - started))
        ready = await queries.get("/ready")

    for response, _seconds in answers:
        assert response.status_code == 503, response.text
        assert int(response.headers["retry-after"]) > 0
        assert response.headers["content-type"].startswith("application/problem+json")
    assert ready.status_code == 503 and ready.json()["checks"]["postgres"] != "ok"
    assert max(seconds for _, seconds in answers) < 15  # bounded: no hang


QUERIES = ["/api/v1/customers", "/api/v1/customers/{id}", "/api/v1/customers/{id}?min_position=1",
           "/api/v1/customers/{id}/journey", "/api/v1/scores/{id}", "/api/v1/dashboards/funnel",
           "/api/v1/dashboards/cantons", "/api/v1/dashboards/test-drives",
           "/api/v1/dashboards/salespeople", "/ready"]


async def test_every_path_answers_503_soon_while_postgres_is_paused(
    own_postgres: tuple[Settings, ServerProcess], bearer: Any
) -> None:
    own, server = own_postgres
    manager, admin = bearer(Role.SALES_MANAGER), bearer(Role.ADMIN)
    async with AsyncTestClient(app=create_command_app(own)) as commands, \
            AsyncTestClient(app=create_query_app(own)) as queries:
        cid = (await commands.post("/api/v1/customers", json=CUSTOMER,
                                   headers=manager)).json()["id"]
        for path in QUERIES:  # every pool holds open connections before the stall
            await queries.get(path.format(id=cid), headers=manager)

        sends = [
            *((queries, "GET", path.format(id=cid), None, manager) for path in QUERIES),
            (commands, "POST", "/api/v1/customers", CUSTOMER, manager),
            (commands, "POST", "/api/v1/customers", CUSTOMER,
             {**manager, "Idempotency-Key": "paused-1"}),
            (commands, "POST", f"/api/v1/customers/{cid}/touchpoints",
             {"kind": "call", "channel": "phone"}, manager),
            (commands, "PUT", "/api/v1/catalog/models/EV-ONE",
             {"name": "Example EV", "list_price": 4990000}, admin),
            (commands, "PUT", "/api/v1/incentives/BE", {"amount": 0, "description": "none"}, admin),
            (commands, "GET", "/ready", None, None),
        ]
        with paused(server):
            answers = await asyncio.gather(*(_timed(client, method, path, body, headers)
                                             for client, method, path, body, headers in sends))

    for (_, method, path, _, _), (response, seconds) in zip(sends, answers, strict=True):
        # 504 only where a write's outcome could not be confirmed (see test_outcome_truth).
        assert response.status_code in (503, 504), (method, path, response.text)
        assert int(response.headers["retry-after"]) > 0, (method, path)
        assert seconds < 6, (method, path, seconds)


async def _timed(client: Any, method: str, path: str, body: Any,
                 headers: dict[str, str] | None) -> tuple[Any, float]:
    started = time.monotonic()
    response = await client.request(method, path, json=body, headers=headers)
    return response, time.monotonic() - started
