"""A process whose ring lacks the master key of a customer's data key: 503, not a 500."""

from __future__ import annotations

import dataclasses
import os
from typing import Any
from uuid import UUID

import pytest
from litestar.testing import AsyncTestClient

from adapters.crypto import master_key_id
from adapters.settings import Settings
from entrypoints.bootstrap import build_application
from entrypoints.command_api.app import create_command_app
from entrypoints.http.auth import Role
from tests.databases import own_store
from tests.factories import registration

OLD, NEW = os.urandom(32).hex(), os.urandom(32).hex()


@pytest.fixture
def rolled_out(settings: Settings) -> tuple[Settings, UUID]:
    """A store whose one customer's data key is wrapped by the new master key."""
    own = own_store(settings, master_key=NEW)
    app = build_application(own, pool_size=1)  # type: ignore[arg-type]
    try:
        return own, app.register_customer(**registration()).id
    finally:
        app.close()


async def test_a_command_on_a_customer_under_a_missing_master_key_is_a_503(
    rolled_out: tuple[Settings, UUID], bearer: Any, capfd: pytest.CaptureFixture[str],
) -> None:
    own, customer = rolled_out
    # A process the rollout missed: started with the old key alone.
    missed = dataclasses.replace(own, master_key=OLD)

    async with AsyncTestClient(app=create_command_app(missed)) as client:  # type: ignore[arg-type]
        answer = await client.post(f"/api/v1/customers/{customer}/touchpoints",
                                   json={"kind": "call", "channel": "phone"},
                                   headers=bearer(Role.SALES_MANAGER, "mia"))

    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "60"
    assert answer.json()["detail"] == (
        "personal data cannot be opened with the configured master keys; the operator must "
        "fix CIS_MASTER_KEY / CIS_PREVIOUS_MASTER_KEYS")
    logged = capfd.readouterr().err
    assert '"data key unavailable"' in logged
    assert f"master key {master_key_id(bytes.fromhex(NEW))}, which is not configured" in logged
    assert NEW not in logged and "Anna" not in logged
