"""Journey and dashboard queries over HTTP: roles, visibility, read-your-write, ETag/304."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import pytest

from entrypoints.http.auth import Role

Headers = dict[str, str]


@dataclass(frozen=True)
class Scene:
    sara: str  # two salespeople unique to this test
    tom: str
    model: str
    sara_customer: str
    tom_customer: str
    position: int


async def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


async def _register(command_api: Any, headers: Headers) -> dict[str, Any]:
    body = {"name": "Gianna Rossi", "email": "gianna@example.ch", "postal_code": "6900",
            "canton": "TI", "language": "it"}
    return await _ok(await command_api.post("/api/v1/customers", json=body, headers=headers), 201)


@pytest.fixture
async def scene(command_api: Any, bearer: Any) -> Scene:
    """Sara: one customer with a contract of CHF 45'000; Tom: one lead."""
    suffix = uuid4().hex[:6]
    sara, tom, model = f"sara-{suffix}", f"tom-{suffix}", f"EV-Q{suffix.upper()}"
    as_sara = bearer(Role.SALESPERSON, sara)
    await _ok(await command_api.put(f"/api/v1/catalog/models/{model}",
                                    json={"name": "Query EV", "list_price": 5_000_000},
                                    headers=bearer(Role.ADMIN, "root")), 201)
    mine = await _register(command_api, as_sara)
    theirs = await _register(command_api, bearer(Role.SALESPERSON, tom))
    await _ok(await command_api.post(f"/api/v1/customers/{mine['id']}/interests",
                                     json={"model": model}, headers=as_sara))
    sale = await _ok(await command_api.post("/api/v1/sales", json={
        "customer_id": mine["id"], "model": model}, headers=as_sara), 201)
    await _ok(await command_api.post(f"/api/v1/sales/{sale['id']}/quote", json={
        "price": 4_600_000, "discount": 400_000, "incentives": 0}, headers=as_sara))
    signed = await _ok(await command_api.post(f"/api/v1/sales/{sale['id']}/contract",
                                              json={"final_price": 4_500_000}, headers=as_sara))
    return Scene(sara, tom, model, mine["id"], theirs["id"], signed["position"])


async def _get(query_api: Any, path: str, headers: Headers, **params: Any) -> dict[str, Any]:
    return await _ok(await query_api.get(f"/api/v1{path}", params=params, headers=headers))


async def test_dashboards_need_a_token(query_api: Any) -> None:
    for path in ("funnel", "cantons", "test-drives", "salespeople"):
        response = await query_api.get(f"/api/v1/dashboards/{path}")
        assert response.status_code == 401


async def test_every_role_reads_the_dashboards(query_api: Any, bearer: Any, scene: Scene) -> None:
    for role in Role:
        for path in ("funnel", "cantons", "test-drives", "salespeople"):
            await _get(query_api, f"/dashboards/{path}", bearer(role, "anyone"),
                       min_position=scene.position)


async def test_leaderboard_reads_its_own_writes(query_api: Any, bearer: Any, scene: Scene) -> None:
    body = await _get(query_api, "/dashboards/salespeople", bearer(Role.SALES_MANAGER, "mia"),
                      min_position=scene.position)
    rows = {row["salesperson"]: row for row in body["salespeople"]}
    assert rows[scene.sara] == {"salesperson": scene.sara, "contracts": 1, "revenue": 4_500_000,
                                "customers_assigned": 1, "conversion_rate": 1.0}
    assert rows[scene.tom] == {"salesperson": scene.tom, "contracts": 0, "revenue": 0,
                               "customers_assigned": 1, "conversion_rate": 0.0}
    revenues = [row["revenue"] for row in body["salespeople"]]
    assert revenues == sorted(revenues, reverse=True)


async def test_a_salesperson_sees_only_own_figures(
    query_api: Any, bearer: Any, scene: Scene
) -> None:
    as_sara = bearer(Role.SALESPERSON, scene.sara)
    board = await _get(query_api, "/dashboards/salespeople", as_sara, min_position=scene.position)
    assert [row["salesperson"] for row in board["salespeople"]] == [scene.sara]
    funnel = await _get(query_api, "/dashboards/funnel", as_sara, group_by="salesperson")
    assert funnel == {"group_by": "salesperson", "groups": [{
        "group": scene.sara,
        "counts": {"lead": 1, "engaged": 1, "test_drive": 1, "negotiation": 1, "reserved": 1,
                   "contracted": 1, "delivered": 0},
        "conversion": {"lead_to_engaged": 1.0, "engaged_to_test_drive": 1.0,
                       "test_drive_to_negotiation": 1.0, "negotiation_to_reserved": 1.0,
                       "reserved_to_contracted": 1.0, "contracted_to_delivered": 0.0}}]}
    cantons = await _get(query_api, "/dashboards/cantons", as_sara)
    [ti] = cantons["cantons"]
    assert {k: ti[k] for k in ("canton", "customers", "new_last_24h", "conversion_rate",
                               "revenue")} == {"canton": "TI", "customers": 1, "new_last_24h": 1,
                                               "conversion_rate": 1.0, "revenue": 4_500_000}
    as_tom = bearer(Role.SALESPERSON, scene.tom)
    [tom_ti] = (await _get(query_api, "/dashboards/cantons", as_tom))["cantons"]
    assert (tom_ti["customers"], tom_ti["revenue"], tom_ti["conversion_rate"]) == (1, 0, 0.0)
    drives = await _get(query_api, "/dashboards/test-drives", as_tom, group_by="canton")
    assert drives == {"group_by": "canton", "groups": []}


