"""schemathesis against the command API's own OpenAPI schema: no 500s, answers match it.

Requests are generated from the schema (bounded examples per operation) and sent to
the app in-process as an admin, the role that may call every operation except erasure;
the app runs against the session's real Postgres and Redis.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from adapters.settings import Settings
from entrypoints.command_api.app import create_command_app
from entrypoints.http.auth import Role, issue_token

# Schema-valid data may still break a domain rule the schema cannot express (a postal
# code of another canton), so "valid data accepted" is not among the checks.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def test_command_api_honours_its_schema(settings: Settings) -> None:
    # A generous rate limit: this test is one caller sending hundreds of requests.
    app = create_command_app(dataclasses.replace(settings, rate_limit_per_minute=100_000))
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    token = issue_token(settings.jwt_secret, subject="fuzzer", role=Role.ADMIN,
                        ttl=timedelta(minutes=10))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20  # every command endpoint is in the schema

    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(max_examples=15, deadline=None,
                             suppress_health_check=list(HealthCheck))
        def honours_schema(case: Any) -> None:
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        honours_schema()
