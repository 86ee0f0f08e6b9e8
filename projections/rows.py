"""Batch row access shared by the read models: load a batch's rows once, write them once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from psycopg import Cursor

__all__ = ["load_rows", "upsert_rows"]


def load_rows(curs: Cursor[Any], schema: str, table: str, columns: Sequence[str], key: str,
              ids: Iterable[Any], *, many: bool = False) -> dict[Any, dict[str, Any]]:
    """Rows whose `key` is one of `ids`, by key (by position in the result when `many`)."""
    wanted = list(ids)
    if not wanted:
        return {}
    rows = curs.execute(f"SELECT {', '.join(columns)} FROM {schema}.{table} "
                        f"WHERE {key} = ANY(%s)", (wanted,)).fetchall()
    if many:
        return {index: dict(row) for index, row in enumerate(rows)}
    return {row[key]: dict(row) for row in rows}


def upsert_rows(curs: Cursor[Any], schema: str, table: str, columns: Sequence[str],
                key: Sequence[str], rows: list[dict[str, Any]]) -> None:
    """Insert the rows, or overwrite the non-key columns of those that exist."""
    if not rows:
        return
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in key)
    curs.executemany(
        f"INSERT INTO {schema}.{table} ({', '.join(columns)}) "
        f"VALUES ({', '.join(f'%({c})s' for c in columns)}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}", rows)