async def test_model_funnel_for_the_company(query_api: Any, bearer: Any, scene: Scene) -> None:
    body = await _get(query_api, "/dashboards/funnel", bearer(Role.AUDITOR, "aud"),
                      group_by="model", min_position=scene.position)
    [group] = [g for g in body["groups"] if g["group"] == scene.model]
    assert group["counts"]["engaged"] == 1 and group["counts"]["contracted"] == 1


async def test_etag_answers_304_until_the_read_model_moves(
    query_api: Any, command_api: Any, bearer: Any, scene: Scene
) -> None:
    manager = bearer(Role.SALES_MANAGER, "mia")
    first = await query_api.get("/api/v1/dashboards/cantons", headers=manager,
                                params={"min_position": scene.position})
    etag = first.headers["etag"]
    again = await query_api.get("/api/v1/dashboards/cantons",
                                headers={**manager, "If-None-Match": etag})
    assert (again.status_code, again.headers["etag"]) == (304, etag)
    assert (await query_api.get("/api/v1/dashboards/cantons", headers={
        **bearer(Role.SALESPERSON, scene.sara), "If-None-Match": etag})).status_code == 200
    written = await _register(command_api, bearer(Role.SALESPERSON, scene.tom))
    moved = await query_api.get("/api/v1/dashboards/cantons",
                                headers={**manager, "If-None-Match": etag},
                                params={"min_position": written["position"]})
    assert moved.status_code == 200 and moved.headers["etag"] != etag


async def test_bad_grouping_is_a_400(query_api: Any, bearer: Any) -> None:
    response = await query_api.get("/api/v1/dashboards/funnel", params={"group_by": "colour"},
                                   headers=bearer(Role.SALES_MANAGER, "mia"))
    assert response.status_code == 400


async def test_journey_of_own_customer(query_api: Any, bearer: Any, scene: Scene) -> None:
    body = await _get(query_api, f"/customers/{scene.sara_customer}/journey",
                      bearer(Role.SALESPERSON, scene.sara), min_position=scene.position)
    assert (body["customer_id"], body["stage"], body["salesperson"], body["canton"]) == (
        scene.sara_customer, "contracted", scene.sara, "TI")
    assert [s["step"] for s in body["steps"]] == [
        "registered", "vehicle_interest", "sale_opened", "sale_quoted", "sale_contracted"]
    assert body["steps"][-1]["details"] == {"model": scene.model, "final_price": 4_500_000}
    assert "Gianna" not in str(body) and "gianna@" not in str(body)


async def test_journey_is_hidden_from_other_salespeople(
    query_api: Any, bearer: Any, scene: Scene
) -> None:
    path = f"/api/v1/customers/{scene.sara_customer}/journey"
    params = {"min_position": scene.position}
    tom = await query_api.get(path, params=params, headers=bearer(Role.SALESPERSON, scene.tom))
    assert tom.status_code == 404
    manager = await query_api.get(path, params=params, headers=bearer(Role.SALES_MANAGER, "mia"))
    assert manager.status_code == 200
    unknown = await query_api.get(f"/api/v1/customers/{uuid4()}/journey",
                                  headers=bearer(Role.SALES_MANAGER, "mia"))
    assert unknown.status_code == 404
    assert (await query_api.get(path)).status_code == 401


async def test_made_up_parameters_do_not_make_new_cache_entries(
    query_api: Any, bearer: Any
) -> None:
    manager = bearer(Role.SALES_MANAGER, "mia")
    answers = set()  # (position, etag): a position that moves meanwhile makes a new entry
    for junk in (None, "1", "2", "x" * 50):
        response = await query_api.get("/api/v1/dashboards/funnel", headers=manager, params={
            "group_by": "model", **({"junk": junk} if junk else {})})
        assert response.status_code == 200
        answers.add((response.headers["x-read-model-position"], response.headers["etag"]))
    positions = {position for position, _ in answers}
    assert len(answers) == len(positions)  # one entry, whatever else the URL holds
