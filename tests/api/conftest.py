"""The two Litestar apps in-process, against the session's real servers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from litestar.testing import AsyncTestClient

from adapters.settings import Settings
from entrypoints.command_api.app import create_command_app
from entrypoints.http.auth import Role, issue_token
from entrypoints.query_api.app import create_query_app


@pytest.fixture
async def command_api(settings: Settings) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    async with AsyncTestClient(app=create_command_app(settings)) as client:
        yield client


@pytest.fixture
async def query_api(settings: Settings, projectors: None) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    async with AsyncTestClient(app=create_query_app(settings)) as client:
        yield client


@pytest.fixture(scope="session")
def bearer(settings: Settings):  # type: ignore[no-untyped-def]
    """`bearer(role, sub)` -> Authorization header for a token of that caller."""

    def make(role: Role, subject: str = "tester") -> dict[str, str]:
        token = issue_token(settings.jwt_secret, subject=subject, role=role,
                            ttl=timedelta(minutes=10))
        return {"Authorization": f"Bearer {token}"}

    return make
