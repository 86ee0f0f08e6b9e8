"""Many clients writing to the same few customers at once, through a real uvicorn.

Every answer is 200 or 409 (never a 5xx), and each 200 wrote exactly one event: a
command without `If-Match` that meets a concurrent write to its customer runs again on
the new version instead of failing.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from typing import Any

import httpx
import psycopg

from adapters.embedded.process import ServerProcess
from adapters.settings import Settings
from application.services import CustomerIntelligence
from entrypoints.http.auth import Role
from tests.faults.servers import serve_command_api

CUSTOMER = {"name": "Lina Frei", "email": "lina@example.ch", "postal_code": "8001",
            "canton": "ZH"}
TOUCHPOINT = {"kind": "call", "channel": "phone", "note": "called back"}
CLIENTS = 32
REQUESTS_PER_CLIENT = 12  # below the rate limit: every client is a subject of its own


async def test_concurrent_touchpoints_are_200_or_409_and_each_200_wrote_once(
    settings: Settings, app: CustomerIntelligence, bearer: Any
) -> None:
    with serve_command_api(settings) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as setup:
            ids = [(await setup.post("/api/v1/customers", json=CUSTOMER,
                                     headers=bearer(Role.SALES_MANAGER, "mia"))).json()["id"]
                   for _ in range(3)]  # few customers: writers meet each other

        async def client(number: int) -> list[int]:
            headers = bearer(Role.SALES_MANAGER, f"manager-{number}")
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
                return [(await http.post(f"/api/v1/customers/{random.choice(ids)}/touchpoints",
                                         json=TOUCHPOINT, headers=headers)).status_code
                        for _ in range(REQUESTS_PER_CLIENT)]

        statuses = Counter(status for batch in await asyncio.gather(
            *(client(n) for n in range(CLIENTS))) for status in batch)

    assert set(statuses) <= {200, 409}, statuses
    events_written = sum(app.get_customer(cid).version - 1 for cid in ids)
    assert events_written == statuses[200]


async def test_a_write_whose_claim_cannot_be_dropped_is_answered_once_without_an_error(
    own_postgres: tuple[Settings, ServerProcess], bearer: Any, capfd: Any
) -> None:
    """Under load the claim pool may not give a connection in time for dropping a
    request's own claim after the answer went out: the answer stays the one sent."""
    own, _ = own_postgres
    assert own.database_url
    with psycopg.connect(own.database_url, autocommit=True) as conn:
        # Dropping an implicit claim outlasts the claim pool's statement timeout.
        conn.execute("""
            CREATE FUNCTION slow_forget() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_sleep(2.5); RETURN OLD; END $$""")
        conn.execute("CREATE TRIGGER slow_forget BEFORE DELETE ON idempotency_keys FOR EACH ROW "
                     "WHEN (OLD.key LIKE '~%') EXECUTE FUNCTION slow_forget()")
    capfd.readouterr()
    with serve_command_api(own) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            headers = bearer(Role.SALES_MANAGER, "mia")
            customer = (await http.post("/api/v1/customers", json=CUSTOMER,
                                        headers=headers)).json()["id"]
            answer = await http.post(f"/api/v1/customers/{customer}/touchpoints",
                                     json=TOUCHPOINT, headers=headers)
            await asyncio.sleep(1.0)  # the claim's DELETE ends meanwhile

    assert answer.status_code == 200, answer.text
    logs = [json.loads(line) for line in "".join(capfd.readouterr()).splitlines()
            if line.startswith("{")]
    failures = [line for line in logs if line.get("level") in ("error", "critical")]
    assert failures == [], failures
