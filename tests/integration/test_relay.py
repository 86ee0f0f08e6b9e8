"""The relay publishes PII-free integration events to JetStream, once per event."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from uuid import UUID

import msgspec
import nats
import psycopg
import pytest
from nats.js import JetStreamContext

from adapters.embedded.nats import start_nats
from adapters.nats.relay import RELAY, Relay
from adapters.nats.streams import EVENTS_STREAM
from adapters.settings import Settings
from application.integration_events import event_id
from application.services import CustomerIntelligence
from entrypoints.benches.catch_up import write_demo_shaped
from entrypoints.bootstrap import build_application, build_tracking_recorder
from entrypoints.project_admin import skip
from tests.databases import own_store
from tests.factories import registration
from tests.poison import write_event_with_damaged_seal
from tests.readmodels import write_undecodable_event


async def _relay_until(app: CustomerIntelligence, settings: Settings, name: str,
                       position: int, timeout: float = 10) -> None:
    """Run a relay with its own tracking table until it has passed `position`."""
    tracking = build_tracking_recorder(settings, name, create_table=True)
    assert settings.nats_url
    nc = await nats.connect(settings.nats_url)
    stopping = asyncio.Event()
    task = asyncio.create_task(Relay(app, tracking, nc.jetstream()).run(stopping))
    try:
        for _ in range(int(timeout / 0.05)):
            if (await asyncio.to_thread(tracking.max_tracking_id, "cis") or 0) >= position:
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail(f"relay did not reach the position in {timeout:g} s")
    finally:
        stopping.set()
        await task
        await nc.close()
        tracking.datastore.close()


async def _messages_for(js: JetStreamContext, customer_id: UUID,
                        subject: str = "cis.events.customer.customer_registered"
                        ) -> list[nats.aio.msg.Msg]:
    sub = await js.subscribe(subject, ordered_consumer=True)
    found = []
    try:
        while True:
            message = await sub.next_msg(timeout=1)
            if msgspec.json.decode(message.data)["customer_id"] == str(customer_id):
                found.append(message)
    except nats.errors.TimeoutError:
        return found
    finally:
        await sub.unsubscribe()


async def test_registration_is_published_without_personal_data_and_only_once(
    app: CustomerIntelligence, settings: Settings
) -> None:
    written = app.register_customer(**registration())

    # Two relays from position 0 stand for a relay that crashed before saving its
    # position: JetStream must drop the second publication by its Nats-Msg-Id.
    await _relay_until(app, settings, "relay_test_a", written.position)
    await _relay_until(app, settings, "relay_test_b", written.position)

    assert settings.nats_url
    nc = await nats.connect(settings.nats_url)
    try:
        messages = await _messages_for(nc.jetstream(), written.id)
        info = await nc.jetstream().stream_info(EVENTS_STREAM)
    finally:
        await nc.close()
    assert len(messages) == 1
    message = messages[0]
    assert message.headers is not None
    assert message.headers["Nats-Msg-Id"] == str(event_id(written.id, 1))
    body = message.data.decode()
    assert "Anna" not in body and "Muster" not in body and "anna.muster" not in body
    assert msgspec.json.decode(message.data)["canton"] == "ZH"
    assert info.config.duplicate_window and info.config.duplicate_window > 0


async def test_an_unreadable_event_stalls_the_relay_visibly_until_skipped(
    settings: Settings
) -> None:
    own = await asyncio.to_thread(own_store, settings)  # it migrates, with asyncio.run
    assert own.database_url and own.nats_url
    app = build_application(own, pool_size=2)
    tracking = build_tracking_recorder(own, RELAY)
    nc = await nats.connect(own.nats_url)
    stopping = asyncio.Event()
    try:
        before = app.register_customer(**registration())
        write_undecodable_event(own.database_url, app)
        poison = before.position + 1
        task = asyncio.create_task(Relay(app, tracking, nc.jetstream()).run(stopping))

        # It publishes up to the event before, stops there and says so; it does not exit.
        async def stalled() -> tuple[object, ...] | None:
            with psycopg.connect(own.database_url) as conn:  # type: ignore[arg-type]
                return conn.execute("SELECT position, event_type, error, attempts FROM "
                                    "cis_read_model_stalls WHERE read_model = 'relay'"
                                    ).fetchone()

        for _ in range(200):
            row = await stalled()
            if row is not None and row[3] >= 2:  # type: ignore[operator]
                break
            await asyncio.sleep(0.05)
        assert row is not None and row[:3] == (poison, "domain.customer:Customer.Teleported",
                                               "TopicError")
        assert await asyncio.to_thread(tracking.max_tracking_id, "cis") == before.position
        assert not task.done()

        # Skipped, it goes on with what follows.
        after = app.register_customer(**registration())
        skip(own, RELAY, poison, by="ops-oliver", reason="written by a newer version")
        for _ in range(400):
            if (await asyncio.to_thread(tracking.max_tracking_id, "cis") or 0) >= after.position:
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the relay did not go on after the skip in 20 s")
        assert await stalled() is None
        assert len(await _messages_for(nc.jetstream(), after.id)) == 1
    finally:
        stopping.set()
        await task
        await nc.close()
        tracking.datastore.close()
        app.close()


async def test_the_relay_leaves_personal_data_sealed(settings: Settings) -> None:
    """Its integration events carry no personal data, so it never opens any: it
    publishes past an event whose sealed note is damaged at rest, where a reader that
    opens personal data stops with InvalidTag (see test_poison_events)."""
    own = await asyncio.to_thread(own_store, settings)  # the poison stays in its store
    assert own.database_url and own.nats_url
    app = build_application(own, pool_size=2)
    try:
        customer = app.register_customer(**registration())
        poison = write_event_with_damaged_seal(own.database_url, app, customer.id)
        after = app.register_customer(**registration())
        assert after.position > poison
        await _relay_until(app, own, "relay_sealed", after.position)
        nc = await nats.connect(own.nats_url)
        try:
            touchpoints = await _messages_for(nc.jetstream(), customer.id,
                                              "cis.events.customer.touchpoint_recorded")
        finally:
            await nc.close()
        assert len(touchpoints) == 2  # the touchpoint and its damaged copy
    finally:
        app.close()


async def test_another_publisher_on_the_stream_neither_stops_nor_reorders_the_relay(
    settings: Settings, tmp_path: Path
) -> None:
    """Each message names the one before it; a foreign message in between makes JetStream
    refuse the next, and the relay starts its chain again from there, in order (slower:
    one relay a stream is what `cis up` runs). A NATS of its own: the foreign messages
    are nothing the session's consumers could read."""
    server, url = start_nats(tmp_path)
    own = await asyncio.to_thread(own_store, dataclasses.replace(settings, nats_url=url))
    assert own.database_url and own.nats_url
    app = build_application(own, pool_size=2)
    try:
        await asyncio.to_thread(write_demo_shaped, app, 6000)
        head = app.recorder.max_notification_id() or 0
        customers = {n.originator_id for n in app.recorder.select_notifications(
            start=0, limit=head, inclusive_of_start=False)}
        nc = await nats.connect(own.nats_url)
        try:
            js = nc.jetstream()
            relay = asyncio.create_task(_relay_until(app, own, "relay_foreign", head, 90))
            while not relay.done():  # someone else publishing all the while
                await js.publish("cis.events.other.thing", b"{}")
                await asyncio.sleep(0.25)
            await relay
            ours = [msgspec.json.decode(m.data)["position"] for m in
                    await _all_messages(js) if msgspec.json.decode(m.data).get("customer_id")
                    in {str(c) for c in customers}]
        finally:
            await nc.close()
        assert ours == list(range(1, head + 1))
    finally:
        app.close()
        server.stop()


async def _all_messages(js: JetStreamContext) -> list[nats.aio.msg.Msg]:
    sub = await js.subscribe("cis.events.>", ordered_consumer=True)
    found = []
    try:
        while True:
            found.append(await sub.next_msg(timeout=1))
    except nats.errors.TimeoutError:
        return found
    finally:
        await sub.unsubscribe()
