"""A database of the bench's own on the configured server, dropped afterwards."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from adapters.settings import ResolvedSettings

__all__ = ["fresh_database"]


@contextmanager
def fresh_database(settings: ResolvedSettings) -> Iterator[ResolvedSettings]:
    """`settings` on a database of the bench's own, dropped afterwards whatever happens."""
    name = f"cis_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = psycopg.conninfo.make_conninfo(settings.database_url, dbname=name)
    try:
        yield dataclasses.replace(settings, database_url=url)
    finally:
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
