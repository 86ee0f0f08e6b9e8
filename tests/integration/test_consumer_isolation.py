"""A message its handler cannot handle never holds up the others: it is redelivered a few
times with back-off, then parked on the dead-letter stream, while the rest go on."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import nats
import nats.errors
from nats.js.api import ConsumerConfig, DeliverPolicy

from adapters.embedded.nats import _binary
from adapters.embedded.process import ServerProcess, free_port, wait_for_port
from adapters.nats.consumer import run_consumer
from adapters.nats.streams import DLQ_STREAM, MAX_DELIVER, ensure_streams
from adapters.settings import Settings
from application.integration_events import CustomerRegistered, IntegrationEvent, subject_of


def _registered(customer_id: uuid.UUID) -> CustomerRegistered:
    return CustomerRegistered(event_id=uuid.uuid4(), position=1, occurred_at=datetime.now(UTC),
                              correlation_id="test", customer_id=customer_id, kind="private",
                              canton="ZH", language="de", salesperson="test-salesperson")


async def test_a_message_that_keeps_failing_is_parked_and_the_others_go_on(
    settings: Settings
) -> None:
    assert settings.nats_url
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    durable = f"isolation_{uuid.uuid4().hex[:8]}"
    poisoned, healthy = uuid.uuid4(), uuid.uuid4()
    attempts: list[uuid.UUID] = []
    handled: list[uuid.UUID] = []

    async def handle(event: IntegrationEvent) -> None:
        if isinstance(event, CustomerRegistered) and event.customer_id in (poisoned, healthy):
            attempts.append(event.customer_id)
            if event.customer_id == poisoned:
                raise RuntimeError("this consumer cannot handle it")
            handled.append(event.customer_id)

    stopping = asyncio.Event()
    consumer = asyncio.create_task(run_consumer(js, durable, handle, stopping))
    try:
        for customer in (poisoned, healthy):
            event = _registered(customer)
            await js.publish(subject_of(event), msgspec.json.encode(event))

        # The healthy one is handled at once, not after the poisoned one's retries.
        for _ in range(200):
            if handled:
                break
            await asyncio.sleep(0.05)
        assert handled == [healthy]
        assert attempts.count(poisoned) < MAX_DELIVER

        # The poisoned one: delivered MAX_DELIVER times, then parked on the DLQ.
        for _ in range(1200):
            if attempts.count(poisoned) == MAX_DELIVER:
                break
            await asyncio.sleep(0.05)
        assert attempts.count(poisoned) == MAX_DELIVER
        dlq = await js.subscribe(f"cis.dlq.{durable}", stream=DLQ_STREAM,
                                 config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL))
        parked = await dlq.next_msg(timeout=10)
        assert msgspec.json.decode(parked.data)["customer_id"] == str(poisoned)
        assert parked.headers and parked.headers["Cis-Reason"] == "RuntimeError"
        assert not consumer.done()
    finally:
        stopping.set()
        await consumer
        await js.delete_consumer("CIS_EVENTS", durable)
        await nc.close()


async def test_a_message_handled_for_longer_than_ack_wait_is_not_delivered_again(
    settings: Settings
) -> None:
    """A model activation rescores every customer in one message, which can take longer
    than ack_wait: neither it nor the message behind it in the batch may come again, to
    this process or to the other one sharing the consumer (scoring runs two, not elected)."""
    assert settings.nats_url
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    durable = f"slow_{uuid.uuid4().hex[:8]}"
    slow, behind = uuid.uuid4(), uuid.uuid4()
    handled: list[uuid.UUID] = []

    async def handle(event: IntegrationEvent) -> None:
        if isinstance(event, CustomerRegistered) and event.customer_id in (slow, behind):
            if event.customer_id == slow:
                await asyncio.sleep(4.0)  # over three times ack_wait
            handled.append(event.customer_id)

    for customer in (slow, behind):
        event = _registered(customer)
        await js.publish(subject_of(event), msgspec.json.encode(event))
    stopping = asyncio.Event()
    consumers = [asyncio.create_task(run_consumer(js, durable, handle, stopping, ack_wait=1.2))
                 for _ in range(2)]
    try:
        for _ in range(300):
            if len(handled) >= 2:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(2.5)  # time for a redelivery to arrive, were there one
        assert sorted(handled) == sorted([slow, behind])
    finally:
        stopping.set()
        await asyncio.gather(*consumers)
        await js.delete_consumer("CIS_EVENTS", durable)
        await nc.close()


async def test_a_consumer_started_before_jetstream_answers_waits_for_it(
        tmp_path: Path) -> None:
    """NATS is up but JetStream is not (a cluster electing its leaders, a restart): the
    consumer waits it out in its process instead of exiting, then consumes."""
    host, port = "127.0.0.1", free_port("127.0.0.1")
    plain = ServerProcess("nats", [_binary(), "-a", host, "-p", str(port)],
                          tmp_path / "plain.log")
    wait_for_port(host, port, 30.0, plain.process)
    nc = await nats.connect(f"nats://{host}:{port}", max_reconnect_attempts=-1,
                            reconnect_time_wait=0.2)
    js = nc.jetstream()
    handled: list[uuid.UUID] = []

    async def handle(event: IntegrationEvent) -> None:
        if isinstance(event, CustomerRegistered):
            handled.append(event.customer_id)

    stopping = asyncio.Event()
    consumer = asyncio.create_task(run_consumer(js, "early", handle, stopping))
    try:
        await asyncio.sleep(2.0)
        assert not consumer.done(), consumer
        plain.stop()
        (tmp_path / "js").mkdir()
        with_js = ServerProcess("nats", [_binary(), "-a", host, "-p", str(port), "-js",
                                         "-sd", str(tmp_path / "js")], tmp_path / "js.log")
        try:
            wait_for_port(host, port, 30.0, with_js.process)
            for _ in range(100):  # the client reconnects within a second or so
                try:
                    await ensure_streams(js)
                    break
                except nats.errors.Error:
                    await asyncio.sleep(0.1)
            customer = uuid.uuid4()
            event = _registered(customer)
            await js.publish(subject_of(event), msgspec.json.encode(event))
            for _ in range(400):
                if handled:
                    break
                await asyncio.sleep(0.05)
            assert handled == [customer]
        finally:
            stopping.set()
            await asyncio.wait_for(consumer, 15)
            await nc.close()
            with_js.stop()
    finally:
        plain.stop()
