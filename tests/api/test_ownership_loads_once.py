"""Ownership is checked on the aggregate the command changes: one load, not a second one
before it (no gap between the check and the write)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID, uuid4

import pytest
from litestar.testing import AsyncTestClient

from adapters.settings import Settings
from application.services import CustomerIntelligence
from entrypoints.command_api.app import create_command_app
from entrypoints.http.auth import Role
from tests.factories import soon


@pytest.fixture
async def api_and_app(settings: Settings
                      ) -> AsyncIterator[tuple[AsyncTestClient, CustomerIntelligence]]:  # type: ignore[type-arg]
    litestar_app = create_command_app(settings)
    cis: CustomerIntelligence = next(
        handler.resolve_dependencies()["cis"].dependency()
        for route in litestar_app.routes for handler in route.route_handlers  # type: ignore[union-attr]
        if "cis" in handler.resolve_dependencies())
    async with AsyncTestClient(app=litestar_app) as client:
        yield client, cis


@contextmanager
def counting_loads(cis: CustomerIntelligence) -> Iterator[Counter[UUID]]:
    """Count the real repository's loads per aggregate id (it still loads from Postgres)."""
    loads: Counter[UUID] = Counter()
    real_get = cis.repository.get

    def get(aggregate_id: UUID, *args: Any, **kwargs: Any) -> Any:
        loads[aggregate_id] += 1
        return real_get(aggregate_id, *args, **kwargs)

    cis.repository.get = get  # type: ignore[method-assign]
    try:
        yield loads
    finally:
        cis.repository.get = real_get  # type: ignore[method-assign]


async def test_a_customer_command_loads_the_customer_once(
    api_and_app: tuple[Any, CustomerIntelligence], bearer: Any
) -> None:
    client, cis = api_and_app
    sara, other = bearer(Role.SALESPERSON, "sara-once"), bearer(Role.SALESPERSON, "otto-once")
    customer = (await client.post("/api/v1/customers", headers=sara, json={
        "name": "Ruth Graf", "email": "ruth@example.ch", "postal_code": "9000",
        "canton": "SG"})).json()["id"]
    with counting_loads(cis) as loads:
        done = await client.post(f"/api/v1/customers/{customer}/contact", headers=sara,
                                 json={"email": "ruth@example.org"})
    assert done.status_code == 200, done.text
    assert loads[UUID(customer)] == 1
    with counting_loads(cis) as loads:
        refused = await client.post(f"/api/v1/customers/{customer}/contact", headers=other,
                                    json={"email": "ruth@example.net"})
    assert refused.status_code == 403, refused.text
    assert refused.json()["detail"] == "this customer is assigned to another salesperson"
    assert loads[UUID(customer)] == 1


async def test_a_test_drive_and_a_sale_command_load_their_aggregate_once(
    api_and_app: tuple[Any, CustomerIntelligence], bearer: Any
) -> None:
    client, cis = api_and_app
    admin, sara = bearer(Role.ADMIN, "root"), bearer(Role.SALESPERSON, "sara-once")
    model = f"EV-{uuid4().hex[:5].upper()}"
    await client.put(f"/api/v1/catalog/models/{model}", headers=admin,
                     json={"name": "Once EV", "list_price": 5_000_000})
    customer = (await client.post("/api/v1/customers", headers=sara, json={
        "name": "Ruth Graf", "email": "ruth@example.ch", "postal_code": "9000",
        "canton": "SG"})).json()["id"]
    with counting_loads(cis) as loads:
        drive = await client.post(f"/api/v1/customers/{customer}/test-drives", headers=sara,
                                  json={"model": model, "scheduled_at": soon(8).isoformat()})
    assert drive.status_code == 201, drive.text
    assert loads[UUID(customer)] == 1
    with counting_loads(cis) as loads:
        opened = await client.post("/api/v1/sales", headers=sara,
                                   json={"customer_id": customer, "model": model})
    assert opened.status_code == 201, opened.text
    assert loads[UUID(customer)] == 1
    sale = opened.json()["id"]
    with counting_loads(cis) as loads:
        # Without incentives: the canton's applies, found through the customer loaded once.
        quoted = await client.post(f"/api/v1/sales/{sale}/quote", headers=sara,
                                   json={"price": 4_900_000})
    assert quoted.status_code == 200, quoted.text
    # The sale once; its customer once, for its owner (the customer's salesperson now).
    assert (loads[UUID(sale)], loads[UUID(customer)]) == (1, 1)
