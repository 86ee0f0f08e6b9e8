"""Two commands on one customer at the same moment: both land, one after the other.

Without `If-Match` the caller asked for no particular version, so losing the race for
the next version is no conflict: the command runs again on the new version.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg

from adapters.settings import Settings
from application.services import CustomerIntelligence
from domain.customer_facts import Channel, TouchpointKind
from tests.factories import META, registration


def test_two_touchpoints_racing_for_the_same_version_are_both_recorded(
    settings: Settings, app: CustomerIntelligence
) -> None:
    customer_id = app.register_customer(**registration()).id
    results: list[Any] = []

    def touchpoint() -> None:
        try:
            results.append(app.record_touchpoint(customer_id, kind=TouchpointKind("call"),
                                                 channel=Channel("phone"), note=None, meta=META))
        except Exception as error:  # noqa: BLE001 - the test reports what it was
            results.append(error)

    assert settings.database_url
    with psycopg.connect(settings.database_url) as blocker:
        # Both commands load version 1, then wait for the log's write lock we hold.
        blocker.execute("LOCK TABLE cis_events IN EXCLUSIVE MODE")
        writers = [threading.Thread(target=touchpoint) for _ in range(2)]
        for writer in writers:
            writer.start()
        _wait_for_lock_waiters(settings.database_url, 2)
    for writer in writers:  # the lock is released with the blocker's transaction
        writer.join(timeout=20)

    assert all(not isinstance(result, Exception) for result in results), results
    assert sorted(result.version for result in results) == [2, 3]
    assert app.get_customer(customer_id).version == 3


def _wait_for_lock_waiters(url: str, count: int) -> None:
    deadline = time.monotonic() + 10
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("SELECT count(*) FROM pg_locks WHERE NOT granted "
                               "AND relation = 'cis_events'::regclass").fetchone()
            if row and row[0] >= count:
                return
            time.sleep(0.02)
    raise AssertionError("the writers never waited for the lock")
