"""A consecutive-failure circuit breaker, shared by the adapters to outside services.

After `failure_threshold` consecutive failures the circuit opens: callers fail fast for
`recovery_timeout` seconds. Then exactly one trial may go out (half-open); its success
closes the circuit, its failure opens it again. Meant for one event loop: there are no
awaits inside, so it needs no locks.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from typing import Literal

import structlog

__all__ = ["CircuitBreaker", "CircuitState"]

log = structlog.get_logger()

CircuitState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """`name` prefixes the log events (`<name>.circuit_opened`, …)."""

    def __init__(self, name: str, failure_threshold: int, recovery_timeout: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if recovery_timeout <= 0:
            raise ValueError("recovery_timeout must be positive")
        self._name = name
        self._threshold = failure_threshold
        self._recovery = recovery_timeout
        self._clock = clock
        self._state: CircuitState = "closed"
        self._failures = 0
        self._opened_at = 0.0
        self._trial_running = False

    @property
    def state(self) -> CircuitState:
        return self._state

    def allow(self) -> bool:
        """May a request go out now? In half-open, only the one trial may."""
        if self._state == "closed":
            return True
        if self._state == "open":
            if self._clock() - self._opened_at < self._recovery:
                return False
            self._state = "half_open"
            self._trial_running = False
            log.info(f"{self._name}.circuit_half_open")
        if self._trial_running:
            return False
        self._trial_running = True
        return True

    def retry_after(self) -> int:
        """Whole seconds until a request may go out again (at least 1)."""
        if self._state == "open":
            left = self._opened_at + self._recovery - self._clock()
            return max(1, math.ceil(left))
        return 1

    def succeeded(self) -> None:
        if self._state != "closed":
            log.info(f"{self._name}.circuit_closed")
        self._state = "closed"
        self._failures = 0
        self._trial_running = False

    def failed(self) -> None:
        self._failures += 1
        self._trial_running = False
        if self._state == "half_open" or (
            self._state == "closed" and self._failures >= self._threshold
        ):
            self._state = "open"
            self._opened_at = self._clock()
            log.warning(f"{self._name}.circuit_opened", consecutive_failures=self._failures,
                        recovery_seconds=self._recovery)

    def abandoned(self) -> None:
        """The request ended without an outcome (cancelled): free the trial slot."""
        self._trial_running = False

    async def probe_until_closed(self, trial: Callable[[], Awaitable[object]], interval: float,
                                 unreachable: tuple[type[BaseException], ...]) -> None:
        """Try `trial` every `interval` seconds, when the breaker lets one through, until
        one succeeds and closes it: callers then go back to the service without waiting
        for a request of their own to find it. `unreachable` errors count as failures;
        anything else (a cancellation) frees the trial slot and is raised."""
        while self._state != "closed":
            await asyncio.sleep(interval)
            if not self.allow():  # not yet time for the trial
                continue
            try:
                await trial()
            except unreachable:
                self.failed()
            except BaseException:
                self.abandoned()
                raise
            else:
                self.succeeded()
