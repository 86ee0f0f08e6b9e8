"""Bearer tokens as both APIs accept them: the scheme, the lifetime, and the limit on
requests that fail authentication, per client address."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from litestar.testing import AsyncTestClient

from adapters.embedded.process import free_port
from adapters.settings import Settings
from entrypoints.command_api.app import create_command_app
from entrypoints.http.auth import Role, issue_token
from tests.api.live_server import served

CIS = str(Path(sys.executable).parent / "cis")
CUSTOMER = {"name": "Jan Kurz", "email": "jan.kurz@example.ch", "postal_code": "6003",
            "canton": "LU", "language": "de"}


def _client_from(address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=10,
                             transport=httpx.AsyncHTTPTransport(local_address=address))


def _token(settings: Settings, **claims: Any) -> str:
    now = datetime.now(UTC)
    payload = {"sub": "mia", "role": "sales_manager", "iat": now, "exp": now + timedelta(hours=1)}
    payload.update(claims)
    return jwt.encode({k: v for k, v in payload.items() if v is not None},
                      settings.jwt_secret, algorithm="HS256")


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
async def test_the_bearer_scheme_is_accepted_in_any_case(command_api: Any, settings: Settings,
                                                         scheme: str) -> None:
    response = await command_api.post("/api/v1/customers", json=CUSTOMER,
                                      headers={"Authorization": f"{scheme} {_token(settings)}"})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("header", ["Basic {t}", "Token {t}", "{t}", "Bearer", "Bearer ",
                                    "Bearer{t}", "JWT {t}"])
async def test_any_other_scheme_is_401(command_api: Any, settings: Settings,
                                       header: str) -> None:
    response = await command_api.post(
        "/api/v1/customers", json=CUSTOMER,
        headers={"Authorization": header.format(t=_token(settings))})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("claims", [
    {"exp": datetime(9999, 1, 1, tzinfo=UTC)},
    {"exp": datetime.now(UTC) + timedelta(hours=25)},
    {"iat": datetime.now(UTC) - timedelta(days=2), "exp": datetime.now(UTC) + timedelta(hours=1)},
    {"exp": None},
    {"iat": None},
], ids=["year-9999", "25-hours", "issued-long-ago", "no-exp", "no-iat"])
async def test_tokens_living_longer_than_the_cap_or_without_exp_or_iat_are_401(
    command_api: Any, query_api: Any, settings: Settings, claims: dict[str, Any]
) -> None:
    headers = {"Authorization": f"Bearer {_token(settings, **claims)}"}
    commands = await command_api.post("/api/v1/customers", json=CUSTOMER, headers=headers)
    queries = await query_api.get("/api/v1/customers", headers=headers)
    assert commands.status_code == queries.status_code == 401


async def test_the_cap_is_a_setting(settings: Settings) -> None:
    two_days = dataclasses.replace(settings, token_max_ttl_hours=48)
    token = issue_token(settings.jwt_secret, subject="mia", role=Role.SALES_MANAGER,
                        ttl=timedelta(hours=47))
    async with AsyncTestClient(app=create_command_app(two_days)) as client:
        response = await client.post("/api/v1/customers", json=CUSTOMER,
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text


def test_cis_token_issues_a_token_the_apis_accept(settings: Settings) -> None:
    printed = subprocess.run(
        [CIS, "token", "--role", "admin", "--sub", "root"],
        env={**settings.as_env(), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
        check=True, timeout=60).stdout.strip()
    claims = jwt.decode(printed, settings.jwt_secret, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] <= 24 * 3600
    refused = subprocess.run(
        [CIS, "token", "--role", "admin", "--sub", "root", "--hours", "100"],
        env={**settings.as_env(), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
        timeout=60, check=False)
    assert refused.returncode != 0 and "CIS_TOKEN_MAX_TTL_HOURS" in refused.stderr


async def test_requests_failing_authentication_are_limited_per_client_address(
    settings: Settings, bearer: Any
) -> None:
    strict = dataclasses.replace(settings, auth_failures_per_minute=5)
    bad = {"Authorization": "Bearer not-a-token"}
    # A real server and client addresses of their own on the loopback network.
    address = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
    other = address.rsplit(".", 1)[0] + ".1"
    async with served(create_command_app(strict)) as base, _client_from(address) as client, \
            _client_from(other) as neighbour:
        url = f"{base}/api/v1/customers"
        codes = [(await client.post(url, json=CUSTOMER, headers=bad)).status_code
                 for _ in range(8)]
        limited = await client.post(url, json=CUSTOMER)
        # Colleagues behind the same address with valid tokens are not locked out.
        valid = await client.post(url, json=CUSTOMER,
                                  headers=bearer(Role.SALES_MANAGER, "auth-mia"))
        health = await client.get(f"{base}/health")
        elsewhere = await neighbour.post(url, json=CUSTOMER, headers=bad)

    assert codes == [401] * 5 + [429] * 3
    assert elsewhere.status_code == 401  # another address has a budget of its own
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert valid.status_code == 201 and health.status_code == 200


async def test_limits_are_not_enforced_while_redis_is_away(settings: Settings, bearer: Any,
                                                           capfd: Any) -> None:
    no_redis = dataclasses.replace(settings, redis_url=f"redis://127.0.0.1:{free_port()}/0",
                                   rate_limit_per_minute=1, auth_failures_per_minute=1)
    async with AsyncTestClient(app=create_command_app(no_redis)) as client:
        capfd.readouterr()
        valid = [(await client.post("/api/v1/customers", json=CUSTOMER,
                                    headers=bearer(Role.SALES_MANAGER, "no-redis"))).status_code
                 for _ in range(4)]
        invalid = [(await client.post("/api/v1/customers", json=CUSTOMER)).status_code
                   for _ in range(4)]
    logs = "".join(capfd.readouterr())

    assert valid == [201] * 4 and invalid == [401] * 4
    # Once per limit: after a failure Redis is left alone for a while, not asked again.
    assert logs.count("rate limit store unavailable") == 2


@pytest.mark.parametrize("subject", ["evil\u0000sp", "a\u001bb", "x" * 101, "   "])
async def test_a_token_whose_subject_is_not_text_is_401_and_writes_nothing(
        command_api: Any, settings: Settings, subject: str) -> None:
    # The subject becomes the event's actor and the salesperson of what it registers.
    response = await command_api.post(
        "/api/v1/customers", json=CUSTOMER,
        headers={"Authorization": f"Bearer {_token(settings, sub=subject)}"})
    assert response.status_code == 401, response.text
    assert "subject" in response.json()["detail"]


async def test_a_token_accepted_before_is_refused_once_it_has_expired(
        command_api: Any, settings: Settings) -> None:
    token = _token(settings, exp=datetime.now(UTC) + timedelta(seconds=2))
    headers = {"Authorization": f"Bearer {token}"}
    first = await command_api.post("/api/v1/customers", json=CUSTOMER, headers=headers)
    await asyncio.sleep(2.5)
    later = await command_api.post("/api/v1/customers", json=CUSTOMER, headers=headers)
    assert first.status_code == 201, first.text
    assert later.status_code == 401, later.text
