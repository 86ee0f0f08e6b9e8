"""A sale follows its customer's salesperson: reassigning the customer hands over the
customer's sales, on the write side and in the salespeople's figures."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import psycopg
from psycopg.rows import dict_row

from adapters.settings import Settings
from entrypoints.http.auth import Role
from tests.factories import soon

CUSTOMER = {"name": "Lea Meier", "email": "lea@example.ch", "postal_code": "3011",
            "canton": "BE"}


async def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def test_after_a_reassignment_the_new_salesperson_acts_on_the_sales(
    command_api: Any, query_api: Any, bearer: Any, settings: Settings
) -> None:
    suffix = uuid4().hex[:6]
    old, new = bearer(Role.SALESPERSON, f"old-{suffix}"), bearer(Role.SALESPERSON, f"new-{suffix}")
    manager = bearer(Role.SALES_MANAGER, f"mgr-{suffix}")
    model = f"EV-{suffix.upper()}"
    await _ok(await command_api.put(f"/api/v1/catalog/models/{model}", headers=bearer(Role.ADMIN),
                                    json={"name": "Follow EV", "list_price": 5_000_000}), 201)

    # The old salesperson registers the customer, books a drive and opens two sales;
    # one of them is contracted before the customer moves on.
    cid = (await _ok(await command_api.post("/api/v1/customers", json=CUSTOMER, headers=old),
                     201))["id"]
    await _ok(await command_api.post(f"/api/v1/customers/{cid}/test-drives", headers=old,
                                     json={"model": model, "scheduled_at": soon().isoformat()}),
              201)
    open_sale, closed = [
        (await _ok(await command_api.post("/api/v1/sales", headers=old, json={
            "customer_id": cid, "model": model}), 201))["id"] for _ in range(2)]
    await _ok(await command_api.post(f"/api/v1/sales/{closed}/quote", headers=old,
                                     json={"price": 4_900_000, "incentives": 0}))
    await _ok(await command_api.post(f"/api/v1/sales/{closed}/contract", headers=old,
                                     json={"final_price": 4_900_000}))

    # A manager reassigns the customer.
    await _ok(await command_api.post(f"/api/v1/customers/{cid}/assignment", headers=manager,
                                     json={"salesperson": f"new-{suffix}"}))

    # The old salesperson may no longer quote the open sale; the new one may.
    quote = {"price": 4_800_000, "discount": 100_000, "incentives": 0}
    refused = await command_api.post(f"/api/v1/sales/{open_sale}/quote", json=quote, headers=old)
    assert refused.status_code == 403, refused.text
    done = await _ok(await command_api.post(f"/api/v1/sales/{open_sale}/quote", json=quote,
                                            headers=new))
    # The same for the customer's other sale and the customer itself.
    cancel = await command_api.post(f"/api/v1/sales/{closed}/cancel", json={"reason": "other"},
                                    headers=old)
    assert cancel.status_code == 403
    interest = await command_api.post(f"/api/v1/customers/{cid}/interests", headers=new,
                                      json={"model": model})
    assert interest.status_code == 200

    # The figures: the open sale moved to the new salesperson, the contract signed
    # before the reassignment stays with the one who signed it.
    await _ok(await query_api.get("/api/v1/dashboards/salespeople", headers=manager,
                                  params={"min_position": done["position"]}))
    assert settings.database_url
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        rows = conn.execute("SELECT sale_id::text, salesperson, status "
                            "FROM rm_dashboards.sale_facts WHERE customer_id = %s",
                            (cid,)).fetchall()
    assert {row["sale_id"]: (row["salesperson"], row["status"]) for row in rows} == {
        open_sale: (f"new-{suffix}", "quoted"), closed: (f"old-{suffix}", "contracted")}
