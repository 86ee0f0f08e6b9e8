"""GET /api/v1/registry/companies/{uid} against a loopback ZEFIX, up and down."""

from __future__ import annotations

import dataclasses
from typing import Any

from litestar.testing import AsyncTestClient

from adapters.settings import Settings
from entrypoints.command_api.app import create_command_app
from entrypoints.http.auth import Role
from tests.integration.test_zefix_registry import new_uid
from tests.zefix_server import company, zefix_server


async def test_lookup_answers_from_the_register_and_says_503_when_it_is_down(
    settings: Settings, bearer: Any
) -> None:
    known, unknown, other = new_uid(), new_uid(), new_uid()
    compact = str(known).replace("-", "").replace(".", "")
    with zefix_server({compact: company(str(known), "Muster Elektro AG")}) as registry:
        app = create_command_app(dataclasses.replace(settings, zefix_url=registry.base_url))
        async with AsyncTestClient(app=app) as client:
            headers = bearer(Role.SALESPERSON, "sara")

            found = await client.get(f"/api/v1/registry/companies/{known}", headers=headers)
            missing = await client.get(f"/api/v1/registry/companies/{unknown}", headers=headers)
            invalid = await client.get("/api/v1/registry/companies/CHE-123", headers=headers)
            registry.down = True
            down = await client.get(f"/api/v1/registry/companies/{other}", headers=headers)
            cached = await client.get(f"/api/v1/registry/companies/{known}", headers=headers)
            # Registering a business customer needs only a valid UID, not the register.
            business = await client.post("/api/v1/customers", headers=headers, json={
                "name": "Hans Muster", "email": "hans@muster-elektro.ch",
                "postal_code": "8400", "canton": "ZH", "company_name": "Muster Elektro AG",
                "company_uid": str(other)})

    assert found.status_code == 200 and found.json()["name"] == "Muster Elektro AG"
    assert missing.status_code == 404
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["field"] == "uid"
    assert down.status_code == 503 and int(down.headers["retry-after"]) >= 1
    assert cached.status_code == 200  # served from the 15-minute cache
    assert business.status_code == 201
