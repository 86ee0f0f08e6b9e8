"""The process-wide series, in prometheus_client's default registry, and their hooks.

Each hook is one call where the thing happens (an append, a ZEFIX call, a stage change,
an outbox row finished), so the code it sits in stays about its own job. Labels are
event class names, stages, cantons, templates and outcomes: never an id, a name, an
address or any other value of a person.
"""

from __future__ import annotations

import threading
import time
from collections import Counter as Tally
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
from eventsourcing.persistence import StoredEvent
from prometheus_client import Counter, Histogram

__all__ = ["EVENTS_APPENDED", "NOTIFICATIONS", "STAGE_TRANSITIONS", "SWISS_API_SECONDS",
           "SwissApiCall", "count_appended", "count_notification", "discard_pending",
           "flush_pending", "stage_changed", "swiss_api_call"]

EVENTS_APPENDED = Counter(
    "cis_events_appended", "Domain events appended to the log (committed), by event class",
    ["event_type"])
STAGE_TRANSITIONS = Counter(
    "customer_journey_stage_transitions",
    "Journey stage changes the journeys read model projected (`none` before registration)",
    ["from_stage", "to_stage", "canton"])
SWISS_API_SECONDS = Histogram(
    "swiss_api_response_time_seconds",
    "Calls to Swiss registers (ZEFIX): time to the answer, by HTTP status or failure",
    ["api_type", "status"], buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0))
NOTIFICATIONS = Counter(
    "cis_notifications",
    "Outbox rows the notification sender finished or put off, by template and outcome "
    "(sent, skipped, failed, retried)", ["template", "status"])


def count_appended(stored_events: Sequence[StoredEvent]) -> None:
    """After the append committed: one per event, by its class (`Customer.Registered`)."""
    for topic, count in Tally(e.topic for e in stored_events).items():
        EVENTS_APPENDED.labels(event_type=topic.rpartition(":")[2]).inc(count)


def count_notification(template: str, status: str) -> None:
    NOTIFICATIONS.labels(template=template, status=status).inc()


@dataclass
class SwissApiCall:
    """Set `status` to the HTTP status once the register answered."""

    status: str = "error"


@contextmanager
def swiss_api_call(api_type: str) -> Iterator[SwissApiCall]:
    """Times the block; a failure is `timeout`, `transport_error` or `error`."""
    call, started = SwissApiCall(), time.perf_counter()
    try:
        yield call
    except (TimeoutError, httpx.TimeoutException):
        call.status = "timeout"
        raise
    except httpx.TransportError:
        call.status = "transport_error"
        raise
    finally:
        SWISS_API_SECONDS.labels(api_type=api_type, status=call.status).observe(
            time.perf_counter() - started)


# A read model's batch may be rolled back and applied again (a failing batch is halved):
# stage changes wait here, per projector thread, until their batch committed.
_pending = threading.local()


def stage_changed(from_stage: str | None, to_stage: str, canton: str) -> None:
    """Seen in a batch that has not committed yet (see `flush_pending`)."""
    tally: Tally[tuple[str, str, str]] = _pending.__dict__.setdefault("stages", Tally())
    tally[(from_stage or "none", to_stage, canton)] += 1


def discard_pending() -> None:
    """A batch begins: whatever an earlier, failed one saw never happened."""
    _pending.__dict__.pop("stages", None)


def flush_pending() -> None:
    """The batch committed: count what it saw."""
    for (before, after, canton), count in _pending.__dict__.pop("stages", Tally()).items():
        STAGE_TRANSITIONS.labels(from_stage=before, to_stage=after, canton=canton).inc(count)
