"""Postgres going away under running APIs: 503 with Retry-After at once, never 500 or a hang.

The test starts a Postgres of its own, so stopping it harms no other test.
"""

from __future__ import annotations

import time
from typing import Any

from litestar.testing import AsyncTestClient

from adapters.embedded.process import ServerProcess
from adapters.settings import Settings
from entrypoints.command_api.app import create_command_app
from entrypoints.http.auth import Role
from entrypoints.query_api.app import create_query_app

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
