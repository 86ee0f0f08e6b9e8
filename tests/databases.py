"""A fresh, empty database on a given server, so tests never touch real data."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import psycopg

from adapters.settings import Settings
from entrypoints.migrate import migrate

__all__ = ["fresh_database", "own_store"]


def fresh_database(url: str) -> str:
    name = f"cis_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return psycopg.conninfo.make_conninfo(url, dbname=name)


def own_store(settings: Settings, **changes: Any) -> Settings:
    """`settings` with an event store of its own on the same server, migrated and empty
    (and any other setting changed as given)."""
    assert settings.database_url
    own = dataclasses.replace(settings, database_url=fresh_database(settings.database_url),
                              **changes)
    migrate(own)
    return own
