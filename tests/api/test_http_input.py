"""What the shared HTTP mechanism refuses before any route runs, and never with a 500.

Each case was a 500 (or a silent acceptance) once: OPTIONS on guarded routes, paths
that merely contain a public word, deep or non-UTF-8 JSON, bodies that are not JSON,
control characters in paths, query strings and headers, and unbounded bodies.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from adapters.settings import Settings
from entrypoints.command_api.app import create_command_app
from entrypoints.http.auth import Role
from tests.api.live_server import served

JSON = {"content-type": "application/json"}
CUSTOMER = b'{"name":"Eva Roth","email":"eva@example.ch","postal_code":"8001","canton":"ZH"}'
SOME_ID = "00000000-0000-4000-8000-000000000000"


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


async def test_options_answers_every_route_with_the_allowed_methods(
    command_api: Any, query_api: Any
) -> None:
    for client in (command_api, query_api):
        spec = (await client.get("/schema/openapi.json")).json()
        for template in spec["paths"]:
            path = re.sub(r"\{[^}]+\}", _example_segment, template)
            response = await client.options(path)
            assert response.status_code == 204, (path, response.text)
            assert response.headers["allow"]
            assert response.headers["x-request-id"]


def _example_segment(match: re.Match[str]) -> str:
    return {"{canton}": "ZH", "{code}": "EV-1", "{uid}": "CHE-116.281.710"}.get(
        match.group(0), SOME_ID)


@pytest.mark.parametrize("code", ["health", "schema-x", "ready", "metrics", "x-health"])
async def test_a_public_word_inside_a_path_does_not_skip_auth(command_api: Any,
                                                              code: str) -> None:
    response = await command_api.put(f"/api/v1/catalog/models/{code}", headers=JSON,
                                     content=b'{"name":"X","list_price":100}')
    _problem(response, 401)


async def test_an_admin_may_write_a_model_whose_code_holds_a_public_word(
    command_api: Any, bearer: Any
) -> None:
    response = await command_api.put("/api/v1/catalog/models/SCHEMA-X",
                                     headers={**bearer(Role.ADMIN, "root"), **JSON},
                                     content=b'{"name":"X","list_price":100}')
    assert response.status_code in (200, 201), response.text


@pytest.mark.parametrize("body", [b"[" * 10_000, b'{"name":' + b"[" * 5_000,
                                  b"{" * 10_000])
async def test_deeply_nested_json_is_400(command_api: Any, bearer: Any, body: bytes) -> None:
    response = await command_api.post("/api/v1/customers", content=body,
                                      headers={**bearer(Role.ADMIN, "root"), **JSON})
    _problem(response, 400)


async def test_a_body_that_is_not_utf8_is_400(command_api: Any, bearer: Any) -> None:
    response = await command_api.post("/api/v1/customers", content=b'{"name":"\xff\xfe"}',
                                      headers={**bearer(Role.ADMIN, "root"), **JSON})
    _problem(response, 400)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/jsonx"])
async def test_a_body_that_is_not_json_is_415(command_api: Any, bearer: Any,
                                              content_type: str | None) -> None:
    headers = bearer(Role.ADMIN, "root")
    if content_type is not None:
        headers["content-type"] = content_type
    response = await command_api.post("/api/v1/customers", content=CUSTOMER, headers=headers)
    _problem(response, 415)


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8",
                                          "Application/JSON", "application/merge-patch+json"])
async def test_json_media_types_are_accepted(command_api: Any, bearer: Any,
                                             content_type: str) -> None:
    response = await command_api.post("/api/v1/customers", content=CUSTOMER,
                                      headers={**bearer(Role.SALES_MANAGER, "mia"),
                                               "content-type": content_type})
    assert response.status_code == 201, response.text


async def test_a_command_without_a_body_needs_no_content_type(command_api: Any,
                                                              bearer: Any) -> None:
    response = await command_api.post(
        f"/api/v1/customers/{SOME_ID}/test-drives/{SOME_ID}/cancel",
        headers=bearer(Role.SALES_MANAGER, "mia"))
    _problem(response, 404)


async def test_a_body_over_the_limit_is_413(settings: Settings, bearer: Any) -> None:
    small = dataclasses.replace(settings, max_body_bytes=1_000)
    headers = {**bearer(Role.ADMIN, "root"), **JSON}
    padded = b'{"name":"' + b"a" * 2_000 + b'"}'
    async with AsyncTestClient(app=create_command_app(small)) as client:
        declared = await client.post("/api/v1/customers", content=padded, headers=headers)
        keyed = await client.post("/api/v1/customers", content=padded,
                                  headers={**headers, "Idempotency-Key": "big-1"})

    for response in (declared, keyed):
        _problem(response, 413)


async def test_a_chunked_body_growing_over_the_limit_is_413(settings: Settings,
                                                           bearer: Any) -> None:
    small = dataclasses.replace(settings, max_body_bytes=1_000)

    async def chunks() -> Any:  # no Content-Length: counted as it arrives
        for _ in range(20):
            yield b" " * 100

    async with served(create_command_app(small)) as base, httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{base}/api/v1/customers", content=chunks(),
                                     headers={**bearer(Role.ADMIN, "root"), **JSON})
    _problem(response, 413)


async def test_invalid_json_is_400(command_api: Any, bearer: Any) -> None:
    for body in (b'{"name":', b"nope", b'{"name": NaN}', b"\x00"):
        response = await command_api.post("/api/v1/customers", content=body,
                                          headers={**bearer(Role.ADMIN, "root"), **JSON})
        _problem(response, 400)


@pytest.mark.parametrize("query", ["q=a%00b", "q=%zz", "q=%ff", "q=a%0Ab", "q=a%7f",
                                   "li%00mit=1", "q=%E2%82"])
async def test_query_parameters_with_control_chars_or_bad_encoding_are_400(
    query_api: Any, command_api: Any, bearer: Any, query: str
) -> None:
    headers = bearer(Role.SALES_MANAGER, "mia")
    _problem(await query_api.get(f"/api/v1/customers?{query}", headers=headers), 400)
    _problem(await command_api.get(f"/api/v1/registry/companies/CHE-116.281.710?{query}",
                                   headers=headers), 400)


async def test_good_query_parameters_still_work(query_api: Any, bearer: Any) -> None:
    response = await query_api.get("/api/v1/customers?q=M%C3%BCller+Z%C3%BCrich&limit=5",
                                   headers=bearer(Role.SALES_MANAGER, "mia"))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", ["/api/v1/customers/a%00b", "/api/v1/customers/%0a",
                                  "/api/v1/cust%zzomers", "/api/v1/customers/%ff"])
async def test_paths_with_control_chars_or_bad_encoding_are_400(query_api: Any, bearer: Any,
                                                                path: str) -> None:
    _problem(await query_api.get(path, headers=bearer(Role.SALES_MANAGER, "mia")), 400)


async def test_header_values_with_control_chars_are_400(command_api: Any, bearer: Any) -> None:
    headers = [*bearer(Role.SALES_MANAGER, "mia").items(), *JSON.items(),
               ("Idempotency-Key", "a\x00b")]
    response = await command_api.post("/api/v1/customers", content=CUSTOMER,
                                      headers=[(k.encode(), v.encode()) for k, v in headers])
    _problem(response, 400)


async def test_head_and_unknown_methods_are_405_not_500(command_api: Any,
                                                        query_api: Any) -> None:
    for client, path in ((command_api, "/api/v1/customers"), (query_api, "/api/v1/customers")):
        for method in ("HEAD", "DELETE", "PATCH", "TRACE"):
            response = await client.request(method, path)
            assert response.status_code in (401, 405), (method, path, response.status_code)
            assert response.headers["x-request-id"]
