"""Composition root of the command API."""

from __future__ import annotations

from litestar import Litestar
from litestar.di import Provide
from psycopg_pool import AsyncConnectionPool

from adapters.postgres.idempotency import IdempotencyStore

from adapters.settings import Settings
from entrypoints.bootstrap import build_application
from entrypoints.command_api.customers import CustomerCommands
from entrypoints.command_api.dsg import DsgCommands
from entrypoints.command_api.reference import ReferenceCommands
from entrypoints.command_api.sales import SaleCommands
from entrypoints.command_api.test_drives import TestDriveCommands
from entrypoints.http.app_factory import build_litestar
from entrypoints.http.idempotency import IdempotencyMiddleware

__all__ = ["create_command_app"]


def create_command_app(settings: Settings) -> Litestar:
    assert settings.database_url
    cis = build_application(settings, pool_size=10)
    # Opened on startup, inside the server's event loop.
    pool = AsyncConnectionPool(settings.database_url, min_size=1, max_size=5, open=False)

    async def open_pool() -> None:
        await pool.open()

    async def close() -> None:
        await pool.close()
        cis.close()

    return build_litestar(
        title="CIS command API",
        settings=settings,
        handlers=[CustomerCommands, TestDriveCommands, SaleCommands, ReferenceCommands,
                  DsgCommands],
        dependencies={"cis": Provide(lambda: cis, use_cache=True, sync_to_thread=False)},
        api_middleware=[IdempotencyMiddleware],
        state={"idempotency": IdempotencyStore(pool)},
        on_startup=[open_pool],
        on_shutdown=[close],
    )
