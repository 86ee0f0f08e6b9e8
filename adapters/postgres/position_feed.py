"""Read-model positions from one Postgres LISTEN per process, fanned out to subscribers.

Every dashboard stream of a query API process subscribes here instead of holding a
Postgres connection of its own, so a thousand open streams cost one connection. The
number of subscriptions is capped per subject (a token's `sub`) and in total; past a
cap `subscribe` refuses with `StreamLimitReached`.

The listener reconnects with back-off when its connection drops, and after each
(re)connect announces every read model's current position, so a subscriber never
misses a move that happened while nobody was listening. A subscriber that reads
slower than positions arrive keeps only the newest ones (positions only move forward).

The feed also keeps the last position it heard of each read model (`known`), for the
query API's reads (entrypoints/query_api/positions.py). A NOTIFY is delivered only
after its transaction committed, so a known position is never ahead of the read
model; while the listener is not connected nothing is known. A rebuild's swap
announces itself (`name:position:swapped`): the figures change at the same position.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import psycopg
import structlog
from psycopg import sql

from application.services import APPLICATION_NAME

__all__ = ["FEED_APPLICATION_NAME", "SWAPPED", "Moved", "PositionFeed", "StreamLimitReached",
           "Subscription"]

log = structlog.get_logger()
FEED_APPLICATION_NAME = "cis-position-feed"  # how the listener shows in pg_stat_activity
_QUEUE_SIZE = 64
_HEARTBEAT_SECONDS = 30.0  # a silent connection is checked this often
_SETUP_SECONDS = 5.0  # connecting, LISTEN and the first positions
_RECONNECT_DELAYS = (0.2, 5.0)  # first and longest wait before reconnecting


SWAPPED = "swapped"  # third field of a notification sent by a rebuild's swap


@dataclass(frozen=True, slots=True)
class Moved:
    read_model: str
    position: int


class StreamLimitReached(Exception):
    """`scope` says which cap: the caller's own (`subject`) or the process's (`total`)."""

    def __init__(self, scope: Literal["subject", "total"], limit: int) -> None:
        where = "for this caller" if scope == "subject" else "on this server"
        super().__init__(f"{limit} streams are open {where} already")
        self.scope = scope
        self.limit = limit


class Subscription:
    """One subscriber's queue of moves; `close` (idempotent) gives its slot back."""

    def __init__(self, feed: PositionFeed, subject: str) -> None:
        self.subject = subject
        self._feed = feed
        self._queue: asyncio.Queue[Moved] = asyncio.Queue(_QUEUE_SIZE)
        self._closed = False

    async def next(self, timeout: float) -> Moved | None:
        """The next move, or None if none came within `timeout` seconds."""
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return None

    def offer(self, moved: Moved) -> None:
        if self._queue.full():
            self._queue.get_nowait()  # a slow reader keeps the newest positions
        self._queue.put_nowait(moved)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._feed._release(self)


class PositionFeed:
    def __init__(self, database_url: str, channel: str, read_models: Sequence[str], *,
                 per_subject: int, total: int) -> None:
        self._url = database_url
        self._channel = channel
        self._read_models = tuple(read_models)
        self._per_subject = per_subject
        self._total = total
        self._subscribers: set[Subscription] = set()
        self._per_caller: Counter[str] = Counter()
        self._listening = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._known: dict[str, int] = {}
        self._changed = asyncio.Event()  # replaced on each move: wakes every waiter

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def subscribe(self, subject: str) -> Subscription:
        """A new subscription; raises StreamLimitReached past a cap. Starts the listener
        with the first subscriber (not before: a process nobody streams from holds no
        connection for it)."""
        if self._per_caller[subject] >= self._per_subject:
            raise StreamLimitReached("subject", self._per_subject)
        if len(self._subscribers) >= self._total:
            raise StreamLimitReached("total", self._total)
        subscription = Subscription(self, subject)
        self._subscribers.add(subscription)
        self._per_caller[subject] += 1
        self.start()
        return subscription

    def start(self) -> None:
        """Start listening (idempotent); the query API does on startup, for `known`."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._listen(),
                                                                name="position-feed")

    def known(self, read_model: str) -> int | None:
        """The read model's position as last heard while connected; None when not
        listening or not heard of since connecting."""
        return self._known.get(read_model) if self._listening.is_set() else None

    def changed(self) -> asyncio.Event:
        """Set at the next move (or loss of the connection)."""
        return self._changed

    async def listening(self, timeout: float) -> bool:
        """True once the listener has its LISTEN in place (False after `timeout`)."""
        try:
            await asyncio.wait_for(self._listening.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _release(self, subscription: Subscription) -> None:
        if subscription in self._subscribers:
            self._subscribers.discard(subscription)
            self._per_caller[subscription.subject] -= 1
            if self._per_caller[subscription.subject] <= 0:
                del self._per_caller[subscription.subject]

    def _publish(self, moved: Moved) -> None:
        self._known[moved.read_model] = moved.position
        self._wake()
        for subscription in tuple(self._subscribers):
            subscription.offer(moved)

    async def _listen(self) -> None:
        delay = _RECONNECT_DELAYS[0]
        while True:
            try:
                await self._listen_once()
            except (psycopg.Error, OSError, TimeoutError) as error:
                log.warning("position feed lost its connection; reconnecting",
                            error=type(error).__name__, retry_in_seconds=delay)
            except Exception as error:  # the feed must outlive any one failure
                log.error("position feed failed; reconnecting", error=type(error).__name__,
                          retry_in_seconds=delay, exc_info=error)
            finally:
                self._forget()
            await asyncio.sleep(delay)
            delay = min(delay * 2, _RECONNECT_DELAYS[1])

    def _wake(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _forget(self) -> None:
        """Not listening: nothing heard before counts (moves may be missed meanwhile)."""
        self._listening.clear()
        self._known.clear()
        self._wake()

    async def _listen_once(self) -> None:
        # Bounded: a Postgres that accepts connections but does not answer (paused,
        # overloaded) must not hold the feed forever; the loop tries again.
        async with asyncio.timeout(_SETUP_SECONDS):
            conn = await psycopg.AsyncConnection.connect(
                self._url, autocommit=True, connect_timeout=round(_SETUP_SECONDS),
                application_name=FEED_APPLICATION_NAME)
        async with conn:
            async with asyncio.timeout(_SETUP_SECONDS):
                await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
                self._listening.set()
                await self._announce_positions(conn)
            while True:
                async for notify in conn.notifies(timeout=_HEARTBEAT_SECONDS):
                    moved = _parse(notify.payload)
                    if moved is not None:
                        self._publish(moved)
                # Quiet for a while: make sure the connection is still there.
                async with asyncio.timeout(_SETUP_SECONDS):
                    await conn.execute("SELECT 1")

    async def _announce_positions(self, conn: psycopg.AsyncConnection) -> None:
        for name in self._read_models:
            table = sql.Identifier(f"rm_{name}", f"{name}_tracking")
            try:
                cursor = await conn.execute(sql.SQL(
                    "SELECT notification_id FROM {} WHERE application_name = %s").format(table),
                    (APPLICATION_NAME,))
                row = await cursor.fetchone()
            except psycopg.errors.UndefinedTable:
                continue  # not migrated (yet): nothing to announce
            if row and row[0] is not None:
                self._publish(Moved(name, int(row[0])))


def _parse(payload: str) -> Moved | None:
    name, _, rest = payload.partition(":")
    position = rest.partition(":")[0]  # a swap's announcement adds ":swapped"
    try:
        return Moved(name, int(position))
    except ValueError:
        log.warning("position feed ignored a malformed notification")
        return None
