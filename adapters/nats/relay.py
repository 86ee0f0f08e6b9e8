"""The relay: follows the application log and publishes integration events to JetStream.

A reader thread follows the log (pages while catching up, then the library's
LISTEN/NOTIFY subscription) and turns each event into its message; the publisher takes
what arrived within a few milliseconds as one batch and sends it pipelined, a window of
acks pending (`adapters.nats.pipeline`). Its position lives in Postgres and advances
only to the highest event whose message, and every message before it, JetStream
acknowledged; it is saved at most every `SAVE_INTERVAL` while events flow, and at once
when they stop. After a crash it republishes from its last position; the `Nats-Msg-Id`
header (the event id) lets JetStream drop those duplicates inside the dedup window,
and consumers dedupe by event id beyond it.

It never exits for a fault outside it: a publish that times out or fails (NATS paused,
reconnecting, JetStream unavailable) is retried in order with back-off (1 s .. 60 s);
an event it cannot read from the log stalls it right before that event, recorded as
the stall of "relay" (see `projections.stall`) and retried with back-off, like a read
model. Integration events carry no personal data, so it reads the log with personal
fields left sealed and never needs a data key.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from typing import Any

import msgspec
import psycopg
import structlog
from eventsourcing.persistence import Notification, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from nats.js import JetStreamContext

from adapters.backoff import Backoff
from adapters.nats.pipeline import Outgoing, PublishWindow, stopped_within
from application.integration_events import subject_of
from application.publishing import to_integration_event
from application.services import CustomerIntelligence
from projections import stall
from projections.following import COALESCE_WINDOW  # one window for every follower of the log
from projections.runner import INFRASTRUCTURE_ERRORS

__all__ = ["RELAY", "WINDOW", "Relay"]

log = structlog.get_logger()

RELAY = "relay"  # its name in the stall table
WINDOW = 1024  # publishes awaiting their ack at most
SAVE_INTERVAL = 0.05  # seconds: the position is saved at most this often while busy
_PUBLISH_TIMEOUT = 5.0
_IDLE_WAIT = 0.5
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
                await stopped_within(stopping, delay)

    async def _run_from_saved_position(self, stopping: asyncio.Event) -> None:
        position = await asyncio.to_thread(self._tracking.max_tracking_id, self._app.name) or 0
        skipped = await asyncio.to_thread(self._skipped)
        log.info("relay started", position=position)
        incoming: queue.Queue[Outgoing | _Unreadable] = queue.Queue(maxsize=4 * WINDOW)
        subscription = self._app.recorder.subscribe(gt=position)
        abandoned = threading.Event()
        reader = threading.Thread(target=self._follow,
                                  args=(subscription, incoming, skipped, abandoned),
                                  name="relay-follow", daemon=True)
        reader.start()
        try:
            await self._publish_until(stopping, incoming, position)
        finally:
            abandoned.set()
            subscription.stop()

    def _skipped(self) -> frozenset[int]:
        with self._tracking.datastore.transaction(commit=False) as curs:
            return stall.skipped_positions(curs, RELAY)

    def _follow(self, subscription: Any, incoming: queue.Queue[Outgoing | _Unreadable],
                skipped: frozenset[int], abandoned: threading.Event) -> None:
        # The library's subscription blocks (LISTEN/NOTIFY); it runs in this thread, which
        # also decodes and encodes, and hands messages over with back-pressure.
        def hand_over(item: Outgoing | _Unreadable) -> bool:
            while not abandoned.is_set():
                try:
                    incoming.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        try:
            with subscription:
                for notification in subscription:
                    if notification.id in skipped:
                        continue  # an operator let the relay pass over it (`cis project skip`)
                    try:
                        outgoing = self._outgoing(notification)
                    except Exception as error:  # noqa: BLE001 - the publisher stalls on it
                        hand_over(_Unreadable(error, notification))
                        return
                    if not hand_over(outgoing):
                        return
        except Exception as error:  # noqa: BLE001 - handed to the publisher, which stalls
            hand_over(_Unreadable(error, None))

    def _outgoing(self, notification: Notification) -> Outgoing:
        event = to_integration_event(self._mapper.to_domain_event(notification),
                                     notification.id)
        if event is None:
            return Outgoing(notification.id)
        return Outgoing(notification.id, self._subject_prefix + subject_of(event),
                        self._encoder.encode(event), str(event.event_id))

    async def _publish_until(self, stopping: asyncio.Event,
                             incoming: queue.Queue[Outgoing | _Unreadable], position: int) -> None:
        window = PublishWindow(self._js, acked=position, window=WINDOW, timeout=_PUBLISH_TIMEOUT)
        saved, saved_at = position, time.monotonic()
        try:
            while not stopping.is_set():
                unsaved = window.acked > saved
                wait = max(0.001, saved_at + SAVE_INTERVAL - time.monotonic()) if unsaved \
                    else _IDLE_WAIT
                batch = await asyncio.to_thread(_gather, incoming, WINDOW, wait)
                unreadable = await self._publish(batch, window, stopping)
                if (window.acked > saved and (not batch or unreadable is not None
                                              or time.monotonic() - saved_at >= SAVE_INTERVAL)):
                    await asyncio.to_thread(self._saved, Tracking(self._app.name, window.acked))
                    saved, saved_at = window.acked, time.monotonic()
                if unreadable is not None:
                    raise unreadable
            await window.settle()  # stopping: what was acknowledged meanwhile counts
            if window.acked > saved:
                await asyncio.to_thread(self._saved, Tracking(self._app.name, window.acked))
        finally:
            window.abandon()

    async def _publish(self, batch: list[Outgoing | _Unreadable], window: PublishWindow,
                       stopping: asyncio.Event) -> _Unreadable | None:
        """Send the batch; wait for its acks when it is the last for now (caught up, or
        before an unreadable event, which it returns)."""
        for item in batch:
            if isinstance(item, _Unreadable):
                await window.flush(stopping)
                return item
            if not await window.put(item, stopping):
                return None  # stopping while NATS is away: the rest is republished later
        if len(batch) < WINDOW:
            await window.flush(stopping)
        return None

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
        await stopped_within(stopping, delay)

    def _record_stall(self, position: int | None, event_type: str | None, error: str) -> int:
        self._stalled = True
        with self._tracking.datastore.get_connection() as conn:
            return stall.record_failure(conn, RELAY, position, event_type, error).attempts


def _gather(incoming: queue.Queue[Outgoing | _Unreadable], limit: int,
            wait: float) -> list[Outgoing | _Unreadable]:
    """What arrives within COALESCE_WINDOW of the first (at most `limit`); [] if nothing
    came within `wait`. Catching up, the reader refills within microseconds."""
    try:
        batch = [incoming.get(timeout=wait)]
    except queue.Empty:
        return []
    deadline = time.monotonic() + COALESCE_WINDOW
    while len(batch) < limit and not isinstance(batch[-1], _Unreadable):
        remaining = deadline - time.monotonic()
        try:  # blocking until the deadline, as projections.following.gather, not polling
            batch.append(incoming.get(timeout=remaining) if remaining > 0
                         else incoming.get_nowait())
        except queue.Empty:
            break
    return batch
