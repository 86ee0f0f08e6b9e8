"""A durable JetStream pull consumer: explicit ack, bounded redelivery, then dead letter.

A message its handler cannot handle is retried a few times, then parked on the dead
letter stream, so it never holds up the messages behind it. NATS going away (paused,
reconnecting) is waited out with back-off inside the process: the consumer never exits
for it, and an unacknowledged message is simply delivered again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable

import msgspec
import nats.errors
import structlog
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext

from adapters.backoff import Backoff
from adapters.nats.streams import ACK_WAIT_SECONDS, EVENTS_STREAM, MAX_DELIVER, consumer_config
from application.integration_events import DECODER, IntegrationEvent
from projections.following import COALESCE_WINDOW

__all__ = ["Handler", "run_consumer"]

log = structlog.get_logger()
BATCH = 64  # messages fetched at most at once
_QUIET = 0.1  # at a stop, no message arrived for this long: none is on its way
_LATE_CAP = 1.0  # and the longest a stop waits for them

Handler = Callable[[IntegrationEvent], Awaitable[None]]


async def run_consumer(
    js: JetStreamContext, durable: str, handle: Handler, stopping: asyncio.Event,
    *, ack_wait: float = ACK_WAIT_SECONDS,
) -> None:
    backoff = Backoff(first=1.0, cap=30.0)
    subscription = await _subscribed(js, durable, ack_wait, stopping, backoff)
    if subscription is None:
        return  # asked to stop before NATS could be reached
    log.info("consumer started", consumer=durable)
    while not stopping.is_set():
        try:
            messages = await _gathered(subscription)
        except (NatsTimeout, TimeoutError):
            continue  # nothing waiting (or NATS is slow to say so)
        except nats.errors.Error as error:
            await _wait_out(stopping, durable, error, backoff)
            continue
        try:
            await _handle_batch(js, durable, handle, messages, ack_wait)
        except (nats.errors.Error, TimeoutError) as error:
            # An ack, nak or dead letter did not get through: JetStream delivers the
            # message again after ack_wait, and the inbox drops what was done already.
            await _wait_out(stopping, durable, error, backoff)
            continue
        backoff.reset()
    await _handle_late_arrivals(js, durable, handle, subscription, ack_wait)


async def _handle_batch(js: JetStreamContext, durable: str, handle: Handler,
                        messages: list[Msg], ack_wait: float) -> None:
    unfinished = deque(messages)
    async with _kept_alive(unfinished, every=ack_wait / 3):
        while unfinished:
            await _process(js, durable, handle, unfinished[0])
            unfinished.popleft()


async def _handle_late_arrivals(js: JetStreamContext, durable: str, handle: Handler,
                                subscription: JetStreamContext.PullSubscription,
                                ack_wait: float) -> None:
    """Before the exit, the messages already delivered to this process. A fetch waits
    only the coalescing window for the rest of its batch; on a busy machine or a slow
    link some arrive after it, to wait in the subscription's queue for a next fetch that
    a stop never makes. They are taken once nothing more has come for `_QUIET` (at most
    `_LATE_CAP`), handled and acked, instead of waiting out ack_wait unacknowledged."""
    loop = asyncio.get_running_loop()
    give_up, quiet_from, seen = loop.time() + _LATE_CAP, loop.time(), subscription.pending_msgs
    while loop.time() < give_up and loop.time() - quiet_from < _QUIET:
        await asyncio.sleep(0.01)
        if subscription.pending_msgs != seen:
            seen, quiet_from = subscription.pending_msgs, loop.time()
    late: list[Msg] = []
    with contextlib.suppress(NatsTimeout, TimeoutError, nats.errors.Error):
        while subscription.pending_msgs:
            # A queued message is taken without asking the server for another.
            late += await subscription.fetch(batch=1, timeout=COALESCE_WINDOW)
    if late:
        with contextlib.suppress(nats.errors.Error, TimeoutError):
            await _handle_batch(js, durable, handle, late, ack_wait)


async def _subscribed(js: JetStreamContext, durable: str, ack_wait: float,
                      stopping: asyncio.Event, backoff: Backoff
                      ) -> JetStreamContext.PullSubscription | None:
    """The pull subscription, once JetStream answers: at start-up it may not yet (a
    cluster electing its leaders, a server restarting), and exiting for that would spend
    the supervisor's restart budget on a wait."""
    while not stopping.is_set():
        try:
            subscription = await js.pull_subscribe(
                "cis.events.>", durable=durable, stream=EVENTS_STREAM,
                config=consumer_config(durable, ack_wait))
        except (nats.errors.Error, TimeoutError) as error:
            await _wait_out(stopping, durable, error, backoff)
        else:
            backoff.reset()
            return subscription
    return None


async def _gathered(subscription: JetStreamContext.PullSubscription) -> list[Msg]:
    """The first message as soon as it comes (within a second), then those already
    waiting behind it (the first says how many), taken within the coalescing window.
    One `fetch(batch=64, timeout=1)` would wait the whole second for a full batch once
    its lingering pull got a first message."""
    messages = await subscription.fetch(batch=1, timeout=1.0)
    waiting = messages[-1].metadata.num_pending
    if waiting:
        with contextlib.suppress(NatsTimeout, TimeoutError):
            messages += await subscription.fetch(batch=min(waiting, BATCH - 1),
                                                 timeout=COALESCE_WINDOW)
    return messages


@contextlib.asynccontextmanager
async def _kept_alive(unfinished: deque[Msg], every: float) -> AsyncIterator[None]:
    """Tells JetStream, while the batch is handled, that its unfinished messages are in
    progress. A handler may take longer than ack_wait (a model activation or the nightly
    refresh rescores every customer in one message); without this, that message and the
    ones behind it in the batch would be delivered again while it still runs, and the
    rescoring would start over, again and again."""
    async def touch() -> None:
        while True:
            await asyncio.sleep(every)
            for message in list(unfinished):
                with contextlib.suppress(nats.errors.Error):  # then it is simply redelivered
                    await message.in_progress()

    toucher = asyncio.create_task(touch())
    try:
        yield
    finally:
        toucher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await toucher


async def _wait_out(stopping: asyncio.Event, durable: str, error: BaseException,
                    backoff: Backoff) -> None:
    delay = backoff.next_delay()
    log.warning("consumer cannot reach NATS; retrying", consumer=durable,
                error=type(error).__name__, retry_in_seconds=delay)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), timeout=delay)


async def _process(js: JetStreamContext, durable: str, handle: Handler, message: Msg) -> None:
    try:
        event = DECODER.decode(message.data)
    except msgspec.ValidationError as error:
        # A message we cannot read will never become readable: park it at once.
        await _dead_letter(js, durable, message, f"undecodable: {error}")
        return
    try:
        await handle(event)
    except Exception as error:  # noqa: BLE001 - any failure means "retry, then park"
        attempts = message.metadata.num_delivered
        log.warning("handler failed", consumer=durable, event_id=str(event.event_id),
                    attempt=attempts, error=type(error).__name__)
        if attempts >= MAX_DELIVER:
            await _dead_letter(js, durable, message, type(error).__name__)
        else:
            await message.nak(delay=min(2.0 ** attempts, 30.0))
        return
    await message.ack()


async def _dead_letter(js: JetStreamContext, durable: str, message: Msg, reason: str) -> None:
    await js.publish(
        f"cis.dlq.{durable}",
        message.data,
        headers={"Cis-Reason": reason[:200], "Cis-Subject": message.subject},
    )
    await message.term()
    log.error("message dead-lettered", consumer=durable, subject=message.subject, reason=reason)
