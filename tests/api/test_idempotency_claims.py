"""Claims on Idempotency-Keys: a dead process's claim expires, a live one says 409."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import psycopg
import pytest

from adapters.settings import Settings
from entrypoints.http.auth import Role

CUSTOMER = {"name": "Nora Keller", "email": "nora.keller@example.ch", "postal_code": "4051",
            "canton": "BS", "language": "de"}


def _leave_claim(settings: Settings, caller: str, key: str, body: bytes,
                 lease: str | None) -> None:
    """A claim as a process leaves it that died before its command answered (without a
    lease: as one from before leases left it)."""
    assert settings.database_url
    digest = hashlib.sha256(b"/api/v1/customers\n" + body).digest()
    with psycopg.connect(settings.database_url) as conn:
        if lease is None:
            conn.execute("INSERT INTO idempotency_keys (caller, key, request_hash) "
                         "VALUES (%s, %s, %s)", (caller, key, digest))
        else:
            conn.execute("INSERT INTO idempotency_keys (caller, key, request_hash, claim, "
                         "lease_until) VALUES (%s, %s, %s, gen_random_uuid(), "
                         "now() + %s::interval)", (caller, key, digest, lease))


@pytest.mark.parametrize("lease", [None, "-1 second"])
async def test_a_claim_whose_process_died_is_taken_over(
    command_api: Any, settings: Settings, bearer: Any, lease: str | None
) -> None:
    key = f"dead-{lease}"
    body = json.dumps(CUSTOMER).encode()
    _leave_claim(settings, "mia", key, body, lease)

    answer = await command_api.post("/api/v1/customers", content=body, headers={
        **bearer(Role.SALES_MANAGER, "mia"), "Idempotency-Key": key,
        "Content-Type": "application/json"})
    again = await command_api.post("/api/v1/customers", content=body, headers={
        **bearer(Role.SALES_MANAGER, "mia"), "Idempotency-Key": key,
        "Content-Type": "application/json"})

    assert answer.status_code == 201, answer.text
    assert again.json() == answer.json() and again.headers["idempotent-replayed"] == "true"


async def test_a_live_claim_answers_409_with_retry_after(
    command_api: Any, settings: Settings, bearer: Any
) -> None:
    body = json.dumps(CUSTOMER).encode()
    _leave_claim(settings, "mia", "live-1", body, "10 seconds")

    answer = await command_api.post("/api/v1/customers", content=body, headers={
        **bearer(Role.SALES_MANAGER, "mia"), "Idempotency-Key": "live-1",
        "Content-Type": "application/json"})

    assert answer.status_code == 409
    assert int(answer.headers["retry-after"]) > 0
