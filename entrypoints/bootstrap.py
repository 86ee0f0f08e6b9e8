"""Shared wiring used by every composition root: the application and its recorders."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.utils import Environment

from adapters.postgres.config import eventsourcing_env
from adapters.settings import Settings
from application.services import CustomerIntelligence

__all__ = ["build_application", "build_tracking_recorder"]


def build_application(
    settings: Settings, *, pool_size: int = 5, create_table: bool = False
) -> CustomerIntelligence:
    assert settings.database_url, "database URL must be resolved before wiring"
    env = eventsourcing_env(settings.database_url, master_key=settings.master_key,
                            pool_size=pool_size, create_table=create_table)
    return CustomerIntelligence(env=env)


def build_tracking_recorder(
    settings: Settings,
    name: str,
    recorder_class: type[PostgresTrackingRecorder] = PostgresTrackingRecorder,
    *,
    create_table: bool = False,
) -> Any:
    """A tracking recorder whose table is `<name>_tracking` (the library's naming)."""
    assert settings.database_url
    env = eventsourcing_env(settings.database_url, master_key=settings.master_key,
                            pool_size=2, create_table=create_table)
    factory = InfrastructureFactory.construct(env=Environment(name, env))
    return factory.tracking_recorder(recorder_class)
