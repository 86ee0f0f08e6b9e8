"""Without the table lock, no reader skips or reorders a committed event (ADR 0006).

Eight writer processes write through our recorder at once, in transactions of one to
three events, each transaction held open a few milliseconds after its INSERT now and
then (a writer thread starved before its COMMIT, the case that makes positions commit
out of order), and some transactions fail on a duplicate version (a hole that never
fills). All the while three readers follow the log as the projectors do: the library's
LISTEN/NOTIFY subscription, pages of `select_notifications` (catch-up) and pages of
one topic (as the scoring and DSG reads filter). When the
writers are done, each reader must have seen exactly the committed events, each once,
in the order of their positions.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import psycopg
from eventsourcing.persistence import IntegrityError, Notification, StoredEvent

from adapters.settings import Settings
from entrypoints.bootstrap import build_application

WRITERS = 8
TRANSACTIONS_EACH = 150
TOPIC = "tests.integration:ConcurrentWrite"
SETTLE_SECONDS = 30.0  # after the writers: how long the readers may take to see the rest


def write(settings: Settings, seed: int) -> int:
    """One writer process: its transactions through the recorder; the events committed."""
    app = build_application(settings, pool_size=1)
    recorder: Any = app.recorder
    chance = random.Random(seed)
    fetch_ids = recorder._fetch_ids_after_insert_events

    def slow_commit(*args: Any, **kwargs: Any) -> Any:
        ids = fetch_ids(*args, **kwargs)
        if chance.random() < 0.3:
            time.sleep(chance.uniform(0.001, 0.008))  # the position is taken, not committed
        return ids

    recorder._fetch_ids_after_insert_events = slow_commit
    originator, version, committed = uuid4(), 0, 0
    try:
        for _ in range(TRANSACTIONS_EACH):
            size = chance.randint(1, 3)
            fails = chance.random() < 0.1
            first = version if fails and version else version + 1  # a duplicate: rolled back
            events = [StoredEvent(originator, first + i, TOPIC, b"x" * 200) for i in range(size)]
            try:
                recorder.insert_events(events)
            except IntegrityError:
                continue
            version, committed = first + size - 1, committed + size
    finally:
        app.close()
    return committed


def test_readers_see_every_committed_event_once_in_log_order(settings: Settings) -> None:
    app = build_application(settings, pool_size=4)
    try:
        start = app.recorder.max_notification_id() or 0
        followed: list[Notification] = []
        paged: list[Notification] = []
        filtered: list[Notification] = []
        stopping = threading.Event()
        with app.recorder.subscribe(gt=start) as subscription:
            readers = [threading.Thread(target=_follow, args=(subscription, followed)),
                       threading.Thread(target=_page, args=(app.recorder, start, paged,
                                                            stopping)),
                       threading.Thread(target=_page, args=(app.recorder, start, filtered,
                                                            stopping, [TOPIC]))]
            for reader in readers:
                reader.start()
            committed = _run_writers(settings)
            log = _committed_log(settings.database_url, start)
            assert len(log) == committed
            _wait_until(lambda: all(len(_ours(seen)) >= committed
                                    for seen in (followed, paged, filtered)))
            subscription.stop()
            stopping.set()
            for reader in readers:
                reader.join(timeout=10)
    finally:
        app.close()
    assert [n.id for n in _ours(followed)] == log, "the subscription skipped or reordered"
    assert [n.id for n in _ours(paged)] == log, "the pages skipped or reordered"
    assert [n.id for n in filtered] == log, "the pages of one topic skipped or reordered"


def _run_writers(settings: Settings) -> int:
    context = multiprocessing.get_context("spawn")
    with context.Pool(WRITERS) as pool:
        return sum(pool.starmap(write, [(settings, seed) for seed in range(WRITERS)]))


def _follow(subscription: Any, seen: list[Notification]) -> None:
    for notification in subscription:
        seen.append(notification)  # noqa: PERF402 - read by the test while it grows


def _page(recorder: Any, start: int, seen: list[Notification], stopping: threading.Event,
          topics: list[str] | None = None) -> None:
    position = start
    while not stopping.is_set():
        page = recorder.select_notifications(start=position, limit=7, topics=topics or (),
                                             inclusive_of_start=False)
        seen.extend(page)
        if page:
            position = page[-1].id
        else:
            time.sleep(0.002)


def _ours(seen: list[Notification]) -> list[Notification]:
    return [n for n in list(seen) if n.topic == TOPIC]


def _committed_log(url: str | None, start: int) -> list[int]:
    assert url
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT notification_id FROM cis_events WHERE notification_id > %s "
                            "AND topic = %s ORDER BY notification_id", (start, TOPIC)).fetchall()
    return [row[0] for row in rows]


def _wait_until(done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + SETTLE_SECONDS
    while not done() and time.monotonic() < deadline:
        time.sleep(0.05)
