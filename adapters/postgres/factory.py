"""The library's Postgres persistence, with every wait for the server bounded when asked.

`CIS_QUERY_TIMEOUT` (seconds) in the application's environment makes the library's
connections `bounded_connection`s with matching server-side timeouts. The APIs set it
(a request must answer within seconds); projectors and rebuilds, whose batches may
legitimately run longer, leave it unset.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.postgres import PostgresFactory

from adapters.postgres.bounded import bounded_connection, server_timeouts

__all__ = ["QUERY_TIMEOUT", "BoundedPostgresFactory"]

QUERY_TIMEOUT = "CIS_QUERY_TIMEOUT"


class BoundedPostgresFactory(PostgresFactory):
    def __init__(self, env: Any) -> None:
        super().__init__(env)
        seconds = self.env.get(QUERY_TIMEOUT)
        if seconds:
            # The pool is built but not opened yet: its connections will be bounded.
            pool = self.datastore.pool
            pool.connection_class = bounded_connection(float(seconds))
            if not isinstance(pool.kwargs, dict):
                raise TypeError("the library's pool keeps its connection kwargs in a dict")
            pool.kwargs.update(server_timeouts(float(seconds)))
