"""Exponential back-off with a cap: how long to wait before the next attempt.

Small on purpose: the projector threads and `cis up`'s supervisor wait on events they
poll themselves (a stop flag, a child's exit), which the call-wrapping retry libraries
(tenacity, backoff) do not fit.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Backoff"]


@dataclass
class Backoff:
    """`first`, then twice as long each time, at most `cap`; `reset()` after a success."""

    first: float = 1.0
    cap: float = 60.0
    failures: int = 0

    def next_delay(self) -> float:
        delay = min(self.cap, self.first * 2.0 ** min(self.failures, 62))
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0
