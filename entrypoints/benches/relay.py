"""`cis bench relay`: the relay's publish rate next to a raw async publish, in one run.

Writes N demo-shaped events into a fresh database, then measures against the
configured NATS, each path into a JetStream stream of the bench's own (configured as
the events stream: file storage, the same dedup window), deleted afterwards:
  * the physical baseline: the very messages the relay sends (same payloads, subjects
    of the same length, the same `Nats-Msg-Id` header), encoded beforehand, published
    with nats-py's `publish_async` and every ack awaited;
  * the relay publishing the log from position 0 to its head: every event acknowledged
    by JetStream and the relay's position saved in Postgres;
  * the CPU per event of this process and the servers it started (the embedded NATS,
    Postgres and its backends), while each ran: the machine is shared;
  * event-to-consumer latency: single-event commands written at a steady rate by a
    writer process while the relay follows, received by a push consumer (what JetStream
    delivers) and by a pull consumer fetching as the CIS consumers do. Measured from the
    event's timestamp, which is taken before its commit.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import statistics
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import msgspec
import nats.errors
from eventsourcing.postgres import PostgresTrackingRecorder
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)

from adapters.nats.connection import connect_for_worker
from adapters.nats.relay import RELAY, Relay
from adapters.nats.streams import DEDUP_WINDOW_SECONDS
from adapters.settings import ResolvedSettings
from application.integration_events import DECODER, subject_of
from application.publishing import to_integration_event
from application.services import CustomerIntelligence
from domain.customer import Customer
from domain.ids import CustomerID
from domain.meta import EventMeta
from domain.values import Canton, Email, Language, PersonName, PostalCode
from entrypoints.benches.catch_up import write_demo_shaped
from entrypoints.benches.database import fresh_database
from entrypoints.benches.report import BenchOptions, Report, Series, Target
from entrypoints.bootstrap import build_application, build_tracking_recorder
from entrypoints.migrate import migrate

__all__ = ["run"]

META = EventMeta(actor="bench", correlation_id="bench")
LIVE_RATE = 100  # single-event commands a second: a moderate load, well below saturation
ROUNDS = 3  # raw, relay, raw, relay ...: the best of each, on a shared and noisy machine
CIS_FETCH = 64  # the batch the CIS consumers fetch (adapters/nats/consumer.py)
_PAGE = 5000


@dataclass(frozen=True)
class _Streams:
    """A round's two streams; their prefixes have the same length, so the subjects do."""

    tag: str

    @property
    def ours(self) -> str:
        return f"bench.{self.tag}.ours."

    @property
    def base(self) -> str:
        return f"bench.{self.tag}.base."

    def name(self, prefix: str) -> str:
        return f"CIS_BENCH_{prefix.split('.')[2].upper()}_{self.tag}"

    @property
    def names(self) -> list[str]:
        return [self.name(self.ours), self.name(self.base)]


@dataclass
class _Phase:
    events: int
    seconds: float
    cpu_seconds: float  # of this process and the servers it started, meanwhile

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def cpu_us_per_event(self) -> float:
        return self.cpu_seconds * 1e6 / self.events


