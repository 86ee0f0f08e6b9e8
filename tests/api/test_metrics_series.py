"""/metrics of both APIs as Prometheus scrapes it: requests by route, events by type,
ZEFIX latency."""

from __future__ import annotations

import dataclasses
from typing import Any

from litestar.testing import AsyncTestClient

from adapters.settings import Settings
from entrypoints.command_api.app import create_command_app
from entrypoints.http.auth import Role
from tests.integration.test_zefix_registry import new_uid
from tests.metrics import sample
from tests.zefix_server import company, zefix_server

CUSTOMER = {"name": "Mia Keller", "email": "mia.keller@example.ch", "postal_code": "4051",
            "canton": "BS", "language": "de"}
PROFILE = "/api/v1/customers/{customer_id}"


async def _scrape(client: Any) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return str(response.text)


def _requests(text: str, app: str, method: str, path: str, status: str) -> float:
    return sample(text, "cis_api_requests_total", app_name=app, method=method, path=path,
                  status_code=status) or 0.0


async def test_both_apis_count_requests_by_route_template(
    command_api: Any, query_api: Any, bearer: Any
) -> None:
    manager = bearer(Role.SALES_MANAGER, "metrics-mia")
    before_c, before_q = await _scrape(command_api), await _scrape(query_api)

    created = await command_api.post("/api/v1/customers", json=CUSTOMER, headers=manager)
    assert created.status_code == 201, created.text
    written = created.json()
    for _ in range(2):
        read = await query_api.get(f"/api/v1/customers/{written['id']}", headers=manager,
                                   params={"min_position": written["position"]})
        assert read.status_code == 200, read.text

    after_c, after_q = await _scrape(command_api), await _scrape(query_api)
    route = ("command", "POST", "/api/v1/customers", "201")
    assert _requests(after_c, *route) == _requests(before_c, *route) + 1
    profile = ("query", "GET", PROFILE, "200")
    assert _requests(after_q, *profile) == _requests(before_q, *profile) + 2
    # By the route's template: no series per customer id.
    assert written["id"] not in after_q
    assert sample(after_q, "cis_api_request_duration_seconds_count", app_name="query",
                  path=PROFILE) is not None
    # Errors (5xx) by route are declared even before there is one.
    assert "# TYPE cis_api_requests_error_total counter" in after_c


async def test_a_registration_counts_one_event_appended_by_type(
    command_api: Any, bearer: Any
) -> None:
    registered = {"event_type": "Customer.Registered"}
    before = sample(await _scrape(command_api), "cis_events_appended_total", **registered) or 0

    created = await command_api.post("/api/v1/customers", json=CUSTOMER,
                                     headers=bearer(Role.SALESPERSON, "metrics-sara"))
    assert created.status_code == 201, created.text
    refused = await command_api.post("/api/v1/customers", json={**CUSTOMER, "canton": "XX"},
                                     headers=bearer(Role.SALESPERSON, "metrics-sara"))
    assert refused.status_code in (400, 422)  # nothing appended: nothing counted

    text = await _scrape(command_api)
    assert sample(text, "cis_events_appended_total", **registered) == before + 1
    assert CUSTOMER["email"] not in text and CUSTOMER["name"] not in text


async def test_zefix_latency_is_recorded_by_answer(settings: Settings, bearer: Any) -> None:
    known, unknown, other = new_uid(), new_uid(), new_uid()
    compact = str(known).replace("-", "").replace(".", "")
    headers = bearer(Role.SALESPERSON, "metrics-sara")
    with zefix_server({compact: company(str(known), "Metrik Elektro AG")}) as register:
        app = create_command_app(dataclasses.replace(settings, zefix_url=register.base_url))
        async with AsyncTestClient(app=app) as client:
            before = await _scrape(client)
            found = await client.get(f"/api/v1/registry/companies/{known}", headers=headers)
            missing = await client.get(f"/api/v1/registry/companies/{unknown}", headers=headers)
            register.down = True
            down = await client.get(f"/api/v1/registry/companies/{other}", headers=headers)
            after = await _scrape(client)
    assert (found.status_code, missing.status_code, down.status_code) == (200, 404, 503)

    def calls(text: str, status: str) -> float:
        return sample(text, "swiss_api_response_time_seconds_count", api_type="zefix",
                      status=status) or 0.0

    for status in ("200", "404", "transport_error"):
        assert calls(after, status) == calls(before, status) + 1, status
    assert (sample(after, "swiss_api_response_time_seconds_bucket", api_type="zefix",
                   status="200", le="+Inf") or 0) >= 1
