"""The two Litestar apps in-process, against the session's real servers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from adapters.settings import Settings
from entrypoints.command_api.app import create_command_app
from entrypoints.query_api.app import create_query_app


@pytest.fixture
async def command_api(settings: Settings) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    async with AsyncTestClient(app=create_command_app(settings)) as client:
        yield client


@pytest.fixture
async def query_api(settings: Settings, projectors: None) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    async with AsyncTestClient(app=create_query_app(settings)) as client:
        yield client
