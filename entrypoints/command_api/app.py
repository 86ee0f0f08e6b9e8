"""Composition root of the command API."""

from __future__ import annotations

from litestar import Litestar
from litestar.di import Provide

from adapters.settings import Settings
from entrypoints.bootstrap import build_application
from entrypoints.command_api.customers import CustomerCommands
from entrypoints.command_api.dsg import DsgCommands
from entrypoints.command_api.reference import ReferenceCommands
from entrypoints.command_api.sales import SaleCommands
from entrypoints.command_api.test_drives import TestDriveCommands
from entrypoints.http.app_factory import build_litestar

__all__ = ["create_command_app"]


def create_command_app(settings: Settings) -> Litestar:
    cis = build_application(settings, pool_size=10)
    return build_litestar(
        title="CIS command API",
        settings=settings,
        handlers=[CustomerCommands, TestDriveCommands, SaleCommands, ReferenceCommands,
                  DsgCommands],
        dependencies={"cis": Provide(lambda: cis, use_cache=True, sync_to_thread=False)},
        on_shutdown=[lambda: cis.close()],
    )
