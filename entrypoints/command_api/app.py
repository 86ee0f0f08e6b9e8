"""Composition root of the command API."""

from __future__ import annotations

from litestar import Litestar
from litestar.di import Provide

from adapters.company_register.zefix import ZefixRegistry
from adapters.postgres.idempotency import IdempotencyStore
from adapters.redis.guarded import guarded_redis
from adapters.settings import ResolvedSettings
from entrypoints.bootstrap import bounded_async_pool, build_application
from entrypoints.command_api.bookings import TestDriveCommands
from entrypoints.command_api.company_lookup import CompanyLookup
from entrypoints.command_api.customers import CustomerCommands
from entrypoints.command_api.dsg import DsgCommands
from entrypoints.command_api.reference import ReferenceCommands
from entrypoints.command_api.sales import SaleCommands
from entrypoints.command_api.threads import STATE_KEY, CommandThreads, CommandThreadsMiddleware
from entrypoints.dsg_wiring import build_dsg
from entrypoints.http.app_factory import build_litestar
from entrypoints.http.idempotency import IdempotencyMiddleware

__all__ = ["create_command_app"]

# Bounds on every wait for Postgres, so that a command answers within about 5 s even
# when Postgres stalls: claim (1.5) + the command's deadline (3, commanding.py) +
# giving the claim up (1.5) when the deadline passed.
QUERY_TIMEOUT_SECONDS = 2.0
CLAIM_TIMEOUT_SECONDS = 1.5
DATABASE_CONNECTIONS = 10  # the application's pool; as many command threads


def create_command_app(settings: ResolvedSettings) -> Litestar:
    cis = build_application(settings, pool_size=DATABASE_CONNECTIONS,
                            query_timeout=QUERY_TIMEOUT_SECONDS)
    threads = CommandThreads(DATABASE_CONNECTIONS)
    dsg = build_dsg(settings, cis, query_timeout=QUERY_TIMEOUT_SECONDS)
    register_cache = guarded_redis(settings.redis_url)  # fails fast while Redis is down
    company_register = ZefixRegistry(settings.zefix_url, register_cache,
                                     username=settings.zefix_user,
                                     password=settings.zefix_password)
    # Opened on startup, inside the server's event loop.
    pool = bounded_async_pool(settings.database_url, max_size=5,
                              query_timeout=CLAIM_TIMEOUT_SECONDS)

    async def open_pool() -> None:
        await pool.open()

    async def close() -> None:
        await pool.close()
        threads.close()
        await company_register.aclose()
        await register_cache.aclose()
        dsg.close()
        cis.close()

    return build_litestar(
        title="CIS command API",
        app_name="command",
        settings=settings,
        handlers=[CustomerCommands, TestDriveCommands, SaleCommands, ReferenceCommands,
                  DsgCommands, CompanyLookup],
        dependencies={"cis": Provide(lambda: cis, use_cache=True, sync_to_thread=False),
                      "erasures": Provide(lambda: dsg.erasures, use_cache=True,
                                          sync_to_thread=False)},
        api_middleware=[CommandThreadsMiddleware, IdempotencyMiddleware],
        state={"idempotency": IdempotencyStore(pool), "company_register": company_register,
               STATE_KEY: threads},
        on_startup=[open_pool],
        on_shutdown=[close],
    )
