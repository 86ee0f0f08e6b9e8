"""schemathesis against the query API's own OpenAPI schema: no 500s, answers match it.

Requests are generated from the schema (bounded examples per operation) and sent to
the app in-process as a sales manager, over the session's real Postgres, Redis and
projected read models. Also: what both schemas must declare about the shared parts.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from litestar.testing import AsyncTestClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from adapters.settings import Settings
from entrypoints.command_api.app import create_command_app
from entrypoints.http.auth import Role, issue_token
from entrypoints.query_api.app import create_query_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
# An endless event stream: tested with a real server in test_read_side_ops.py.
NOT_FUZZED = {"/api/v1/dashboards/stream"}


def test_query_api_honours_its_schema(settings: Settings, projectors: None) -> None:
    app = create_query_app(dataclasses.replace(settings, rate_limit_per_minute=100_000))
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    token = issue_token(settings.jwt_secret, subject="fuzzer", role=Role.SALES_MANAGER,
                        ttl=timedelta(minutes=10))
    operations = [result.ok() for result in schema.get_all_operations()]
    fuzzed = [op for op in operations if op.path not in NOT_FUZZED]
    assert len(fuzzed) >= 10  # every query endpoint, health and ready

    for operation in fuzzed:

        @given(case=operation.as_strategy())
        @hypothesis_settings(max_examples=12, deadline=None,
                             suppress_health_check=list(HealthCheck))
        def honours_schema(case: Any) -> None:
            if case.query and isinstance(case.query.get("min_position"), int):
                # A position the log has not reached waits 5 s for an honest 503, which
                # not_a_server_error counts as a failure; waiting is tested elsewhere.
                case.query["min_position"] = 0
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        honours_schema()


@pytest.mark.parametrize("which", ["command", "query"])
async def test_the_schema_declares_public_ops_and_shared_answers(
    settings: Settings, which: str
) -> None:
    create = create_command_app if which == "command" else create_query_app
    async with AsyncTestClient(app=create(settings)) as client:
        spec = (await client.get("/schema/openapi.json")).json()

    assert "security" not in spec or spec["security"] == []
    for path in ("/health", "/ready"):
        assert not spec["paths"][path]["get"].get("security"), path
    api_ops = [(path, op) for path, item in spec["paths"].items() if path.startswith("/api/")
               for op in item.values()]
    assert api_ops
    for path, op in api_ops:
        assert op["security"] == [{"BearerToken": []}], path
        assert {"400", "401", "429"} <= set(op["responses"]), path
    writes = [(path, method, op) for path, item in spec["paths"].items()
              if path.startswith("/api/") for method, op in item.items()
              if method in ("post", "put", "patch")]
    for path, method, op in writes:
        # Every write runs under an idempotency claim: its outcome may be unknown (504).
        assert "504" in op["responses"], (method, path)
    assert bool(writes) == (which == "command")
    if which == "query":
        stream = spec["paths"]["/api/v1/dashboards/stream"]["get"]["responses"]
        assert {"401", "429"} <= set(stream)
