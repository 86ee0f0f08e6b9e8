"""Who reads what: every query endpoint × every role × an own or a colleague's customer.

Salespeople see their own customers and figures only; a colleague's customer is a 404,
exactly like an unknown id (so no answer tells which ids exist). Sales managers,
auditors, the DPO and admins see every customer and the whole company's figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from psycopg_pool import AsyncConnectionPool

from adapters.postgres.scores import ScoreStore, ScoreUpdate
from adapters.settings import Settings
from domain.lead_features import LeadFacts, Reference
from domain.scoring_prior import PRIOR
from entrypoints.http.auth import Role

SEES_ALL = (Role.SALES_MANAGER, Role.AUDITOR, Role.DPO, Role.ADMIN)


@dataclass(frozen=True)
class Pair:
    """Sara: a customer with a contract and a score; Tom: a customer with a test drive."""

    sara: str
    tom: str
    model: str
    sara_customer: str
    tom_customer: str
    position: int


async def _created(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


@pytest.fixture
async def pair(command_api: Any, bearer: Any, settings: Settings) -> Pair:
    suffix = uuid4().hex[:6]
    sara, tom, model = f"sara-{suffix}", f"tom-{suffix}", f"EV-A{suffix.upper()}"
    as_sara, as_tom = bearer(Role.SALESPERSON, sara), bearer(Role.SALESPERSON, tom)
    await _created(await command_api.put(f"/api/v1/catalog/models/{model}", json={
        "name": "Auth EV", "list_price": 5_000_000}, headers=bearer(Role.ADMIN, "root")))
    customers = []
    for headers in (as_sara, as_tom):
        customers.append((await _created(await command_api.post("/api/v1/customers", json={
            "name": "Noa Frei", "email": "noa@example.ch", "postal_code": "3011",
            "canton": "BE"}, headers=headers)))["id"])
    mine, theirs = customers
    sale = await _created(await command_api.post("/api/v1/sales", json={
        "customer_id": mine, "model": model}, headers=as_sara))
    await _created(await command_api.post(f"/api/v1/sales/{sale['id']}/quote", json={
        "price": 4_800_000, "discount": 200_000}, headers=as_sara))
    await _created(await command_api.post(f"/api/v1/sales/{sale['id']}/contract", json={
        "final_price": 4_700_000}, headers=as_sara))
    drive = await _created(await command_api.post(f"/api/v1/customers/{theirs}/test-drives",
                                                  json={"model": model, "scheduled_at":
                                                        "2026-12-20T10:00:00+01:00"},
                                                  headers=as_tom))
    assert settings.database_url
    async with AsyncConnectionPool(settings.database_url, min_size=1, max_size=1) as pool:
        scores = ScoreStore(pool)
        now = datetime.now(UTC)
        # A lead as hot as they come, so both are on top of the call list.
        score = PRIOR.score({**LeadFacts().features(now, Reference()), "stage": 6,
                             "furthest_stage": 6, "test_drive_completed": 1,
                             "test_drive_rating": 5, "touchpoints_30d_showroom_visit": 9})
        for customer, whose in ((mine, sara), (theirs, tom)):  # as the scoring consumer does
            await scores.save_once("authorisation-test", uuid4(), [ScoreUpdate(
                UUID(customer), drive["position"], now, whose, score)])
    return Pair(sara, tom, model, mine, theirs, drive["position"])


def _caller(role: Role, pair: Pair) -> str:
    return pair.sara if role is Role.SALESPERSON else f"{role.value}-reader"


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
async def test_one_customer_endpoints(query_api: Any, bearer: Any, pair: Pair, role: Role) -> None:
    headers = bearer(role, _caller(role, pair))
    for path in ("/customers/{id}", "/customers/{id}/journey", "/scores/{id}",
                 "/scores/{id}/history"):
        statuses = {}
        for whose, customer in (("own", pair.sara_customer), ("foreign", pair.tom_customer),
                                ("unknown", str(uuid4()))):
            url = "/api/v1" + path.format(id=customer)
            response = await query_api.get(url, headers=headers, params=(
                {} if path.startswith("/scores") else {"min_position": pair.position}))
            statuses[whose] = response.status_code
            if response.status_code == 404:  # the same answer whether unknown or not theirs
                assert "salesperson" not in response.text and pair.tom not in response.text
        expected = {"own": 200, "foreign": 200 if role in SEES_ALL else 404, "unknown": 404}
        assert statuses == expected, (path, role)


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
async def test_call_list(query_api: Any, bearer: Any, pair: Pair, role: Role) -> None:
    headers = bearer(role, _caller(role, pair))
    response = await query_api.get("/api/v1/scores", headers=headers,
                                   params={"order": "score", "limit": 200})
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    listed = {item["customer_id"] for item in items}
    assert pair.sara_customer in listed
    assert (pair.tom_customer in listed) is (role in SEES_ALL)
    if role is Role.SALESPERSON:  # her own customers only, nobody else's
        assert {item["salesperson"] for item in items} == {pair.sara}
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
async def test_customer_search(query_api: Any, bearer: Any, pair: Pair, role: Role) -> None:
    headers = bearer(role, _caller(role, pair))

    async def ids(**params: Any) -> set[str]:
        response = await query_api.get("/api/v1/customers", headers=headers, params={
            "min_position": pair.position, "canton": "BE", "limit": 200, **params})
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    for owner, customer in ((pair.sara, pair.sara_customer), (pair.tom, pair.tom_customer)):
        visible = role in SEES_ALL or owner == pair.sara
        assert (customer in await ids(salesperson=owner)) is visible, (role, owner)
    everyone = await ids(q="Noa Frei")
    assert pair.sara_customer in everyone
    assert (pair.tom_customer in everyone) is (role in SEES_ALL)


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
async def test_dashboards(query_api: Any, bearer: Any, pair: Pair, role: Role) -> None:
    headers = bearer(role, _caller(role, pair))

    async def board(path: str, **params: Any) -> dict[str, Any]:
        response = await query_api.get(f"/api/v1/dashboards/{path}", headers=headers,
                                       params={"min_position": pair.position, **params})
        assert response.status_code == 200, response.text
        return dict(response.json())

    pair_people = {pair.sara, pair.tom}
    funnel = await board("funnel", group_by="salesperson")
    leaders = await board("salespeople")
    drives = await board("test-drives", group_by="model")
    cantons = await board("cantons")
    seen_in_funnel = {g["group"] for g in funnel["groups"]} & pair_people
    seen_in_leaders = {row["salesperson"] for row in leaders["salespeople"]} & pair_people
    tom_drive = [g for g in drives["groups"] if g["group"] == pair.model]
    if role in SEES_ALL:
        assert seen_in_funnel == seen_in_leaders == pair_people
        assert [g["booked"] for g in tom_drive] == [1]
        assert sum(c["customers"] for c in cantons["cantons"]) >= 2
    else:  # only Sara's own figures: one customer, her contract, not Tom's test drive
        assert [g["group"] for g in funnel["groups"]] == [pair.sara]
        assert [row["salesperson"] for row in leaders["salespeople"]] == [pair.sara]
        assert tom_drive == []
        assert [(c["canton"], c["customers"], c["revenue"]) for c in cantons["cantons"]] == [
            ("BE", 1, 4_700_000)]


async def test_every_query_endpoint_needs_a_token(query_api: Any) -> None:
    some = uuid4()
    for path in ("/customers", f"/customers/{some}", f"/customers/{some}/journey",
                 f"/scores/{some}", f"/scores/{some}/history", "/scores",
                 "/dashboards/funnel", "/dashboards/cantons",
                 "/dashboards/test-drives", "/dashboards/salespeople", "/dashboards/stream"):
        assert (await query_api.get(f"/api/v1{path}")).status_code == 401, path
