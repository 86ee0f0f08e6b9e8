"""In-order JetStream publishing with a window of pending acks (the relay's publisher).

nats-py's `publish_async` sends without waiting for the ack: up to `window` messages
are in flight at once, so the relay pays a round trip per window, not per event. What
counts as published (`acked`) is the highest position whose message and every message
before it JetStream acknowledged: never past an unacknowledged one.

Order. JetStream stores what one connection sends in order, but a reconnect can lose
what was written to the old socket while messages sent after it are stored: resent,
the lost ones would land behind them. So each message names the one before it
(`Nats-Expected-Last-Msg-Id`) and JetStream refuses it unless that one is the last in
the stream: a gap fails every message after it, and they are sent again in order.
After a failure the first unacknowledged message is sent alone, without that header,
and waited for (its predecessor was acknowledged, so it is in the stream); pipelining
resumes once it is. A message JetStream already stored is dropped by its `Nats-Msg-Id`
within the dedup window and acknowledged as a duplicate (JetStream checks for a
duplicate before it checks the expected last id).

A pipelined publish that fails or stays unanswered for `ack_timeout` drops the window:
its first message is sent alone at once. That one, failing or unanswered for `timeout`
(NATS paused, reconnecting, JetStream unavailable), is retried with back-off
(1 s .. 60 s), forever. nats-py (2.16) loses the error JetStream answers to an async
publish (its reply handler raises instead of failing the future), so a refusal, such
as a wrong last id because something else published to the stream in between, arrives
as an unanswered ack: the chain starts again after `ack_timeout`. One relay a stream.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass

import nats.errors
import structlog
from nats.js.api import PubAck
from nats.js.errors import APIError

from adapters.backoff import Backoff

__all__ = ["Outgoing", "PublishWindow", "stopped_within"]

log = structlog.get_logger()

PUBLISH_ERRORS = (nats.errors.Error, TimeoutError)
WRONG_LAST_MSG_ID = 10070  # JetStream's error code: the expected last id is not the last
_SAFE_PENDING = 3000  # nats-py's publish_async_max_pending is 4000 unless set lower
_MSG_ID, _EXPECTED_LAST = "Nats-Msg-Id", "Nats-Expected-Last-Msg-Id"


@dataclass(frozen=True)
class Outgoing:
    """The message for the event at `position`; no subject: nothing to publish for it."""

    position: int
    subject: str | None = None
    payload: bytes = b""
    msg_id: str = ""


@dataclass(frozen=True)
class _InFlight:
    message: Outgoing
    ack: asyncio.Future[PubAck] | None  # None: nothing was published for it
    deadline: float


class PublishWindow:
    def __init__(self, js: nats.js.JetStreamContext, *, acked: int, window: int = 1024,
                 timeout: float = 5.0, ack_timeout: float = 2.0) -> None:
        self.acked = acked  # every message up to this position is acknowledged
        self._js = js
        self._window = window
        self._timeout = timeout
        self._ack_timeout = ack_timeout  # JetStream acks within milliseconds when it is up
        self._in_flight: deque[_InFlight] = deque()
        self._unsent: deque[Outgoing] = deque()  # after a failure: to send again, in order
        self._last_sent: str | None = None  # the chain's last id; None: send the next alone
        self._backoff = Backoff(first=1.0, cap=60.0)
        self._retry_in = 0.0
        self._failing = False

    @property
    def idle(self) -> bool:
        return not (self._in_flight or self._unsent)

    async def put(self, message: Outgoing, stopping: asyncio.Event) -> bool:
        """Send `message` after every message put before it; False if stopping first
        (it stays unsent). Waits only while the window is full or NATS fails."""
        self._unsent.append(message)
        return await self._pump(stopping)

    async def flush(self, stopping: asyncio.Event) -> bool:
        """Until every message put is acknowledged; False if stopping first."""
        while not self.idle:
            if not await self._pump(stopping):
                return False
            if self._in_flight:
                await self._await_oldest()
        return True

    def collect(self) -> None:
        """Take in the acks that have come, in order, without waiting."""
        while self._in_flight:
            oldest = self._in_flight[0]
            if oldest.ack is not None and not oldest.ack.done():
                if time.monotonic() > oldest.deadline:
                    self._failed(TimeoutError())
                return
            if oldest.ack is not None and (error := _error_of(oldest.ack)) is not None:
                self._failed(error)
                return
            self._acknowledged()

    async def settle(self) -> None:
        """On stopping: take in the acks still coming, until the first that does not."""
        while self._in_flight:
            oldest = self._in_flight[0]
            if oldest.ack is not None:
                try:
                    await asyncio.wait_for(oldest.ack, max(0.0, oldest.deadline - time.monotonic()))
                except PUBLISH_ERRORS:
                    break
            self._acknowledged()
        self.abandon()

    def abandon(self) -> None:
        """Stop waiting for any ack: what is unacknowledged is sent again by the next
        relay (JetStream drops what it already stored)."""
        for sent in self._in_flight:
            _discard(sent.ack)
        self._in_flight.clear()
        self._unsent.clear()

    async def _pump(self, stopping: asyncio.Event) -> bool:
        while self._unsent:
            if stopping.is_set():
                return False
            message = self._unsent[0]
            subject, last_sent = message.subject, self._last_sent
            if subject is None:
                self._unsent.popleft()
                self._in_flight.append(_InFlight(message, None, 0.0))
            elif last_sent is None:
                if self._in_flight:  # the messages before it first: it starts a chain
                    await self._await_oldest()
                elif not await self._send_alone(message, subject, stopping):
                    return False
            elif len(self._in_flight) >= self._window:
                await self._await_oldest()
            else:
                await self._send_chained(message, subject, last_sent)
        self.collect()
        return True

    async def _send_chained(self, message: Outgoing, subject: str, last_sent: str) -> None:
        # Without `wait_stall` nats-py takes its permit without yielding to the event loop,
        # so a burst goes out in one write, not a write each. Its permits (4000) are more
        # than the window, unless some were lost: it keeps one when its publish raises.
        stall = None if self._js.publish_async_pending() < _SAFE_PENDING else self._timeout
        try:
            ack = await self._js.publish_async(
                subject, message.payload, wait_stall=stall,
                headers={_MSG_ID: message.msg_id, _EXPECTED_LAST: last_sent})
        except PUBLISH_ERRORS as error:
            self._failed(error)
            return
        self._unsent.popleft()
        self._in_flight.append(_InFlight(message, ack, time.monotonic() + self._ack_timeout))
        self._last_sent = message.msg_id

    async def _send_alone(self, message: Outgoing, subject: str,
                          stopping: asyncio.Event) -> bool:
        """The first message of a chain, acknowledged before any other is sent."""
        if self._retry_in and await stopped_within(stopping, self._retry_in):
            return False
        try:
            await self._js.publish(subject, message.payload, timeout=self._timeout,
                                   headers={_MSG_ID: message.msg_id})
        except PUBLISH_ERRORS as error:
            self._failed(error, alone=True)
            return True
        self._unsent.popleft()
        self._in_flight.append(_InFlight(message, None, 0.0))
        self._acknowledged()
        self._last_sent, self._retry_in = message.msg_id, 0.0
        if self._failing:
            log.info("relay publishes again", position=message.position)
            self._failing = False
            self._backoff.reset()
        return True

    async def _await_oldest(self) -> None:
        oldest = self._in_flight[0]
        if oldest.ack is not None and not oldest.ack.done():
            try:  # it yields to the event loop: what was written since goes out now
                await asyncio.wait_for(oldest.ack, max(0.0, oldest.deadline - time.monotonic()))
            except PUBLISH_ERRORS as error:
                self._failed(error)
                return
        elif oldest.ack is not None and (failure := _error_of(oldest.ack)) is not None:
            self._failed(failure)
            return
        self._acknowledged()

    def _acknowledged(self) -> None:
        self.acked = self._in_flight.popleft().message.position

    def _failed(self, error: BaseException, *, alone: bool = False) -> None:
        """Everything not acknowledged is sent again, from the oldest, starting a chain:
        at once after a pipelined failure, after the back-off when sent alone."""
        for sent in self._in_flight:
            _discard(sent.ack)
        self._unsent.extendleft(reversed([sent.message for sent in self._in_flight]))
        self._in_flight.clear()
        self._last_sent = None
        position = self._unsent[0].position if self._unsent else None
        if isinstance(error, APIError) and error.err_code == WRONG_LAST_MSG_ID:
            self._retry_in = 0.0
            log.info("relay starts its chain again: another publisher in between",
                     position=position)
            return
        self._failing = True
        self._retry_in = self._backoff.next_delay() if alone else 0.0
        log.warning("relay could not publish; retrying", position=position,
                    error=type(error).__name__, retry_in_seconds=self._retry_in)


def _error_of(ack: asyncio.Future[PubAck]) -> BaseException | None:
    return TimeoutError() if ack.cancelled() else ack.exception()


def _discard(ack: asyncio.Future[PubAck] | None) -> None:
    """No longer waited for: cancelled, or its error taken so asyncio does not warn."""
    if ack is None:
        return
    if ack.done():
        if not ack.cancelled():
            ack.exception()
    else:
        ack.cancel()


async def stopped_within(stopping: asyncio.Event, seconds: float) -> bool:
    """Waits `seconds` unless `stopping` is set first; True when it was."""
    try:
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True
