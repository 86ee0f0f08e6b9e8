"""The outermost layer of both APIs: every answer is seen, marked and counted.

Every response carries X-Request-ID and is logged with its real status, including
those made before routing (404, 405), by auth (401) and by rate limits (429); a 5xx
is logged with its cause; answers carrying personal data are never stored by caches.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import get
from litestar.exceptions import ImproperlyConfiguredException
from litestar.response import Stream
from litestar.testing import AsyncTestClient

from adapters.settings import Settings
from entrypoints.command_api.app import create_command_app
from entrypoints.http.app_factory import build_litestar
from entrypoints.http.auth import Role
from entrypoints.http.problems import ServiceUnavailable
from tests.api.live_server import served

CUSTOMER = {"name": "Lina Frei", "email": "lina.frei@example.ch", "postal_code": "3011",
            "canton": "BE", "language": "de"}


def _log_lines(capfd: Any) -> list[dict[str, Any]]:
    return _parsed("".join(capfd.readouterr()))


def _parsed(output: str) -> list[dict[str, Any]]:
    lines = []
    for line in output.splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
    return lines


def _access(lines: list[dict[str, Any]], request_id: str) -> dict[str, Any]:
    found = [line for line in lines
             if line.get("event") == "request" and line.get("request_id") == request_id]
    assert len(found) == 1, f"one access-log line for {request_id}, got {found}"
    return found[0]


async def test_every_answer_carries_a_request_id_and_is_logged_with_its_status(
    settings: Settings, bearer: Any, capfd: Any
) -> None:
    limited = dataclasses.replace(settings, rate_limit_per_minute=1)
    manager = bearer(Role.SALES_MANAGER, "edge-mia")
    async with AsyncTestClient(app=create_command_app(limited)) as client:
        capfd.readouterr()
        answers = {
            201: await client.post("/api/v1/customers", json=CUSTOMER, headers=manager),
            429: await client.post("/api/v1/customers", json=CUSTOMER, headers=manager),
            401: await client.post("/api/v1/customers", json=CUSTOMER),
            404: await client.get("/api/v1/no-such-route"),
            405: await client.delete("/api/v1/customers", headers=manager),
            400: await client.get("/api/v1/customers?q=a%00b", headers=manager),
            200: await client.get("/health"),
        }
        given = await client.get("/health", headers={"X-Request-ID": "trace-me-1"})
    lines = _log_lines(capfd)

    for status, response in answers.items():
        assert response.status_code == status, (status, response.text)
        request_id = response.headers["x-request-id"]
        assert _access(lines, request_id)["status"] == status
        if status >= 400:
            assert response.json()["request_id"] == request_id
    assert given.headers["x-request-id"] == "trace-me-1"


async def test_a_500_is_a_problem_with_the_request_id_and_its_cause_is_logged(
    settings: Settings, capfd: Any
) -> None:
    @get("/boom", exclude_from_auth=True)
    async def boom() -> None:
        raise RuntimeError("kaputt")

    @get("/misconfigured", exclude_from_auth=True)
    async def misconfigured() -> None:
        raise ImproperlyConfiguredException("a wiring mistake")

    app = build_litestar(title="t", settings=settings, handlers=[], dependencies={},
                         extra_routes=[boom, misconfigured])
    async with AsyncTestClient(app=app) as client:
        capfd.readouterr()
        answers = [await client.get("/boom"), await client.get("/misconfigured")]
    lines = _log_lines(capfd)

    for response, cause in zip(answers, ["RuntimeError", "ImproperlyConfiguredException"],
                               strict=True):
        assert response.status_code == 500
        assert response.headers["content-type"].startswith("application/problem+json")
        request_id = response.headers["x-request-id"]
        body = response.json()
        assert body["request_id"] == request_id
        assert "kaputt" not in response.text and "wiring" not in response.text
        errors = [line for line in lines if line.get("event") == "unhandled error"
                  and line.get("request_id") == request_id]
        assert len(errors) == 1 and errors[0]["error"] == cause
        assert "Traceback" in errors[0]["exception"]
        assert _access(lines, request_id)["status"] == 500


async def test_a_503_is_logged_with_its_cause(settings: Settings, capfd: Any) -> None:
    @get("/away", exclude_from_auth=True)
    async def away() -> None:
        try:
            raise ConnectionRefusedError("10.0.0.1:6379")
        except ConnectionRefusedError as error:
            raise ServiceUnavailable("the register does not answer") from error

    app = build_litestar(title="t", settings=settings, handlers=[], dependencies={},
                         extra_routes=[away])
    async with AsyncTestClient(app=app) as client:
        capfd.readouterr()
        response = await client.get("/away")
    lines = _log_lines(capfd)

    assert response.status_code == 503 and response.headers["retry-after"]
    request_id = response.headers["x-request-id"]
    logged = [line for line in lines if line.get("event") == "service unavailable"
              and line.get("request_id") == request_id]
    assert len(logged) == 1 and logged[0]["cause"] == "ConnectionRefusedError"
    assert _access(lines, request_id)["status"] == 503


async def test_a_stream_failing_midway_is_logged_with_its_cause(settings: Settings,
                                                               capfd: Any) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"first"
        raise RuntimeError("the source " + "went away")  # the joined text is in no source line

    @get("/midway", exclude_from_auth=True)
    async def midway() -> Stream:
        return Stream(chunks())

    app = build_litestar(title="t", settings=settings, handlers=[], dependencies={},
                         extra_routes=[midway])
    async with served(app) as base, httpx.AsyncClient(timeout=10) as client:
        capfd.readouterr()
        # The server can only cut the answer short; the client notices, nothing hangs.
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(f"{base}/midway", headers={"X-Request-ID": "midway-1"})
    output = "".join(capfd.readouterr())
    lines = _parsed(output)

    errors = [line for line in lines if line.get("event") == "unhandled error"
              and line.get("request_id") == "midway-1"]
    assert len(errors) == 1
    # Litestar wraps what fails after the answer started; the root cause is named.
    assert "RuntimeError" in (errors[0]["error"], errors[0]["cause"]), errors[0]["exception"]
    assert "in chunks" in errors[0]["exception"]  # the traceback reaches our code
    assert "the source went away" not in output  # no log line of ours or the server's
    assert _access(lines, "midway-1")["status"] == 200


async def test_api_answers_are_not_stored_by_caches_and_not_sniffed(
    command_api: Any, query_api: Any, bearer: Any
) -> None:
    manager = bearer(Role.SALES_MANAGER, "edge-mia")
    created = await command_api.post("/api/v1/customers", json=CUSTOMER, headers=manager)
    cid = created.json()["id"]
    answers = [
        created,
        await command_api.post("/api/v1/customers", json={**CUSTOMER, "email": "x"},
                               headers=manager),
        await command_api.post("/api/v1/customers", json=CUSTOMER),
        await query_api.get(f"/api/v1/customers/{cid}?min_position="
                            f"{created.json()['position']}", headers=manager),
        await query_api.get("/api/v1/customers", headers=manager),
        await query_api.get("/api/v1/nothing-here", headers=manager),
    ]
    for response in answers:
        assert response.headers["cache-control"] == "no-store", response.request.url
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_dashboards_keep_revalidating_with_etags(query_api: Any, bearer: Any) -> None:
    manager = bearer(Role.SALES_MANAGER, "edge-mia")
    first = await query_api.get("/api/v1/dashboards/cantons", headers=manager)
    again = await query_api.get("/api/v1/dashboards/cantons",
                                headers={**manager, "If-None-Match": first.headers["etag"]})
    assert first.status_code == 200 and again.status_code == 304
    for response in (first, again):
        # Figures without personal data: private caches may keep them but must revalidate.
        assert response.headers["cache-control"] == "private, no-cache"
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_metrics_count_requests_by_route_method_and_status(
    command_api: Any, query_api: Any, bearer: Any
) -> None:
    manager = bearer(Role.SALES_MANAGER, "edge-mia")
    await command_api.post("/api/v1/customers", json=CUSTOMER, headers=manager)
    await command_api.post("/api/v1/customers/00000000-0000-4000-8000-000000000000/contact",
                           json={"email": "a@example.ch"}, headers=manager)
    await command_api.get("/api/v1/unknown/route/42")
    await query_api.get("/api/v1/customers", headers=manager)

    commands = (await command_api.get("/metrics")).text
    queries = (await query_api.get("/metrics")).text

    assert ('cis_http_requests_total{method="POST",route="/api/v1/customers",status="201"}'
            in commands)
    assert ('cis_http_requests_total{method="POST",'
            'route="/api/v1/customers/{customer_id}/contact",status="404"}' in commands)
    assert 'cis_http_requests_total{method="GET",route="unmatched",status="404"}' in commands
    assert "cis_http_request_duration_seconds_bucket{" in commands
    assert ('cis_http_requests_total{method="GET",route="/api/v1/customers",status="200"}'
            in queries)
    assert 'cis_read_model_lag_events{read_model="customers"}' in queries
    assert "cis_read_model_lag_events" not in commands  # the command API has no read models
