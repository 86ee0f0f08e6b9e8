"""Batch row access shared by the read models: load a batch's rows once, write them once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
from psycopg import Cursor
from psycopg.types.json import Jsonb

__all__ = ["jsonb", "load_rows", "upsert_rows"]

COPY_FROM_ROWS = 64


def jsonb(value: Any) -> Jsonb:
    """A jsonb parameter, encoded by msgspec (several times faster than `json`)."""
    return Jsonb(value, dumps=msgspec.json.encode)


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
                key: Sequence[str], rows: list[dict[str, Any]], *, update: bool = True) -> None:
    """Insert the rows, or overwrite the non-key columns of those that exist (or, with
    `update=False`, leave those that exist as they are).

    Large batches (catching up, rebuilding) go through COPY into a temporary table and
    one INSERT ... SELECT; a handful of live rows through executemany.
    """
    if not rows:
        return
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in key)
    names = ", ".join(columns)
    action = f"DO UPDATE SET {updates}" if update and updates else "DO NOTHING"
    conflict = f"ON CONFLICT ({', '.join(key)}) {action}"
    if len(rows) < COPY_FROM_ROWS:
        curs.executemany(
            f"INSERT INTO {schema}.{table} ({names}) "
            f"VALUES ({', '.join(f'%({c})s' for c in columns)}) {conflict}", rows)
        return
    staging = f"staging_{schema}_{table}"
    curs.execute(f"CREATE TEMP TABLE IF NOT EXISTS {staging} "
                 f"(LIKE {schema}.{table}) ON COMMIT DELETE ROWS")
    with curs.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])
    curs.execute(f"INSERT INTO {schema}.{table} ({names}) SELECT {names} FROM {staging} "
                 f"{conflict}")
