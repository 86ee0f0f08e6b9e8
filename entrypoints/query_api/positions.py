"""Where each read model is, for the query API's reads: from the NOTIFY feed, not a query.

The projectors announce every batch they commit (`cis_read_model_positions`); the
process's one `PositionFeed` listens and keeps the last position of each read model.
A read's `min_position` wait takes the position from there instead of polling the
read model's tracking table. It stays correct:

* a position heard from the feed is never ahead of the read model (the NOTIFY is
  delivered after its commit), so a read that waited for `min_position` never answers
  older data; while the feed lags behind, the read waits for its next move and checks
  the read model itself every `RECHECK_SECONDS`;
* while the feed is not connected (nothing is known then) every read queries the read
  model, as before;
* reading from a streaming replica (`feed_answers=False`), the feed hears the primary,
  which the replica may not have replayed yet: a position heard there only wakes the
  wait, and the replica's own tracking row answers it.

A dashboard's cache key still takes position and generation from the tables, in one
query instead of two (`of_tables`, for why).
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from adapters.postgres.position_feed import PositionFeed
from projections.reading import Positions

__all__ = ["RECHECK_SECONDS", "ReadPositions"]

RECHECK_SECONDS = 0.5


class ReadPositions:
    def __init__(self, feed: PositionFeed, queried: Positions, *,
                 feed_answers: bool = True) -> None:
        self._feed = feed
        self._queried = queried
        self._feed_answers = feed_answers

    async def of_tables(self, read_model: str) -> tuple[int, int]:
        """Position and generation (the schema's oid, new with each rebuild) as the read
        model's tables say, in one query: what a dashboard's cache key is made of.

        Asked of Postgres, not the feed: a cached dashboard is answered only while
        Postgres answers (a stalled Postgres is a 503 on every path), and a rebuild's
        new tables at the same position must not be answered from the old ones' cache.
        """
        return await self._queried.position_and_generation(read_model)

    async def wait_for(self, read_model: str, min_position: int, timeout: float) -> bool:
        """True once the read model reached `min_position`; False after `timeout`."""
        deadline = time.monotonic() + timeout
        recheck_at = time.monotonic() + RECHECK_SECONDS
        while True:
            changed = self._feed.changed()
            known = self._feed.known(read_model)
            now = time.monotonic()
            if known is not None and known >= min_position:
                if self._feed_answers:
                    return True
                return await self._queried.wait_for(read_model, min_position,
                                                    max(0.0, deadline - now))
            if known is None:  # not listening: the read model itself, as before the feed
                return await self._queried.wait_for(read_model, min_position,
                                                    max(0.0, deadline - now))
            if now >= recheck_at:  # a lagging (or silently broken) feed must not decide
                if await self._queried.position(read_model) >= min_position:
                    return True
                recheck_at = time.monotonic() + RECHECK_SECONDS
            if now >= deadline:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), max(0.0, min(deadline, recheck_at) - now))