def run(settings: ResolvedSettings, options: BenchOptions) -> Report:
    events = options.events or (10_000 if options.quick else 20_000)
    live = min(max(events // 10, 50), 1000 if options.quick else 3000)
    with fresh_database(settings) as own:
        migrate(own)
        app = build_application(own, pool_size=3)
        try:
            write_demo_shaped(app, events)
            return asyncio.run(_measure(own, app, live))
        finally:
            app.close()


async def _measure(own: ResolvedSettings, app: CustomerIntelligence, live: int) -> Report:
    head = app.recorder.max_notification_id() or 0
    tag = uuid.uuid4().hex[:8]
    rounds = [_Streams(f"{tag}{i}") for i in range(ROUNDS)]
    nc = await connect_for_worker(own.nats_url, "cis-bench-relay")
    js = nc.jetstream()
    created: list[str] = []
    try:
        messages = await asyncio.to_thread(_messages, app)
        raws, relays = [], []
        push: list[float] = []
        fetched: list[float] = []
        for i, streams in enumerate(rounds):
            for prefix in (streams.ours, streams.base):
                await js.add_stream(_stream_config(streams.name(prefix), prefix))
                created.append(streams.name(prefix))
            raws.append(await _raw_publish(js, streams.base, messages))
            await _expect_stored(js, streams.name(streams.base), len(messages))
            stopping = asyncio.Event()
            phase, task = await _relay_to_head(own, app, js, streams.ours, head, stopping,
                                               f"{RELAY}_bench_{i}")
            relays.append(phase)
            try:
                await _expect_stored(js, streams.name(streams.ours), len(messages))
                if i == len(rounds) - 1:  # the last round's relay follows the live writes
                    push, fetched = await _live_latency(own, js, streams, live, task)
            finally:
                stopping.set()
                await task
    finally:
        for name in created:
            try:
                await js.delete_stream(name)
            except nats.errors.Error as error:
                print(f"could not delete stream {name}: {error!r}")
        await nc.close()
    return _report(head, len(messages), raws, relays, live, push, fetched)


def _report(head: int, published: int, raws: list[_Phase], relays: list[_Phase], live: int,
            push: list[float], fetched: list[float]) -> Report:
    report = Report("relay", {"events": head, "messages": published, "rounds": ROUNDS,
                              "live_events": live, "live_rate_per_s": LIVE_RATE})
    rates = report.section(f"publishing {head:,} events from the log into JetStream, "
                           f"best of {ROUNDS} interleaved rounds")
    baseline = rates.add("raw publish_async, acks awaited", max(p.rate for p in raws),
                         "events/s", note="the same messages, encoded beforehand; rounds: "
                         + ", ".join(f"{p.rate:,.0f}" for p in raws))
    ours = rates.add("relay: log to head, acked, position saved",
                     max(p.rate for p in relays), "events/s", baseline=baseline,
                     target=Target(">=", 0.5),
                     note="rounds: " + ", ".join(f"{p.rate:,.0f}" for p in relays))
    cpu = report.section(f"CPU per event over the {ROUNDS} rounds: this process and the "
                         "servers it started")
    cpu_raw = cpu.add("raw publish_async", _cpu_per_event(raws), "µs/event")
    cpu.add("relay", _cpu_per_event(relays), "µs/event", baseline=cpu_raw)
    latency = report.section(f"event-to-consumer latency, {live:,} single-event commands "
                             f"at {LIVE_RATE}/s, from the event's timestamp")
    for path, seen in (("push consumer", push),
                       (f"pull consumer, fetch({CIS_FETCH}) as CIS consumers", fetched)):
        for name, value in _percentiles(seen).items():
            latency.add(f"{path}: {name}", value, "ms", target=Target("<=", 100.0))
    report.chart(Series("relay", "bar", "events/s", "path", "events/s",
                        [("raw publish_async", baseline.value), ("relay", ours.value)]))
    return report


def _cpu_per_event(phases: list[_Phase]) -> float:
    return sum(p.cpu_seconds for p in phases) * 1e6 / sum(p.events for p in phases)


def _percentiles(latencies: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"p50": cuts[49] * 1000, "p99": cuts[98] * 1000}


def _stream_config(name: str, prefix: str) -> StreamConfig:
    """As the events stream (adapters/nats/streams.py), on the bench's subjects."""
    return StreamConfig(name=name, subjects=[f"{prefix}>"], retention=RetentionPolicy.LIMITS,
                        storage=StorageType.FILE, duplicate_window=DEDUP_WINDOW_SECONDS)


def _messages(app: CustomerIntelligence) -> list[tuple[str, bytes, str]]:
    """What the relay publishes for the log: subject (unprefixed), payload, message id."""
    mapper = app.mapper_leaving_personal_data_sealed
    encoder = msgspec.json.Encoder()
    messages, start = [], 0
    while True:
        page = app.recorder.select_notifications(start=start, limit=_PAGE,
                                                 inclusive_of_start=False)
        for notification in page:
            event = to_integration_event(mapper.to_domain_event(notification), notification.id)
            if event is not None:
                messages.append((subject_of(event), encoder.encode(event),
                                 str(event.event_id)))
        if len(page) < _PAGE:
            return messages
        start = page[-1].id


async def _raw_publish(js: JetStreamContext, prefix: str,
                       messages: list[tuple[str, bytes, str]]) -> _Phase:
    async def publish() -> None:
        futures = [await js.publish_async(prefix + subject, payload,
                                          headers={"Nats-Msg-Id": msg_id})
                   for subject, payload, msg_id in messages]
        await asyncio.gather(*futures)

    return await _timed(len(messages), publish)


async def _relay_to_head(own: ResolvedSettings, app: CustomerIntelligence,
                         js: JetStreamContext, prefix: str, head: int,
                         stopping: asyncio.Event,
                         name: str) -> tuple[_Phase, asyncio.Task[None]]:
    """Starts a relay tracked as `name` at position 0; returns once its saved position is
    the head, the relay still running (following)."""
    tracking = build_tracking_recorder(own, name, create_table=True)
    task: asyncio.Task[None] | None = None

    async def to_head() -> None:
        nonlocal task
        task = asyncio.create_task(_run_closing(Relay(app, tracking, js, subject_prefix=prefix),
                                                tracking, stopping))
        while (await asyncio.to_thread(tracking.max_tracking_id, app.name) or 0) < head:
            if task.done():
                task.result()
                raise RuntimeError("the relay stopped before the head")
            await asyncio.sleep(0.01)

    phase = await _timed(head, to_head)
    if task is None:
        raise RuntimeError("the relay did not start")
    return phase, task


async def _run_closing(relay: Relay, tracking: PostgresTrackingRecorder,
                       stopping: asyncio.Event) -> None:
    try:
        await relay.run(stopping)
    finally:
        tracking.datastore.close()


async def _timed(events: int, work: Callable[[], Awaitable[None]]) -> _Phase:
    cpu, started = _cpu_seconds(), time.perf_counter()
    await work()
    return _Phase(events, time.perf_counter() - started, _cpu_seconds() - cpu)


async def _expect_stored(js: JetStreamContext, stream: str, count: int) -> None:
    """A bench of a path that lost or doubled messages would measure the wrong thing."""
    stored = (await js.stream_info(stream)).state.messages
    if stored != count:
        raise RuntimeError(f"{stream} holds {stored} messages, not {count}")


async def _live_latency(own: ResolvedSettings, js: JetStreamContext, streams: _Streams,
                        live: int, relay: asyncio.Task[None]) -> tuple[list[float], list[float]]:
    """Latencies (s) of `live` events written at LIVE_RATE while the relay follows."""
    stream = streams.name(streams.ours)
    push: list[float] = []

    async def received(message: Msg) -> None:
        push.append(_age(message))

    push_sub = await js.subscribe(f"{streams.ours}>", stream=stream, ordered_consumer=True,
                                  deliver_policy=DeliverPolicy.NEW, cb=received)
    pull_sub = await js.pull_subscribe(
        f"{streams.ours}>", durable="bench_latency", stream=stream,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.NEW,
                                          ack_policy=AckPolicy.EXPLICIT))
    writer = multiprocessing.get_context("spawn").Process(
        target=_write_live, args=(own, live, LIVE_RATE), name="bench-writer")
    writer.start()
    fetched: list[float] = []
    deadline = time.monotonic() + live / LIVE_RATE + 60
    try:
        while len(fetched) < live or len(push) < live:
            if time.monotonic() > deadline or relay.done() or writer.exitcode not in (None, 0):
                raise RuntimeError(f"{len(push)} and {len(fetched)} of {live} events arrived "
                                   f"(writer exit code {writer.exitcode})")
            try:
                messages = await pull_sub.fetch(batch=CIS_FETCH, timeout=1.0)
            except (nats.errors.TimeoutError, TimeoutError):
                continue
            for message in messages:
                fetched.append(_age(message))
                await message.ack()
    finally:
        writer.join(timeout=30)
        await push_sub.unsubscribe()
        await pull_sub.unsubscribe()
    return push, fetched


def _age(message: Msg) -> float:
    occurred: datetime = DECODER.decode(message.data).occurred_at
    return time.time() - occurred.timestamp()


def _write_live(own: ResolvedSettings, count: int, rate: float) -> None:
    """In a process of its own, as the command side is: one event a command, at `rate`."""
    app = build_application(own, pool_size=1)
    try:
        started = time.monotonic()
        for i in range(count):
            if (wait := started + i / rate - time.monotonic()) > 0:
                time.sleep(wait)
            app.save(Customer.register(
                customer_id=CustomerID(uuid.uuid4()), name=PersonName.parse(f"Live Kunde {i}"),
                email=Email.parse(f"live{i}@example.ch"), postal_code=PostalCode.parse("8001"),
                canton=Canton.parse("ZH"), language=Language.DE, salesperson="bench",
                meta=META))
    finally:
        app.close()


def _cpu_seconds() -> float:
    """CPU seconds spent by this process and every process it started (from /proc): the
    embedded servers (NATS; Postgres and its backends) when `cis bench` started them."""
    ticks = float(os.sysconf("SC_CLK_TCK"))
    children: dict[int, list[int]] = defaultdict(list)
    cpu: dict[int, float] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
        except OSError:
            continue  # gone meanwhile: a short-lived backend
        fields = text[text.rindex(")") + 2:].split()  # after the name, which may hold spaces
        children[int(fields[1])].append(int(entry))
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    total, todo = 0.0, [os.getpid()]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo.extend(children.get(pid, ()))
    return total
