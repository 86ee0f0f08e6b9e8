"""The relay: follows the application log and publishes integration events to JetStream.

Its position lives in Postgres and advances only after JetStream acknowledged every
message up to it. After a crash it republishes from its last position; the
`Nats-Msg-Id` header (the event id) lets JetStream drop those duplicates inside the
dedup window, and consumers dedupe by event id beyond it.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import msgspec
import structlog
from eventsourcing.application import Application
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.projection import ApplicationSubscription
from nats.js import JetStreamContext

from application.integration_events import subject_of
from application.publishing import to_integration_event

__all__ = ["Relay"]

log = structlog.get_logger()

_BATCH = 256


class Relay:
    def __init__(
        self, app: Application[Any], tracking: TrackingRecorder, js: JetStreamContext
    ) -> None:
        self._app = app
        self._tracking = tracking
        self._js = js
        self._encoder = msgspec.json.Encoder()

    async def run(self, stopping: asyncio.Event) -> None:
        position = await asyncio.to_thread(self._tracking.max_tracking_id, self._app.name)
        log.info("relay started", position=position or 0)
        queue: asyncio.Queue[tuple[Any, Tracking]] = asyncio.Queue(maxsize=4 * _BATCH)
        subscription = ApplicationSubscription(self._app, gt=position)
        reader = threading.Thread(
            target=self._follow, args=(subscription, queue, asyncio.get_running_loop()),
            name="relay-follow", daemon=True,
        )
        reader.start()
        try:
            await self._publish_until(stopping, queue)
        finally:
            subscription.stop()

    @staticmethod
    def _follow(
        subscription: ApplicationSubscription[Any],
        queue: asyncio.Queue[tuple[Any, Tracking]],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        # The library's subscription blocks (LISTEN/NOTIFY); it runs in this thread and
        # hands events to the event loop, with back-pressure from the bounded queue.
        with subscription:
            for item in subscription:
                asyncio.run_coroutine_threadsafe(queue.put(item), loop).result()

    async def _publish_until(
        self, stopping: asyncio.Event, queue: asyncio.Queue[tuple[Any, Tracking]]
    ) -> None:
        while not stopping.is_set():
            try:
                first = await asyncio.wait_for(queue.get(), timeout=0.5)
            except TimeoutError:
                continue
            batch = [first]
            while len(batch) < _BATCH and not queue.empty():
                batch.append(queue.get_nowait())
            for domain_event, tracking in batch:
                await self._publish(domain_event, tracking)
            await asyncio.to_thread(self._tracking.insert_tracking, batch[-1][1])

    async def _publish(self, domain_event: Any, tracking: Tracking) -> None:
        event = to_integration_event(domain_event, tracking.notification_id)
        if event is None:
            return
        await self._js.publish(
            subject_of(event),
            self._encoder.encode(event),
            headers={"Nats-Msg-Id": str(event.event_id)},
        )
