"""A fresh, empty database on a given server, so tests never touch real data."""

from __future__ import annotations

import uuid

import psycopg

__all__ = ["fresh_database"]


def fresh_database(url: str) -> str:
    name = f"cis_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return psycopg.conninfo.make_conninfo(url, dbname=name)
