"""The relay: follows the application log and publishes integration events to JetStream.

Its position lives in Postgres and advances only after JetStream acknowledged every
message up to it. After a crash it republishes from its last position; the
`Nats-Msg-Id` header (the event id) lets JetStream drop those duplicates inside the
dedup window, and consumers dedupe by event id beyond it.

It never exits for a fault outside it: a publish that times out or fails (NATS paused,
reconnecting, JetStream unavailable) is retried in order with back-off (1 s .. 60 s);
an event it cannot read from the log stalls it right before that event, recorded as
the stall of "relay" (see `projections.stall`) and retried with back-off, like a read
model. Integration events carry no personal data, so it reads the log with personal
fields left sealed and never needs a data key.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import msgspec
import nats.errors
import psycopg
import structlog
from eventsourcing.persistence import Notification, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from nats.js import JetStreamContext

from adapters.backoff import Backoff
from application.integration_events import subject_of
from application.publishing import to_integration_event
from application.services import CustomerIntelligence
from projections import stall
from projections.runner import INFRASTRUCTURE_ERRORS

__all__ = ["RELAY", "Relay"]

log = structlog.get_logger()

RELAY = "relay"  # its name in the stall table
_BATCH = 256
_PUBLISH_TIMEOUT = 5.0
_PUBLISH_ERRORS = (nats.errors.Error, TimeoutError)
_STALL_UNRECORDED: tuple[type[BaseException], ...] = (psycopg.Error, *INFRASTRUCTURE_ERRORS)


class _Unreadable(Exception):
    """The follower could not read or decode the log (`notification` when one event)."""

    def __init__(self, error: BaseException, notification: Notification | None) -> None:
        super().__init__(type(error).__name__)
        self.error, self.notification = error, notification


class Relay:
    def __init__(
        self, app: CustomerIntelligence, tracking: PostgresTrackingRecorder, js: JetStreamContext,
        *, subject_prefix: str = "",
    ) -> None:
        self._app = app
        self._subject_prefix = subject_prefix  # a bench's own stream
        self._tracking = tracking
        self._js = js
        self._encoder = msgspec.json.Encoder()
        # Integration events carry no personal data: the relay never opens any.
        self._mapper = app.mapper_leaving_personal_data_sealed
        self._stalled = False
        self._backoff = Backoff(first=1.0, cap=60.0)  # between attempts to read the log

    async def run(self, stopping: asyncio.Event) -> None:
        backoff = self._backoff
        while not stopping.is_set():
            try:
                await self._run_from_saved_position(stopping)
            except _Unreadable as unreadable:
                await self._stall(unreadable, backoff.next_delay(), stopping)
            except INFRASTRUCTURE_ERRORS as error:  # Postgres away: its position is there
                delay = backoff.next_delay()
                log.error("relay cannot reach Postgres; retrying", error=type(error).__name__,
                          retry_in_seconds=delay)
                await _stopped_within(stopping, delay)

    async def _run_from_saved_position(self, stopping: asyncio.Event) -> None:
        position = await asyncio.to_thread(self._tracking.max_tracking_id, self._app.name)
        skipped = await asyncio.to_thread(self._skipped)
        log.info("relay started", position=position or 0)
        queue: asyncio.Queue[tuple[Any, Tracking] | _Unreadable] = asyncio.Queue(
            maxsize=4 * _BATCH)
        subscription = self._app.recorder.subscribe(gt=position)
        reader = threading.Thread(
            target=self._follow, args=(subscription, queue, asyncio.get_running_loop(), skipped),
            name="relay-follow", daemon=True,
        )
        reader.start()
        try:
            await self._publish_until(stopping, queue)
        finally:
            subscription.stop()

    def _skipped(self) -> frozenset[int]:
        with self._tracking.datastore.transaction(commit=False) as curs:
            return stall.skipped_positions(curs, RELAY)

    def _follow(self, subscription: Any, queue: asyncio.Queue[Any],
                loop: asyncio.AbstractEventLoop, skipped: frozenset[int]) -> None:
        # The library's subscription blocks (LISTEN/NOTIFY); it runs in this thread and
        # hands events to the event loop, with back-pressure from the bounded queue.
        notification = None
        try:
            with subscription:
                for notification in subscription:
                    if notification.id in skipped:
                        continue  # an operator let the relay pass over it (`cis project skip`)
                    item = (self._mapper.to_domain_event(notification),
                            Tracking(self._app.name, notification.id))
                    asyncio.run_coroutine_threadsafe(queue.put(item), loop).result()
                    notification = None  # noqa: PLW2901 - handed over, not the one that fails
        except Exception as error:  # noqa: BLE001 - handed to the publisher, which stalls
            unreadable = _Unreadable(error, notification)
            if not loop.is_closed():
                asyncio.run_coroutine_threadsafe(queue.put(unreadable), loop).result()

    async def _publish_until(
        self, stopping: asyncio.Event, queue: asyncio.Queue[tuple[Any, Tracking] | _Unreadable]
    ) -> None:
        backoff = Backoff(first=1.0, cap=60.0)
        while not stopping.is_set():
            try:
                first = await asyncio.wait_for(queue.get(), timeout=0.5)
            except TimeoutError:
                continue
            batch = [first]
            while len(batch) < _BATCH and not queue.empty():
                batch.append(queue.get_nowait())
            published: Tracking | None = None
            unreadable: _Unreadable | None = None
            for item in batch:
                if isinstance(item, _Unreadable):
                    unreadable = item
                    break
                if not await self._publish(*item, stopping, backoff):
                    break  # stopping while NATS is away: the rest is republished later
                published = item[1]
            if published is not None:
                await asyncio.to_thread(self._saved, published)
            if unreadable is not None:
                raise unreadable

    async def _publish(self, domain_event: Any, tracking: Tracking, stopping: asyncio.Event,
                       backoff: Backoff) -> bool:
        """Publish one event, retrying until JetStream acknowledges it; False if stopped."""
        event = to_integration_event(domain_event, tracking.notification_id)
        if event is None:
            return True
        while True:
            try:
                await self._js.publish(self._subject_prefix + subject_of(event),
                                       self._encoder.encode(event), timeout=_PUBLISH_TIMEOUT,
                                       headers={"Nats-Msg-Id": str(event.event_id)})
            except _PUBLISH_ERRORS as error:
                delay = backoff.next_delay()
                log.warning("relay could not publish; retrying", position=tracking.notification_id,
                            error=type(error).__name__, retry_in_seconds=delay)
                if await _stopped_within(stopping, delay):
                    return False
                continue
            if backoff.failures:
                log.info("relay publishes again", position=tracking.notification_id)
                backoff.reset()
            return True

    def _saved(self, tracking: Tracking) -> None:
        self._tracking.insert_tracking(tracking)
        self._backoff.reset()
        if self._stalled:
            with self._tracking.datastore.transaction(commit=True) as curs:
                stall.clear_stall(curs, RELAY, tracking.notification_id)
            self._stalled = False
            log.info("relay got past its stall", position=tracking.notification_id)

    async def _stall(self, unreadable: _Unreadable, delay: float,
                     stopping: asyncio.Event) -> None:
        notification = unreadable.notification
        position = None if notification is None else notification.id
        event_type = None if notification is None else notification.topic
        error = type(unreadable.error).__name__
        attempts = None
        try:
            attempts = await asyncio.to_thread(self._record_stall, position, event_type, error)
        except _STALL_UNRECORDED as unrecorded:
            log.warning("could not record the stall", reader=RELAY,
                        error=type(unrecorded).__name__)
        log.error("relay stalled", position=position, event_type=event_type, error=error,
                  attempts=attempts, retry_in_seconds=delay)
        await _stopped_within(stopping, delay)

    def _record_stall(self, position: int | None, event_type: str | None, error: str) -> int:
        self._stalled = True
        with self._tracking.datastore.get_connection() as conn:
            return stall.record_failure(conn, RELAY, position, event_type, error).attempts


async def _stopped_within(stopping: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True
