"""How the eventsourcing library's Postgres persistence is configured from our URL."""

from __future__ import annotations

from psycopg.conninfo import conninfo_to_dict

from adapters.postgres.factory import QUERY_TIMEOUT

__all__ = ["eventsourcing_env"]


def eventsourcing_env(
    database_url: str,
    *,
    create_table: bool = False,
    pool_size: int = 5,
    max_overflow: int = 5,
    query_timeout: float | None = None,
) -> dict[str, str]:
    """Environment for `Application(env=...)` and `ProjectionRunner(env=...)`.

    Tables are created once by the migrate step, never by several workers at once
    (concurrent CREATE TABLE fails with "tuple concurrently updated").
    `query_timeout` bounds every wait for the server (see `adapters.postgres.bounded`).
    """
    parts = conninfo_to_dict(database_url)
    return {
        "PERSISTENCE_MODULE": "adapters.postgres.factory:BoundedPostgresFactory",
        "APPLICATION_RECORDER_TOPIC": "adapters.postgres.recorder:PagedApplicationRecorder",
        "POSTGRES_DBNAME": str(parts.get("dbname", "cis")),
        "POSTGRES_HOST": str(parts.get("host", "127.0.0.1")),
        "POSTGRES_PORT": str(parts.get("port", "5432")),
        "POSTGRES_USER": str(parts.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(parts.get("password", "")),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(max_overflow),
        # Also how long a request waits for a pooled connection: keep it short, the
        # library retries up to 10 times before giving up.
        "POSTGRES_CONNECT_TIMEOUT": "2",
        "POSTGRES_PRE_PING": "y",
        "CREATE_TABLE": "y" if create_table else "n",
        QUERY_TIMEOUT: "" if query_timeout is None else str(query_timeout),
        # The library sets this one itself around its table lock (whole seconds).
        "POSTGRES_LOCK_TIMEOUT": "0" if query_timeout is None
        else str(max(1, round(query_timeout))),
    }
