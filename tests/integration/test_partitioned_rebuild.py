"""A rebuild shared by processes, each taking the events of its share of the customers.

Demo data (sales, test drives, consents, a salesperson's whole pipeline) in a store of
its own, read in small pages so every partition crosses many page boundaries.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from adapters.settings import Settings
from application.services import CustomerIntelligence
from domain import events as e
from entrypoints.bootstrap import build_application
from entrypoints.demo import load_demo
from entrypoints.project_admin import rebuild
from projections.partition import CustomerPartition
from projections.registry import READ_MODELS
from tests.databases import own_store
from tests.readmodels import tracked_position, write_undecodable_event

PAGE = 40


@pytest.fixture(scope="module")
def demo_store(settings: Settings) -> Iterator[tuple[Settings, CustomerIntelligence]]:
    own = own_store(settings, projector_batch=PAGE)
    app = build_application(own, pool_size=2)
    load_demo(app, customers=40)
    yield own, app
    app.close()


def _tables(url: str, schema: str) -> dict[str, list[tuple[object, ...]]]:
    """Every table of a read model but its tracking, each in a fixed order."""
    with psycopg.connect(url) as conn:
        names = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s "
            "AND tablename NOT LIKE '%%tracking'", (schema,)).fetchall()]
        tables = {}
        for name in names:
            rows = conn.execute(f"SELECT * FROM {schema}.{name}").fetchall()
            tables[name] = sorted(rows, key=repr)
    return tables


def _tracking_names(url: str, model: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(f"SELECT application_name FROM rm_{model}.{model}_tracking")
        return sorted(row[0] for row in rows.fetchall())


@pytest.mark.parametrize("model", [m.name for m in READ_MODELS])
def test_a_rebuild_in_partitions_equals_one_in_a_single_process(
        demo_store: tuple[Settings, CustomerIntelligence], model: str) -> None:
    own, app = demo_store
    assert own.database_url
    head = app.recorder.max_notification_id()

    rebuild(own, model, processes=1)
    alone = _tables(own.database_url, f"rm_{model}")
    rebuild(own, model, processes=3)
    shared = _tables(own.database_url, f"rm_{model}")

    assert sum(len(rows) for rows in alone.values()) > 40
    assert shared == alone
    assert tracked_position(own.database_url, model) == head
    assert not [n for n in _tracking_names(own.database_url, model) if n.startswith("cis#")]


@pytest.mark.parametrize("count", [1, 2, 3, 5])
def test_partitions_split_the_log_by_customer_with_their_sales(
        demo_store: tuple[Settings, CustomerIntelligence], count: int) -> None:
    _, app = demo_store
    log = app.recorder.select_notifications(start=0, limit=10**6, inclusive_of_start=False)
    decode = app.mapper_leaving_personal_data_sealed.to_domain_event
    partitions = [CustomerPartition(index, count, decode) for index in range(count)]
    holder: dict[int, int] = {}
    for start in range(0, len(log), PAGE):  # pages in log order, as a rebuild reads them
        for index, partition in enumerate(partitions):
            for notification in partition.select(log[start:start + PAGE]):
                assert notification.id not in holder, "a notification in two partitions"
                holder[notification.id] = index

    assert len(holder) == len(log)  # and none left out
    for index in range(count):  # the SQL prefilter keeps all a partition holds
        kept = app.recorder.select_notifications(  # type: ignore[call-arg]
            start=0, limit=10**6, inclusive_of_start=False,
            where=CustomerPartition(index, count, decode).prefilter())
        held = CustomerPartition(index, count, decode).select(kept)
        assert {n.id for n in held} == {i for i, p in holder.items() if p == index}
        if count > 1:
            assert len(kept) < len(log)
    owners: dict[uuid.UUID, uuid.UUID] = {}
    partition_of_customer: dict[uuid.UUID, set[int]] = {}
    for notification in log:
        event = decode(notification)
        if isinstance(event, e.SaleOpened):
            owners[event.originator_id] = event.customer_id
        customer = owners.get(event.originator_id, event.originator_id)
        if type(event) in e.CUSTOMER_EVENT_TYPES or type(event) in e.SALE_EVENT_TYPES:
            partition_of_customer.setdefault(customer, set()).add(holder[notification.id])
    assert owners, "the demo data should hold sales"
    assert all(len(held) == 1 for held in partition_of_customer.values())
    if count > 1:
        assert len({i for held in partition_of_customer.values() for i in held}) > 1


def test_a_failing_partition_fails_the_rebuild_and_leaves_the_live_tables(
        settings: Settings) -> None:
    own = own_store(settings, projector_batch=PAGE)
    assert own.database_url
    app = build_application(own, pool_size=2)
    try:
        load_demo(app, customers=10)
        rebuild(own, "journeys", processes=1)
        before = _tables(own.database_url, "rm_journeys")
        position = tracked_position(own.database_url, "journeys")
        write_undecodable_event(own.database_url, app)

        with pytest.raises(RuntimeError, match="rebuild of journeys failed in rebuild-journeys-0"):
            rebuild(own, "journeys", processes=2)

        assert _tables(own.database_url, "rm_journeys") == before
        assert tracked_position(own.database_url, "journeys") == position
    finally:
        app.close()
