"""Helpers for tests of read models fed by the session's projectors."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import psycopg

from adapters.settings import Settings
from application.services import CustomerIntelligence

__all__ = ["caught_up", "customer_rows", "tracked_position", "wait_for", "write_undecodable_event"]


def caught_up(settings: Settings, app: CustomerIntelligence, read_model: str,
              timeout: float = 15.0) -> int:
    """Wait until `read_model` has projected everything written so far; its position."""
    head = app.recorder.max_notification_id() or 0
    assert settings.database_url
    deadline = time.monotonic() + timeout
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(f"SELECT notification_id FROM rm_{read_model}.{read_model}_tracking "
                               "WHERE application_name = 'cis'").fetchone()
            if row and row[0] >= head:
                return int(row[0])
            time.sleep(0.02)
    raise AssertionError(f"{read_model} did not reach {head} in {timeout} s")


def wait_for(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def customer_rows(url: str) -> list[tuple[object, ...]]:
    """The customers read model's rows, in a fixed order, to compare two projections."""
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT * FROM rm_customers.customers ORDER BY customer_id").fetchall()


def tracked_position(url: str, read_model: str) -> int:
    """The position a read model's tracking table records (0 before its first batch)."""
    with psycopg.connect(url) as conn:
        row = conn.execute(f"SELECT notification_id FROM rm_{read_model}.{read_model}_tracking "
                           "WHERE application_name = 'cis'").fetchone()
    return int(row[0]) if row else 0


def write_undecodable_event(url: str, app: CustomerIntelligence) -> None:
    """Append an event of a type this version does not know (topic `…Customer.Teleported`),
    as a future version might have written it."""
    with psycopg.connect(url) as conn:
        conn.execute(
            f"INSERT INTO {app.recorder.events_table_name} "
            "(originator_id, originator_version, topic, state) VALUES (%s, 1, %s, %s)",
            (uuid.uuid4(), "domain.customer:Customer.Teleported", b"{}"))
