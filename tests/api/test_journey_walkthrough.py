"""The whole journey over HTTP with the right roles, as the README's walk-through does."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from entrypoints.http.auth import Role
from tests.factories import soon

CUSTOMER = {"name": "Lea Meier", "email": "lea@example.ch", "postal_code": "3011",
            "canton": "BE", "language": "de", "phone": "031 123 45 67"}


async def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


async def test_register_to_delivery(command_api: Any, bearer: Any) -> None:
    admin, sara = bearer(Role.ADMIN, "root"), bearer(Role.SALESPERSON, "sara")
    code = f"EV-{uuid4().hex[:5].upper()}"

    # An admin lists the model and the canton's incentive (figures made up for the test).
    await _ok(await command_api.put(f"/api/v1/catalog/models/{code}",
                                    json={"name": "Test EV", "list_price": 4_990_000},
                                    headers=admin), 201)
    incentive = await command_api.put("/api/v1/incentives/BE",
                                      json={"amount": 0, "description": "test: none"},
                                      headers=admin)
    assert incentive.status_code in (200, 201)  # 200 if another test declared it first

    # The salesperson registers, records interest and a touchpoint, books a test drive.
    customer = await _ok(await command_api.post("/api/v1/customers", json=CUSTOMER,
                                                headers=sara), 201)
    cid = customer["id"]
    await _ok(await command_api.post(f"/api/v1/customers/{cid}/interests",
                                     json={"model": code}, headers=sara))
    await _ok(await command_api.post(f"/api/v1/customers/{cid}/touchpoints",
                                     json={"kind": "showroom_visit", "channel": "showroom"},
                                     headers=sara))
    drive = await _ok(await command_api.post(
        f"/api/v1/customers/{cid}/test-drives",
        json={"model": code, "scheduled_at": soon(4).isoformat()}, headers=sara), 201)
    done = await _ok(await command_api.post(
        f"/api/v1/customers/{cid}/test-drives/{drive['id']}/complete",
        json={"rating": 5}, headers={**sara, "If-Match": "4"}))
    assert done["version"] == 5

    # The sale, step by step.
    sale = await _ok(await command_api.post("/api/v1/sales",
                                            json={"customer_id": cid, "model": code},
                                            headers=sara), 201)
    sid = sale["id"]
    for step, body in [("quote", {"price": 4_800_000, "discount": 190_000}),
                       ("reserve", {"deposit": 500_000}),
                       ("contract", {"final_price": 4_750_000}),
                       ("deliver", {"vin": "WVWZZZ1KZ6W000001", "delivered_on": "2027-02-01"})]:
        await _ok(await command_api.post(f"/api/v1/sales/{sid}/{step}", json=body,
                                         headers=sara))

    # Delivered is final: cancelling now is a 409.
    late = await command_api.post(f"/api/v1/sales/{sid}/cancel", json={"reason": "other"},
                                  headers=sara)
    assert late.status_code == 409

