"""Runs a read model over the log: batches of events, one transaction per batch.

The library's `ProjectionRunner` commits one event per transaction (≈ 700 events/s
here); catching up or rebuilding needs more. This runner has two phases:

* catching up: a reader thread reads pages of the log straight from the recorder and
  decodes them with the application's mapper while the writer applies the previous
  page, so Python decodes while Postgres writes;
* following: once a page comes back short, the library's subscription (Postgres
  LISTEN/NOTIFY) wakes it for each new event, which is projected at once. If it falls
  behind again (a full batch is waiting), it goes back to catching up.

Each batch's rows and the library's tracking record of its last event are written in
one transaction: a crash loses nothing and applies nothing twice.

Given a `CustomerPartition`, it projects only that partition's events and tracks its
position under a name of its own: several processes rebuild one read model together,
and `merge_partitions` makes their positions the read model's once all are done.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import structlog
from eventsourcing.persistence import IntegrityError, Notification, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder

from application.services import APPLICATION_NAME, CustomerIntelligence
from projections.base import Positioned, ReadModel
from projections.partition import CustomerPartition

__all__ = ["POSITIONS_CHANNEL", "BatchProjector", "PositionMoved"]

log = structlog.get_logger()

MAX_BATCH = 5000
POSITIONS_CHANNEL = "cis_read_model_positions"
OnBatch = Callable[[int, int], None]
Page = tuple[list[Positioned], int]  # decoded events, and the position the page reaches


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
        partition: CustomerPartition | None = None,
    ) -> None:
        self.app = app
        self.model = model
        self.tracking = tracking
        self.schema = schema
        self.max_batch = max_batch
        self.partition = partition
        self.tracking_name = (APPLICATION_NAME if partition is None
                              else _partition_tracking_name(partition.index, partition.count))

    def position(self) -> int:
        return self.tracking.max_tracking_id(self.tracking_name) or 0

    def merge_partitions(self, count: int, position: int) -> None:
        """Take over from `count` partitions that all reached `position`: the read model
        is at `position`, in one transaction with removing their tracking rows."""
        table = f"{self.schema}.{self.tracking.tracking_table_name}"
        names = [_partition_tracking_name(index, count) for index in range(count)]
        self._expected = self.position()
        with self.tracking.datastore.transaction(commit=True) as curs:
            self._check_position_unmoved(curs)
            rows = curs.execute(f"SELECT application_name, notification_id FROM {table} "
                                "WHERE application_name = ANY(%s)", (names,)).fetchall()
            reached = {row["application_name"]: int(row["notification_id"]) for row in rows}
            behind = [name for name in names if reached.get(name) != position]
            if behind:
                raise PositionMoved(f"{self.model.name}: partitions {behind} are not at {position}")
            curs.execute(f"DELETE FROM {table} WHERE application_name = ANY(%s)", (names,))
            self.tracking._insert_tracking(curs, Tracking(self.tracking_name, position))
        self._expected = position

    def run(self, stopping: threading.Event, *, until: int | None = None,
            on_batch: OnBatch | None = None) -> int:
        """Project until `stopping` is set (or position `until` is reached); returns the
        position. `on_batch(position, count)` is called after each committed batch."""
        position = self._expected = self.position()
        while not (stopping.is_set() or _reached(position, until)):
            position = self._catch_up(stopping, until, on_batch)
            if not (stopping.is_set() or _reached(position, until)):
                position = self._follow(stopping, until, on_batch)
        return position

    def _catch_up(self, stopping: threading.Event, until: int | None,
                  on_batch: OnBatch | None) -> int:
        """Read and decode page after page until a page comes back short."""
        for events, reached in _prefetched(self._decoded_pages(stopping, until)):
            self._commit(events, reached, on_batch)
        return self._expected

    def _follow(self, stopping: threading.Event, until: int | None,
                on_batch: OnBatch | None) -> int:
        """Project events as the subscription delivers them; return when behind."""
        notifications: queue.Queue[Any] = queue.Queue(maxsize=4 * self.max_batch)
        with self.app.recorder.subscribe(gt=self._expected) as subscription:
            follower = threading.Thread(target=_forward, args=(subscription, notifications),
                                        name=f"follow-{self.model.name}", daemon=True)
            follower.start()
            try:
                while not (stopping.is_set() or _reached(self._expected, until)):
                    batch = _drain(notifications, self.max_batch)
                    if batch:
                        self._commit(self._decoded(batch), batch[-1].id, on_batch)
                    if len(batch) == self.max_batch:
                        break  # more is waiting than arrives live: catch up instead
            finally:
                subscription.stop()
                # The follower may wait to put into a full queue: empty it until it ends.
                while follower.is_alive():
                    _discard(notifications)
                    follower.join(timeout=0.05)
        return self._expected

    def _decoded_pages(self, stopping: threading.Event,
                       until: int | None) -> Iterator[Page]:
        position = self._expected
        where = None if self.partition is None else self.partition.prefilter()
        while not (stopping.is_set() or _reached(position, until)):
            # Never past `until`: partitions that stop there have all read the same log.
            page = self.app.recorder.select_notifications(  # type: ignore[call-arg]
                start=position, limit=self.max_batch, stop=until, inclusive_of_start=False,
                where=where)
            if page:
                position = page[-1].id
                yield self._decoded(page), position
            if len(page) < self.max_batch:
                if where is not None and until is not None and position < until:
                    yield [], until  # the rest up to `until` is other partitions' events
                return

    def _decoded(self, notifications: Sequence[Notification]) -> list[Positioned]:
        if self.partition is not None:
            notifications = self.partition.select(notifications)
        if self.model.shows_personal_data:
            self.app.cipher.prefetch(n.originator_id for n in notifications)
            to_domain_event = self.app.mapper.to_domain_event
        else:
            to_domain_event = self.app.mapper_leaving_personal_data_sealed.to_domain_event
        return [(to_domain_event(n), n.id) for n in notifications]

    def _commit(self, events: list[Positioned], last: int, on_batch: OnBatch | None) -> None:
        """Apply `events` and record that the log was read through `last` (a partition's
        page may hold none of its events and still moves it on)."""
        try:
            with self.tracking.datastore.transaction(commit=True) as curs:
                self._check_position_unmoved(curs)
                if events:
                    self.model.apply(curs, self.schema, events)
                self.tracking._insert_tracking(curs, Tracking(self.tracking_name, last))
                # Delivered on commit: the query API's stream tells dashboards to refresh.
                curs.execute("SELECT pg_notify(%s, %s)",
                             (POSITIONS_CHANNEL, f"{self.model.name}:{last}"))
        except IntegrityError as error:
            # The library's tracking guard refused: someone recorded a later position.
            raise PositionMoved(f"{self.model.name} moved past {last}") from error
        self._expected = int(last)
        if on_batch is not None:
            on_batch(self._expected, len(events))

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
            row = curs.execute(query, (self.tracking_name,), prepare=False).fetchone()
            current = int(row["notification_id"]) if row else 0
            if current != self._expected:
                raise PositionMoved(f"{self.model.name} is at {current}, not {self._expected}")


def _partition_tracking_name(index: int, count: int) -> str:
    return f"{APPLICATION_NAME}#{index + 1}/{count}"


def _reached(position: int, until: int | None) -> bool:
    return until is not None and position >= until


def _prefetched(pages: Iterator[Page]) -> Iterator[Page]:
    """The pages, each read and decoded in a thread while the previous one is applied."""
    ready: queue.Queue[Any] = queue.Queue(maxsize=2)
    abandoned = threading.Event()
    done = object()

    def hand_over(item: object) -> bool:
        while not abandoned.is_set():
            try:
                ready.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for page in pages:
                if not hand_over(page):
                    return
            hand_over(done)
        except BaseException as error:  # noqa: BLE001 - handed to the writer, which raises it
            hand_over(error)

    threading.Thread(target=read, name="read-ahead", daemon=True).start()
    try:
        while (item := ready.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        abandoned.set()  # the writer stopped early (error or stop): the reader stops too


def _forward(subscription: Any, notifications: queue.Queue[Any]) -> None:
    try:
        for notification in subscription:
            notifications.put(notification)
    except Exception as error:  # noqa: BLE001 - handed to the writer, which raises it
        notifications.put(error)


def _discard(notifications: queue.Queue[Any]) -> None:
    try:
        while True:
            notifications.get_nowait()
    except queue.Empty:
        pass


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
