"""Connections that give up on a server that does not answer, instead of waiting forever.

A server-side `statement_timeout` cannot help when the server itself is stalled (paused,
swapping, partitioned): nobody runs the timer. So every wait for the server on these
connections has a client-side bound too. When it expires the connection is closed, since
its protocol state is unknown (a statement sent, no answer read), and the pool replaces
it; the caller gets `QueryTimeout`, a `psycopg.OperationalError` (answered as 503).

Closing does not undo a COMMIT that was already sent: a stalled server may still apply it
when it wakes up. What a timed-out write means is settled elsewhere (idempotency claims).
"""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

import psycopg
import psycopg.errors

__all__ = ["QueryTimeout", "bounded_async_connection", "bounded_connection", "server_timeouts"]

# psycopg raises this internal exception when a wait's timeout expires; it is public in
# spirit (documented in `Connection.wait`) but not exported, hence the lookup.
_WAIT_TIMEOUT: type[Exception] = psycopg.errors._WaitTimeout
_INTERVAL = 0.1  # psycopg's own polling interval


class QueryTimeout(psycopg.OperationalError):
    """The server did not answer within the connection's bound; the connection is closed."""


class _BoundedConnection(psycopg.Connection[Any]):
    query_timeout: ClassVar[float] = 2.0

    def wait(self, gen: Any, interval: float = _INTERVAL, timeout: float | None = None) -> Any:
        try:
            return super().wait(gen, interval, self.query_timeout if timeout is None else timeout)
        except _WAIT_TIMEOUT:
            self.close()
            raise QueryTimeout(f"no answer from Postgres within {self.query_timeout} s") from None


class _BoundedAsyncConnection(psycopg.AsyncConnection[Any]):
    query_timeout: ClassVar[float] = 2.0

    async def wait(self, gen: Any, interval: float = _INTERVAL,
                   timeout: float | None = None) -> Any:
        try:
            return await super().wait(gen, interval,
                                      self.query_timeout if timeout is None else timeout)
        except _WAIT_TIMEOUT:
            await self.close()
            raise QueryTimeout(f"no answer from Postgres within {self.query_timeout} s") from None


@cache
def bounded_connection(seconds: float) -> type[psycopg.Connection[Any]]:
    """A `psycopg.Connection` class whose every wait for the server ends after `seconds`."""
    return type(f"BoundedConnection{int(seconds * 1000)}ms", (_BoundedConnection,),
                {"query_timeout": seconds})


@cache
def bounded_async_connection(seconds: float) -> type[psycopg.AsyncConnection[Any]]:
    """The same for `psycopg.AsyncConnection`."""
    return type(f"BoundedAsyncConnection{int(seconds * 1000)}ms", (_BoundedAsyncConnection,),
                {"query_timeout": seconds})


def server_timeouts(seconds: float) -> dict[str, Any]:
    """Connection parameters that make a live server abort what outlasts the client's
    bound (a lock wait, a slow plan) rather than keep working for nobody."""
    ms = int(seconds * 1000)
    return {"connect_timeout": max(1, round(seconds)),
            "options": f"-c statement_timeout={ms} -c lock_timeout={ms} "
                       f"-c idle_in_transaction_session_timeout={max(ms, 5000)}"}
