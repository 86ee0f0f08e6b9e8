"""Runs a read model over the log: batches of events, one transaction per batch.

The library's `ProjectionRunner` commits one event per transaction (≈ 700 events/s
here); catching up or rebuilding needs more. This runner has two phases:

* catching up: a reader thread reads pages of the log straight from the recorder and
  decodes them with the application's mapper while the writer applies the previous
  page, so Python decodes while Postgres writes;
* following: once a page comes back short, it follows the log through a `LogFeed`
  (Postgres LISTEN/NOTIFY; one read of the log shared by the read models of a
  process) and commits the events arriving within `COALESCE_WINDOW` of each other in
  one transaction. If it falls behind again (a full batch is waiting), it goes back to
  catching up.

Each batch's rows and the library's tracking record of its last event are written in
one transaction: a crash loses nothing and applies nothing twice.

An event the read model cannot decode or apply (a poison event) stops it exactly
there: a batch that fails is halved until everything before that event is committed,
then `PoisonEvent` names it (position, type, error class). Whoever runs the projector
decides what next (the projector process retries with back-off; a rebuild fails).
Events an operator told this read model to skip (`projections.stall`) are left out.

Given a `CustomerPartition`, it projects only that partition's events and tracks its
position under a name of its own: several processes rebuild one read model together,
and `merge_partitions` makes their positions the read model's once all are done.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import psycopg
import psycopg_pool
import structlog
from eventsourcing import persistence
from eventsourcing.persistence import IntegrityError, Notification, Tracking
from eventsourcing.utils import get_topic

from adapters.metrics import series
from application.blind_index import BlindIndex
from application.services import APPLICATION_NAME, CustomerIntelligence
from projections import stall
from projections.base import (
    Positioned,
    PositionMoved,
    ReadModel,
    ReadModelRecorder,
    originator_of,
    schema_of,
)
from projections.following import Behind, LogFeed
from projections.partition import CustomerPartition

__all__ = ["INFRASTRUCTURE_ERRORS", "POSITIONS_CHANNEL", "BatchProjector", "PoisonEvent",
           "PositionMoved"]

log = structlog.get_logger()

MAX_BATCH = 5000
POSITIONS_CHANNEL = "cis_read_model_positions"
OnBatch = Callable[[int, int], None]

# Failures of the connection, not of an event: retried as they are, never blamed on one.
INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (
    persistence.OperationalError, persistence.InterfaceError, psycopg.OperationalError,
    psycopg.InterfaceError, psycopg_pool.PoolTimeout, ConnectionError, TimeoutError)


class PoisonEvent(Exception):
    """The read model cannot project the event at `position`; everything before it is in.

    Names the event by position and type and the error by its class only: an error's
    message may quote a value of the event, which may be personal data.
    """

    def __init__(self, read_model: str, position: int, event_type: str,
                 error: BaseException) -> None:
        self.read_model, self.position, self.event_type = read_model, position, event_type
        self.error_class = type(_root_cause(error)).__name__
        super().__init__(f"{read_model} cannot project the event at position {position} "
                         f"({event_type}): {self.error_class}")
        self.__cause__ = error  # raised later, far from where it happened


class _ApplyFailed(Exception):
    """The read model's `apply` raised (as opposed to the tracking or the connection)."""


# Decoded events, the position the page reaches, and the event that stopped decoding.
Page = tuple[list[Positioned], int, PoisonEvent | None]


