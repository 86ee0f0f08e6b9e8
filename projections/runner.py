"""Runs a read model over the log: batches of events, one transaction per batch.

The library's `ProjectionRunner` commits one event per transaction (≈ 2,200 events/s
here); catching up or rebuilding needs more. This runner follows the same library
subscription (Postgres LISTEN/NOTIFY, pages of 500), decodes with the application's
mapper, and writes a whole batch plus the library's tracking record of its last event
in one transaction. When caught up, batches shrink to what has arrived, so a live event
is projected as soon as it is notified.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import structlog
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder

from application.services import APPLICATION_NAME, CustomerIntelligence
from projections.base import ReadModel

__all__ = ["POSITIONS_CHANNEL", "BatchProjector", "PositionMoved"]

log = structlog.get_logger()

MAX_BATCH = 2000
POSITIONS_CHANNEL = "cis_read_model_positions"


class PositionMoved(Exception):
    """Another writer (a rebuild swapping tables in) moved this read model's position."""


class BatchProjector:
    def __init__(
        self,
        app: CustomerIntelligence,
        model: ReadModel,
        tracking: PostgresTrackingRecorder,
        schema: str,
        *,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.app = app
        self.model = model
        self.tracking = tracking
        self.schema = schema
        self.max_batch = max_batch

    def position(self) -> int:
        return self.tracking.max_tracking_id(APPLICATION_NAME) or 0

    def run(
        self,
        stopping: threading.Event,
        *,
        until: int | None = None,
        on_batch: Callable[[int, int], None] | None = None,
    ) -> int:
        """Project until `stopping` is set (or position `until` is reached); returns the
        position. `on_batch(position, count)` is called after each committed batch."""
        position = self._expected = self.position()
        if until is not None and position >= until:
            return position
        notifications: queue.Queue[Any] = queue.Queue(maxsize=4 * self.max_batch)
        with self.app.recorder.subscribe(gt=position) as subscription:
            reader = threading.Thread(target=_follow, args=(subscription, notifications),
                                      name=f"follow-{self.model.name}", daemon=True)
            reader.start()
            try:
                while not stopping.is_set():
                    batch = _drain(notifications, self.max_batch)
                    if not batch:
                        continue
                    position = self._project(batch)
                    if on_batch is not None:
                        on_batch(position, len(batch))
                    if until is not None and position >= until:
                        break
            finally:
                subscription.stop()
        return position

    def _project(self, batch: list[Any]) -> int:
        self.app.cipher.prefetch(n.originator_id for n in batch)
        events = [(self.app.mapper.to_domain_event(n), n.id) for n in batch]
        last = batch[-1].id
        try:
            with self.tracking.datastore.transaction(commit=True) as curs:
                self._check_position_unmoved(curs)
                self.model.apply(curs, self.schema, events)
                self.tracking._insert_tracking(curs, Tracking(APPLICATION_NAME, last))
                # Delivered on commit: the query API's stream tells dashboards to refresh.
                curs.execute("SELECT pg_notify(%s, %s)",
                             (POSITIONS_CHANNEL, f"{self.model.name}:{last}"))
        except IntegrityError as error:
            # The library's tracking guard refused: someone recorded a later position.
            raise PositionMoved(f"{self.model.name} moved past {last}") from error
        self._expected = int(last)
        return self._expected

    def _check_position_unmoved(self, curs: Any) -> None:
        """Lock the tracking row and check it still says where this runner left off.

        Anyone else who moved it (a second process, a rebuild swapped in) would make
        this batch apply events twice or skip some: stop and re-read instead. Asked
        twice: if a rebuild renamed the schemas while we waited for the lock, the first
        answer comes from the old tables and only the second from the new ones.
        """
        query = (f"SELECT notification_id FROM {self.schema}."
                 f"{self.tracking.tracking_table_name} WHERE application_name = %s FOR UPDATE")
        for _ in range(2):
            row = curs.execute(query, (APPLICATION_NAME,), prepare=False).fetchone()
            current = int(row["notification_id"]) if row else 0
            if current != self._expected:
                raise PositionMoved(f"{self.model.name} is at {current}, not {self._expected}")


def _follow(subscription: Any, notifications: queue.Queue[Any]) -> None:
    try:
        for notification in subscription:
            notifications.put(notification)
    except Exception as error:  # noqa: BLE001 - handed to the writer, which raises it
        notifications.put(error)


def _drain(notifications: queue.Queue[Any], limit: int) -> list[Any]:
    try:
        batch = [notifications.get(timeout=0.2)]
    except queue.Empty:
        return []
    if isinstance(batch[0], Exception):
        raise batch[0]
    deadline = time.monotonic() + 0.005
    while len(batch) < limit:
        try:
            item = notifications.get_nowait()
        except queue.Empty:
            # Catching up, the reader refills within microseconds; live, we stop at once.
            if time.monotonic() > deadline:
                break
            time.sleep(0.0005)
            continue
        if isinstance(item, Exception):
            notifications.put(item)  # raised on the next call, after this batch commits
            break
        batch.append(item)
    return batch
