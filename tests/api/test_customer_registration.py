"""POST /api/v1/customers and GET /api/v1/customers/{id}, as a client sees them."""

from __future__ import annotations

from typing import Any

import pytest

from entrypoints.http.auth import Role

VALID = {
    "name": "Anna Muster",
    "email": "anna@example.ch",
    "postal_code": "8001",
    "canton": "ZH",
    "language": "de",
}


async def test_register_then_read_own_write(command_api: Any, query_api: Any, bearer: Any) -> None:
    # Register as a salesperson.
    created = await command_api.post("/api/v1/customers", json=VALID,
                                     headers=bearer(Role.SALESPERSON, "sara"))
    assert created.status_code == 201
    body = created.json()
    assert body["version"] == 1 and body["position"] >= 1

    # Read it back, waiting for the projection to reach the write's position.
    read = await query_api.get(f"/api/v1/customers/{body['id']}",
                               params={"min_position": body["position"]},
                               headers=bearer(Role.SALESPERSON, "sara"))
    assert read.status_code == 200
    profile = read.json()
    assert (profile["name"], profile["canton"], profile["salesperson"]) == ("Anna Muster", "ZH", "sara")

    # Another salesperson does not see it; a manager does.
    other = await query_api.get(f"/api/v1/customers/{body['id']}",
                                headers=bearer(Role.SALESPERSON, "otto"))
    assert other.status_code == 404
    manager = await query_api.get(f"/api/v1/customers/{body['id']}",
                                  headers=bearer(Role.SALES_MANAGER))
    assert manager.status_code == 200


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"email": "not-an-address"}, 422, "email"),
        ({"postal_code": "0000"}, 422, "postal_code"),
        ({"canton": "GE"}, 422, "postal_code"),
        ({"canton": "XX"}, 422, "canton"),
        ({"language": "es"}, 422, "language"),
        ({"name": 42}, 400, "name"),
        ({"name": ""}, 400, "name"),
        ({"nickname": "Anni"}, 400, "nickname"),
    ],
)
async def test_bad_input_is_a_problem_naming_the_field(
    command_api: Any, bearer: Any, change: dict[str, Any], status: int, field: str
) -> None:
    response = await command_api.post("/api/v1/customers", json={**VALID, **change},
                                      headers=bearer(Role.SALES_MANAGER))
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status
    assert field in [error["field"] for error in problem["errors"]]


async def test_a_missing_field_is_named(command_api: Any, bearer: Any) -> None:
    body = {k: v for k, v in VALID.items() if k != "email"}
    response = await command_api.post("/api/v1/customers", json=body,
                                      headers=bearer(Role.SALES_MANAGER))
    assert response.status_code == 400
    assert "email" in response.json()["detail"]


async def test_no_token_is_401_and_a_reader_role_is_403(command_api: Any, bearer: Any) -> None:
    assert (await command_api.post("/api/v1/customers", json=VALID)).status_code == 401
    forged = {"Authorization": "Bearer not.a.token"}
    assert (await command_api.post("/api/v1/customers", json=VALID, headers=forged)).status_code == 401
    auditor = await command_api.post("/api/v1/customers", json=VALID, headers=bearer(Role.AUDITOR))
    assert auditor.status_code == 403
    assert auditor.headers["content-type"].startswith("application/problem+json")


async def test_unknown_customer_is_404(query_api: Any, bearer: Any) -> None:
    response = await query_api.get("/api/v1/customers/00000000-0000-0000-0000-000000000000",
                                   headers=bearer(Role.SALES_MANAGER))
    assert response.status_code == 404


async def test_a_position_never_reached_gives_503_with_retry_after(query_api: Any, bearer: Any) -> None:
    response = await query_api.get("/api/v1/customers/00000000-0000-0000-0000-000000000000",
                                   params={"min_position": 10**9},
                                   headers=bearer(Role.SALES_MANAGER))
    assert response.status_code == 503
    assert response.headers["retry-after"]


async def test_health_and_ready_need_no_token(command_api: Any, query_api: Any) -> None:
    assert (await command_api.get("/health")).json() == {"status": "ok"}
    ready = await query_api.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"postgres": "ok", "nats": "ok", "redis": "ok"}
