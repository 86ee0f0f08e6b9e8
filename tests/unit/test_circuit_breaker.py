"""The shared circuit breaker: opens after consecutive failures, one trial when half-open."""

from __future__ import annotations

from adapters.circuit_breaker import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_the_threshold_and_lets_one_trial_through_after_recovery() -> None:
    clock = Clock()
    breaker = CircuitBreaker("test", failure_threshold=2, recovery_timeout=10, clock=clock)
    breaker.failed()
    assert breaker.state == "closed" and breaker.allow()
    breaker.failed()
    assert breaker.state == "open" and not breaker.allow()
    assert breaker.retry_after() == 10
    clock.now += 10
    assert breaker.allow()  # the trial
    assert breaker.state == "half_open" and not breaker.allow()  # only one
    breaker.failed()
    assert breaker.state == "open"
    clock.now += 10
    assert breaker.allow()
    breaker.succeeded()
    assert breaker.state == "closed" and breaker.allow()


def test_a_success_resets_the_count_and_an_abandoned_trial_frees_its_slot() -> None:
    clock = Clock()
    breaker = CircuitBreaker("test", failure_threshold=2, recovery_timeout=1, clock=clock)
    breaker.failed()
    breaker.succeeded()
    breaker.failed()
    assert breaker.state == "closed"
    breaker.failed()
    clock.now += 1
    assert breaker.allow()
    breaker.abandoned()
    assert breaker.allow()
