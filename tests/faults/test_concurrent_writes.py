"""Many clients writing to the same few customers at once, through a real uvicorn.

Every answer is 200 or 409 (never a 5xx), and each 200 wrote exactly one event: a
command without `If-Match` that meets a concurrent write to its customer runs again on
the new version instead of failing.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

import httpx

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
