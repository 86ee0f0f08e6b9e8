"""`rotate_data_keys`: every data key re-wrapped under the new master key, online.

Each test has an event store of its own, so the key table holds only its customers.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.persistence import MapperDeserialisationError

from adapters.crypto import AESGCM, InvalidTag, MasterKeyRing, master_key_id, open_sealed
from adapters.postgres.key_rotation import key_census, rotate_data_keys
from adapters.postgres.keys import PostgresDataKeys
from adapters.settings import Settings
from application.keys import KeyUnavailable
from application.services import CustomerIntelligence
from domain.customer_facts import Channel, TouchpointKind
from domain.personal import Personal
from domain.values import Phone
from entrypoints.bootstrap import build_application
from entrypoints.migrate import migrate
from tests.databases import own_store
from tests.factories import META, registration

OLD, NEW = os.urandom(32), os.urandom(32)
OLD_ID, NEW_ID = master_key_id(OLD), master_key_id(NEW)
NOTE = "wants a tow bar"


@pytest.fixture
def own(settings: Settings) -> Settings:
    return own_store(settings)


def _app(own: Settings, active: bytes, *previous: bytes) -> CustomerIntelligence:
    """The application of a process started with these master keys."""
    configured = dataclasses.replace(own, master_key=active.hex(),
                                     previous_master_keys=tuple(k.hex() for k in previous))
    return build_application(configured, pool_size=2)  # type: ignore[arg-type]


def _customer_with_a_note(app: CustomerIntelligence) -> UUID:
    customer = app.register_customer(**registration(
        phone=Phone.parse("044 668 18 00"), street="Bahnhofstrasse 7")).id
    app.record_touchpoint(customer, kind=TouchpointKind.CALL, channel=Channel.PHONE, note=NOTE,
                          meta=META)
    return customer


def _personal_fields(app: CustomerIntelligence, customer: UUID) -> Iterator[Personal[Any]]:
    """Every personal field of every event of the customer, read through the application."""
    for event in app.events.get(customer):
        yield from (value for value in vars(event).values() if isinstance(value, Personal))


def _census(own: Settings) -> tuple[dict[str | None, int], int]:
    assert own.database_url
    with psycopg.connect(own.database_url) as conn:
        census = key_census(conn)
    return census.by_key, census.erased


def _registered_under_old_key(own: Settings, count: int) -> list[UUID]:
    before = _app(own, OLD)  # before the rollout: the old key alone
    try:
        return [_customer_with_a_note(before) for _ in range(count)]
    finally:
        before.close()


class _Writers:
    """Threads acting through the application while the rotation runs, as processes do."""

    def __init__(self, own: Settings, to_erase: list[UUID], to_read: list[UUID]) -> None:
        self.rolled_out = _app(own, NEW, OLD)  # step 1 of the rollout: the new key active
        self.not_yet = _app(own, OLD, NEW)  # a process still on the old key: reads only
        self.stop, self.rotating = threading.Event(), threading.Event()
        self.written: list[UUID] = []
        self.during_rotation = 0
        self.erased: list[UUID] = []
        self.opened: list[str] = []
        self.failures: list[BaseException] = []
        self._threads = [threading.Thread(target=self._guard, args=(job,), daemon=True)
                         for job in (self._register, self._register,
                                     lambda: self._erase(to_erase), lambda: self._read(to_read))]

    def __enter__(self) -> _Writers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        self.rolled_out.close()
        self.not_yet.close()

    def _guard(self, job: Any) -> None:
        try:
            job()
        except Exception as error:  # noqa: BLE001 - reported by the test, not lost in a thread
            self.failures.append(error)

    def _register(self) -> None:
        while not self.stop.is_set():
            self.written.append(_customer_with_a_note(self.rolled_out))
            self.during_rotation += self.rotating.is_set()

    def _erase(self, customers: list[UUID]) -> None:
        self.rotating.wait(timeout=10)
        for customer in customers:
            self.rolled_out.erase_customer(customer, meta=META)
            self.erased.append(customer)

    def _read(self, customers: list[UUID]) -> None:
        self.rotating.wait(timeout=10)
        for customer in customers:  # once each: its key is not cached yet
            self.opened.append(self.not_yet.get_customer(customer).name.shown())


def test_rotation_under_concurrent_writes_leaves_every_event_open_under_the_new_key(
    own: Settings,
) -> None:
    assert own.database_url
    customers = _registered_under_old_key(own, 240)
    erased_before = customers[:10]
    app = _app(own, OLD)
    for customer in erased_before:
        app.erase_customer(customer, meta=META)
    app.close()
    erased_during, kept = customers[10:30], customers[30:]

    with _Writers(own, erased_during, kept[:60]) as writers:
        writers.rotating.set()
        report = rotate_data_keys(own.database_url, MasterKeyRing.of(NEW, [OLD]), batch_size=10,
                                  on_batch=lambda _: time.sleep(0.02))  # slow, to overlap
        writers.rotating.clear()
    assert not writers.failures, writers.failures
    assert writers.during_rotation > 0 and len(writers.erased) == 20
    # The process still on the old key opened every customer, whichever side of it.
    assert writers.opened == ["Anna Muster"] * 60

    assert report.complete and report.erased_skipped == 10
    # The kept customers, and those erased during it whose rows it reached first.
    assert len(kept) <= report.rewrapped <= len(kept) + len(erased_during)
    by_key, erased = _census(own)
    assert by_key == {NEW_ID: len(kept) + len(writers.written)}
    assert erased == 30

    after = _app(own, NEW)  # a new process, the old key retired
    try:
        for customer in [*kept, *writers.written]:
            fields = list(_personal_fields(after, customer))
            assert len(fields) == 5 and not any(f.redacted for f in fields)
            assert NOTE in [f.shown() for f in fields]
        for customer in [*erased_before, *erased_during]:
            assert all(f.redacted for f in _personal_fields(after, customer))  # erased stays
    finally:
        after.close()
    _assert_the_old_key_alone_opens_nothing(own, [*kept, *writers.written])


def _assert_the_old_key_alone_opens_nothing(own: Settings, customers: list[UUID]) -> None:
    assert own.database_url
    old_only = _app(own, OLD)
    try:
        for customer in customers:
            with pytest.raises(MapperDeserialisationError) as failed:
                old_only.get_customer(customer)
            assert isinstance(failed.value.__cause__, KeyUnavailable)
            assert f"master key {NEW_ID}, which is not configured" in str(failed.value.__cause__)
    finally:
        old_only.close()
    # Not only the label: no wrapped key opens with the old key's bytes.
    with psycopg.connect(own.database_url) as conn:
        rows = conn.execute("SELECT subject, wrapped FROM cis_data_keys "
                            "WHERE wrapped IS NOT NULL").fetchall()
    assert len(rows) == len(customers)
    for subject, wrapped in rows:
        with pytest.raises(InvalidTag):
            open_sealed(AESGCM(OLD), bytes(wrapped), subject.bytes)
    keys = PostgresDataKeys(own.database_url, OLD)
    try:
        with pytest.raises(KeyUnavailable, match="not configured"):
            keys.seal(customers[0], b"new personal data")  # nor seals anything new
    finally:
        keys.close()


class _Interrupted(Exception):
    """Stands for the rotating process dying after a batch."""


def _stop_after_one_batch(rewrapped: int) -> None:
    raise _Interrupted


def test_an_interrupted_rotation_goes_on_where_it_stopped(own: Settings) -> None:
    assert own.database_url
    customers = _registered_under_old_key(own, 40)
    ring = MasterKeyRing.of(NEW, [OLD])
    events_before = _events(own)

    with pytest.raises(_Interrupted):
        rotate_data_keys(own.database_url, ring, batch_size=15, on_batch=_stop_after_one_batch)

    assert _census(own) == ({NEW_ID: 15, OLD_ID: 25}, 0)
    half_way = _app(own, NEW, OLD)  # everything opens in between, from both sides
    try:
        assert all(half_way.get_customer(c).name.shown() == "Anna Muster" for c in customers)
    finally:
        half_way.close()
    report = rotate_data_keys(own.database_url, ring, batch_size=15)
    assert (report.rewrapped, report.already_current, report.complete) == (25, 15, True)
    assert _census(own) == ({NEW_ID: 40}, 0)
    again = rotate_data_keys(own.database_url, ring)
    assert (again.rewrapped, again.already_current) == (0, 40)
    assert _events(own) == events_before  # not one event rewritten


def _events(own: Settings) -> list[tuple[Any, ...]]:
    assert own.database_url
    with psycopg.connect(own.database_url) as conn:
        return conn.execute("SELECT * FROM cis_events ORDER BY notification_id").fetchall()


def test_rows_from_before_key_ids_open_and_are_rotated(own: Settings) -> None:
    assert own.database_url
    customers = _registered_under_old_key(own, 12)
    app = _app(own, OLD)
    app.erase_customer(customers[0], meta=META)
    app.close()
    # The key table as it was before the ring: same wrapping, no key id column.
    with psycopg.connect(own.database_url) as conn:
        conn.execute("ALTER TABLE cis_data_keys DROP COLUMN master_key_id")
    migrate(own)  # type: ignore[arg-type]

    assert _census(own) == ({None: 11}, 1)
    during = _app(own, NEW, OLD)  # the old key, now previous, still opens them
    try:
        assert during.get_customer(customers[1]).name.shown() == "Anna Muster"
        assert during.get_customer(customers[0]).name.redacted
    finally:
        during.close()
    report = rotate_data_keys(own.database_url, MasterKeyRing.of(NEW, [OLD]))
    assert (report.rewrapped, report.erased_skipped) == (11, 1)
    assert _census(own) == ({NEW_ID: 11}, 1)


def test_keys_no_master_key_of_the_ring_opens_are_reported_and_left_alone(
    own: Settings,
) -> None:
    assert own.database_url
    _registered_under_old_key(own, 5)
    other = os.urandom(32)

    report = rotate_data_keys(own.database_url, MasterKeyRing.of(other, [NEW]))

    assert not report.complete and report.unopened == {OLD_ID: 5} and report.rewrapped == 0
    assert _census(own) == ({OLD_ID: 5}, 0)  # still there for whoever has the old key
