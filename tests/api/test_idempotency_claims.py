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


async def test_a_refused_body_is_not_kept_so_a_corrected_one_may_use_the_key(
    command_api: Any, settings: Settings, bearer: Any
) -> None:
    """A 400 may quote what was sent (here a touchpoint's note in the wrong field): no
    copy of it stays in the claims, and the corrected request writes under that key."""
    headers = {**bearer(Role.SALES_MANAGER, "mia"), "Idempotency-Key": "typo-1"}
    customer = (await command_api.post("/api/v1/customers", json=CUSTOMER,
                                       headers=bearer(Role.SALES_MANAGER, "mia"))).json()["id"]
    path = f"/api/v1/customers/{customer}/touchpoints"
    note = "Nora fragt nach der Anhängerkupplung"

    refused = await command_api.post(path, json={"kind": "call", "channel": note},
                                     headers=headers)
    corrected = await command_api.post(path, json={"kind": "call", "channel": "phone",
                                                   "note": note}, headers=headers)
    again = await command_api.post(path, json={"kind": "call", "channel": "phone",
                                               "note": note}, headers=headers)

    assert refused.status_code == 400 and note in refused.text
    assert corrected.status_code == 200, corrected.text
    assert again.json() == corrected.json() and again.headers["idempotent-replayed"] == "true"
    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn:
        kept = conn.execute("SELECT status, body FROM idempotency_keys WHERE caller = 'mia' "
                            "AND key = 'typo-1'").fetchall()
    assert [(status, note.encode() in bytes(body)) for status, body in kept] == [(200, False)]