class BatchProjector:
    def __init__(
        self,
        app: CustomerIntelligence,
        model: ReadModel,
        tracking: ReadModelRecorder,
        schema: str,
        *,
        max_batch: int = MAX_BATCH,
        partition: CustomerPartition | None = None,
        index: BlindIndex | None = None,
        feed: LogFeed | None = None,
    ) -> None:
        self.app = app
        self.model = model
        self.tracking = tracking
        self.schema = schema
        self.max_batch = max_batch
        self.partition = partition
        self.feed = feed  # the process's one live read of the log; else one of its own
        self.tracking_name = (APPLICATION_NAME if partition is None
                              else _partition_tracking_name(partition.index, partition.count))
        # Only the live read model's projector reports stalls (a rebuild fails instead)
        # and announces its positions: a rebuild's are not the live read model's.
        self.live = partition is None and schema == schema_of(model.name)
        self.reports_stalls = self.live
        self._skipped: frozenset[int] = frozenset()
        self._stalled = False
        self._mapper = app.mapper_leaving_personal_data_sealed
        if model.stores_personal_data:
            if index is None:
                raise ValueError(f"{model.name} stores personal data: it needs the blind index")
            self._mapper = app.mapper_keeping_personal_data_sealed(index)

    def position(self) -> int:
        return self.tracking.max_tracking_id(self.tracking_name) or 0

    def merge_partitions(self, count: int, position: int) -> None:
        """Take over from `count` partitions that all reached `position`: the read model
        is at `position`, in one transaction with removing their tracking rows."""
        table = f"{self.schema}.{self.tracking.tracking_table_name}"
        names = [_partition_tracking_name(index, count) for index in range(count)]
        self._expected = self.position()
        with self.tracking.batch(Tracking(self.tracking_name, position),
                                 expected=self._expected) as curs:
            rows = curs.execute(f"SELECT application_name, notification_id FROM {table} "
                                "WHERE application_name = ANY(%s)", (names,)).fetchall()
            reached = {row["application_name"]: int(row["notification_id"]) for row in rows}
            behind = [name for name in names if reached.get(name) != position]
            if behind:
                raise PositionMoved(f"{self.model.name}: partitions {behind} are not at {position}")
            curs.execute(f"DELETE FROM {table} WHERE application_name = ANY(%s)", (names,))
        self._expected = position

    def run(self, stopping: threading.Event, *, until: int | None = None,
            on_batch: OnBatch | None = None) -> int:
        """Project until `stopping` is set (or position `until` is reached); returns the
        position. `on_batch(position, count)` is called after each committed batch."""
        position = self._expected = self.position()
        with self.tracking.datastore.transaction(commit=True) as curs:
            self._skipped = stall.skipped_positions(curs, self.model.name)
            if self.reports_stalls:
                # A stall not tied to an event (or one it is past) ended with this start.
                stall.clear_stall(curs, self.model.name, self._expected)
                self._stalled = stall.has_stall(curs, self.model.name)
        while not (stopping.is_set() or _reached(position, until)):
            position = self._catch_up(stopping, until, on_batch)
            if not (stopping.is_set() or _reached(position, until)):
                position = self._follow(stopping, until, on_batch)
        return position

    def _catch_up(self, stopping: threading.Event, until: int | None,
                  on_batch: OnBatch | None) -> int:
        """Read and decode page after page until a page comes back short."""
        for page in _prefetched(self._decoded_pages(stopping, until)):
            self._commit_page(page, on_batch)
        return self._expected

    def _follow(self, stopping: threading.Event, until: int | None,
                on_batch: OnBatch | None) -> int:
        """Commit the events that arrive within the coalescing window of each other
        together, as the feed hands them over; return when behind."""
        feed = self.feed or LogFeed(self.app.recorder)
        with feed.follow(self._expected, limit=4 * self.max_batch) as follower:
            while not (stopping.is_set() or _reached(self._expected, until)):
                try:
                    batch = follower.gather(self.max_batch)
                except Behind:
                    break  # more is waiting than arrives live: catch up instead
                if batch:
                    self._commit_page(self._decoded(batch), on_batch)
                if len(batch) >= self.max_batch:
                    break
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
                decoded = self._decoded(page)
                yield decoded
                if decoded[2] is not None:
                    return  # the writer stops at the poison event
            if len(page) < self.max_batch:
                if where is not None and until is not None and position < until:
                    yield [], until, None  # the rest up to `until`: other partitions' events
                return

    def _decoded(self, notifications: Sequence[Notification]) -> Page:
        """The page's events decoded, up to the first that cannot be (then named)."""
        reached = notifications[-1].id if notifications else self._expected
        if self.partition is not None:
            notifications = self.partition.select(notifications)
        if self._skipped:
            notifications = [n for n in notifications if n.id not in self._skipped]
        if self.model.stores_personal_data:  # it opens values to derive their terms
            self.app.cipher.prefetch(originator_of(n) for n in notifications)
        to_domain_event = self._mapper.to_domain_event
        events: list[Positioned] = []
        for notification in notifications:
            try:
                events.append((to_domain_event(notification), notification.id))
            except INFRASTRUCTURE_ERRORS:
                raise  # a data key that could not be loaded: not the event's fault
            except Exception as error:  # noqa: BLE001 - whatever it is, this event is why
                return events, reached, PoisonEvent(self.model.name, notification.id,
                                                    notification.topic, error)
        return events, reached, None

    def _commit_page(self, page: Page, on_batch: OnBatch | None) -> None:
        events, reached, poison = page
        if poison is None:
            self._commit_narrowing(events, reached, on_batch)
            return
        if poison.position - 1 > self._expected:  # the events before it, then stop
            self._commit_narrowing(events, poison.position - 1, on_batch)
        raise poison

    def _commit_narrowing(self, events: list[Positioned], last: int,
                          on_batch: OnBatch | None) -> None:
        """Commit the batch; if one of its events cannot be applied, commit the halves
        before it and raise `PoisonEvent` for exactly that one (log2(batch) attempts)."""
        try:
            self._commit(events, last, on_batch)
        except _ApplyFailed as failed:
            cause = failed.__cause__
            if cause is None:  # _ApplyFailed is only ever raised from its cause
                raise
            if isinstance(cause, INFRASTRUCTURE_ERRORS):
                raise cause from None
            if len(events) == 1:
                event, position = events[0]
                raise PoisonEvent(self.model.name, position, get_topic(type(event)),
                                  cause) from cause
            half = len(events) // 2
            self._commit_narrowing(events[:half], events[half - 1][1], on_batch)
            self._commit_narrowing(events[half:], last, on_batch)

    def _commit(self, events: list[Positioned], last: int, on_batch: OnBatch | None) -> None:
        """Apply `events` and record that the log was read through `last` (a partition's
        page may hold none of its events and still moves it on)."""
        series.discard_pending()
        try:
            with self.tracking.batch(Tracking(self.tracking_name, last),
                                     expected=self._expected) as curs:
                if events:
                    try:
                        self.model.apply(curs, self.schema, events)
                    except Exception as error:
                        raise _ApplyFailed() from error
                # The stall ends in the transaction that gets past it: never a stale one.
                passed_stall = self._stalled and stall.clear_stall(curs, self.model.name, last)
                # Delivered on commit: the query API's reads take positions from it
                # (never ahead of the commit) and its stream tells dashboards to refresh.
                if self.live:
                    curs.execute("SELECT pg_notify(%s, %s)",
                                 (POSITIONS_CHANNEL, f"{self.model.name}:{last}"))
        except IntegrityError as error:
            # The library's tracking guard refused: someone recorded a later position.
            raise PositionMoved(f"{self.model.name} moved past {last}") from error
        self._expected = int(last)
        series.flush_pending()  # what the batch saw is counted once it committed
        if passed_stall:
            self._stalled = False
            log.info("read model got past its stall", read_model=self.model.name, position=last)
        if on_batch is not None:
            on_batch(self._expected, len(events))


def _root_cause(error: BaseException) -> BaseException:
    """What went wrong underneath the library's wrapping (InvalidTag, not "cannot
    deserialise")."""
    seen = {id(error)}
    while (inner := error.__cause__ or error.__context__) is not None and id(inner) not in seen:
        seen.add(id(inner))
        error = inner
    return error


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
