"""Every command endpoint: success, bad input, unknown id, no token, wrong role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import pytest

from entrypoints.http.auth import Role
from tests.factories import soon

MISSING = "00000000-0000-4000-8000-000000000000"


@dataclass
class World:
    """A customer with a booked test drive and an open sale, owned by salesperson sara."""

    customer: str
    drive: str
    sale: str
    model: str


@pytest.fixture
async def world(command_api: Any, bearer: Any) -> World:
    admin, sara = bearer(Role.ADMIN, "root"), bearer(Role.SALESPERSON, "sara")
    model = f"EV-{uuid4().hex[:5].upper()}"
    for code in (model, "EV-TWO"):  # the cases record interest in, and book, EV-TWO
        await command_api.put(f"/api/v1/catalog/models/{code}",
                              json={"name": "Test EV", "list_price": 5_000_000}, headers=admin)
    customer = (await command_api.post("/api/v1/customers", headers=sara, json={
        "name": "Ruth Graf", "email": "ruth@example.ch", "postal_code": "9000",
        "canton": "SG"})).json()["id"]
    drive = (await command_api.post(f"/api/v1/customers/{customer}/test-drives", headers=sara,
                                    json={"model": model,
                                          "scheduled_at": soon(8).isoformat()})).json()["id"]
    sale = (await command_api.post("/api/v1/sales", headers=sara,
                                   json={"customer_id": customer, "model": model})).json()["id"]
    return World(customer, drive, sale, model)


Case = tuple[str, Callable[[World], str], dict[str, Any], dict[str, Any], str]
# (method, path, a valid body, an invalid body, the field the invalid body gets wrong)
CASES: list[Case] = [
    ("post", lambda w: f"/customers/{w.customer}/contact", {"email": "r@example.org"},
     {"email": "nope"}, "email"),
    ("post", lambda w: f"/customers/{w.customer}/address",
     {"postal_code": "9000", "canton": "SG", "street": "Marktgasse 1"},
     {"postal_code": "9000", "canton": "ZH"}, "postal_code"),
    ("post", lambda w: f"/customers/{w.customer}/preferences",
     {"language": "fr", "budget_min": 3_000_000, "budget_max": 6_000_000},
     {"language": "fr", "budget_min": 6_000_000, "budget_max": 3_000_000}, "budget"),
    ("post", lambda w: f"/customers/{w.customer}/interests", {"model": "EV-TWO"},
     {"model": "?"}, "model"),
    ("post", lambda w: f"/customers/{w.customer}/touchpoints",
     {"kind": "call", "channel": "phone", "note": "asked for a brochure"},
     {"kind": "fax", "channel": "phone"}, "kind"),
    ("post", lambda w: f"/customers/{w.customer}/consents",
     {"purpose": "marketing", "granted": True}, {"purpose": "spam", "granted": True}, "purpose"),
    ("post", lambda w: f"/customers/{w.customer}/test-drives",
     {"model": "EV-TWO", "scheduled_at": soon(9).isoformat()},
     {"model": "EV-TWO", "scheduled_at": soon(9).replace(tzinfo=None).isoformat()},
     "scheduled_at"),
    ("post", lambda w: f"/customers/{w.customer}/test-drives/{w.drive}/complete",
     {"rating": 4}, {"rating": 9}, "rating"),
    ("post", lambda w: f"/sales/{w.sale}/quote", {"price": 4_900_000, "discount": 100_000},
     {"price": 4_900_000, "discount": -1}, "discount"),
    ("post", lambda w: f"/sales/{w.sale}/cancel", {"reason": "no_stock"},
     {"reason": "bored"}, "reason"),
]
IDS = [case[1](World("c", "t", "s", "m")).split("/")[-1] for case in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_success(command_api: Any, bearer: Any, world: World, case: Case) -> None:
    method, path, valid, _, _ = case
    response = await command_api.request(method, "/api/v1" + path(world), json=valid,
                                         headers=bearer(Role.SALESPERSON, "sara"))
    assert response.status_code in (200, 201), response.text
    body = response.json()
    assert set(body) == {"id", "version", "position"} and body["position"] > 0


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_bad_input_names_the_field(command_api: Any, bearer: Any, world: World,
                                         case: Case) -> None:
    method, path, _, invalid, field = case
    response = await command_api.request(method, "/api/v1" + path(world), json=invalid,
                                         headers=bearer(Role.SALES_MANAGER, "mia"))
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_unknown_ids_are_404(command_api: Any, bearer: Any, world: World,
                                   case: Case) -> None:
    method, path, valid, _, _ = case
    unknown = World(MISSING, MISSING, MISSING, world.model)
    response = await command_api.request(method, "/api/v1" + path(unknown), json=valid,
                                         headers=bearer(Role.SALES_MANAGER, "mia"))
    assert response.status_code == 404, response.text


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_auth_and_roles(command_api: Any, bearer: Any, world: World, case: Case) -> None:
    method, path, valid, _, _ = case
    url = "/api/v1" + path(world)
    anonymous = await command_api.request(method, url, json=valid)
    auditor = await command_api.request(method, url, json=valid, headers=bearer(Role.AUDITOR))
    dpo = await command_api.request(method, url, json=valid, headers=bearer(Role.DPO))
    colleague = await command_api.request(method, url, json=valid,
                                          headers=bearer(Role.SALESPERSON, "otto"))
    assert anonymous.status_code == 401
    assert auditor.status_code == dpo.status_code == 403
    assert colleague.status_code == 403  # not otto's customer or sale


async def test_only_admins_change_reference_data(command_api: Any, bearer: Any) -> None:
    body = {"name": "Test EV", "list_price": 4_000_000}
    for role in (Role.SALESPERSON, Role.SALES_MANAGER, Role.AUDITOR, Role.DPO):
        response = await command_api.put("/api/v1/catalog/models/EV-ROLE", json=body,
                                          headers=bearer(role))
        assert response.status_code == 403
    bad = await command_api.put("/api/v1/incentives/XX", json={"amount": 0, "description": "x"},
                                headers=bearer(Role.ADMIN))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "canton"


async def test_only_managers_assign_and_only_the_dpo_erases(
    command_api: Any, bearer: Any, world: World
) -> None:
    assign = f"/api/v1/customers/{world.customer}/assignment"
    erase = f"/api/v1/dsg/customers/{world.customer}/erasure"
    why = {"reason": "art. 32 DSG"}
    assert (await command_api.post(assign, json={"salesperson": "otto"},
                                   headers=bearer(Role.SALESPERSON, "sara"))).status_code == 403
    assert (await command_api.post(assign, json={"salesperson": "otto"},
                                   headers=bearer(Role.SALES_MANAGER))).status_code == 200
    assert (await command_api.post(erase, json=why,
                                   headers=bearer(Role.SALES_MANAGER))).status_code == 403
    erased = await command_api.post(erase, json=why, headers=bearer(Role.DPO))
    assert erased.status_code == 200
    # After erasure the customer refuses commands: 409.
    after = await command_api.post(f"/api/v1/customers/{world.customer}/interests",
                                   json={"model": "EV-TWO"}, headers=bearer(Role.SALES_MANAGER))
    assert after.status_code == 409


async def test_sale_steps_out_of_order_are_409(command_api: Any, bearer: Any,
                                               world: World) -> None:
    sara = bearer(Role.SALESPERSON, "sara")
    for step, body in [("reserve", {"deposit": 100}), ("contract", {"final_price": 100}),
                       ("deliver", {"vin": "WVWZZZ1KZ6W000001", "delivered_on": "2027-01-01"})]:
        response = await command_api.post(f"/api/v1/sales/{world.sale}/{step}", json=body,
                                          headers=sara)
        assert response.status_code == 409, (step, response.text)


async def test_a_malformed_body_is_400_not_500(command_api: Any, bearer: Any,
                                               world: World) -> None:
    response = await command_api.post(f"/api/v1/customers/{world.customer}/contact",
                                      content=b"{not json", headers={
                                          **bearer(Role.SALES_MANAGER),
                                          "content-type": "application/json"})
    assert response.status_code == 400
