"""Scale-out proof: two processes of every worker and of each API on one Postgres, NATS
and Redis; the active projector, relay and consumers SIGKILLed while commands come in.

Process set A (projectors, relay, scoring and notification consumers) starts first and
is active; set B starts once A holds its locks, and stands by (projectors, relay: a
Postgres advisory lock each) or shares the work (the consumers: one durable pull
consumer, two processes). Two command APIs and two query APIs take the traffic in
turns. Midway, set A is SIGKILLed. Then, once everything settled:
- every read model equals a rebuild from position 0 (`cis project rebuild`'s function);
- every integration event of the log is on JetStream exactly once;
- every mail due went out exactly once (the SMTP sink's mailbox);
- the standbys took over (how long each took is printed; bounded generously).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import httpx
import msgspec
import nats
import nats.js.errors
import psycopg
import pytest
from nats.js import JetStreamContext

from adapters.embedded.nats import start_nats
from adapters.embedded.process import ServerProcess, free_port
from adapters.embedded.smtp import start_smtp_sink
from adapters.nats.streams import EVENTS_STREAM
from adapters.settings import Settings
from application.publishing import to_integration_event
from entrypoints.bootstrap import build_application
from entrypoints.http.auth import Role, issue_token
from entrypoints.project_admin import rebuild
from projections.base import schema_of
from projections.registry import READ_MODELS
from tests.databases import own_store

pytestmark = pytest.mark.e2e

WORKERS = (("project", "run"), ("relay",), ("consume", "scoring"), ("consume", "notifications"))
CONSUMERS = ("scoring", "notifications")
WRITE_SECONDS = 12.0  # before the kill, and again after it
TAKEOVER_BOUND = 30.0  # seconds: generous, the machine is shared
SETTLE_TIMEOUT = 120.0  # includes JetStream's redelivery of the killed consumers' messages
LOCKS = {**{f"projector {m.name}": zlib.crc32(f"cis-projector:{m.name}".encode())
            for m in READ_MODELS}, "relay": zlib.crc32(b"cis-relay")}


class Cluster:
    """The processes, their logs and where the APIs listen."""

    def __init__(self, settings: Settings, logs: Path) -> None:
        self.settings, self.logs = settings, logs
        self.workers: dict[str, list[ServerProcess]] = {"A": [], "B": []}
        self.apis: list[ServerProcess] = []
        self.command_urls: list[str] = []
        self.query_urls: list[str] = []

    def _spawn(self, name: str, args: tuple[str, ...], **env: str) -> ServerProcess:
        environment = {**os.environ, **self.settings.as_env(), **env}
        return ServerProcess(name, [sys.executable, "-m", "entrypoints.cli", *args],
                             self.logs / f"{name}.log", env=environment)

    def start_workers(self, group: str) -> None:
        self.workers[group] = [self._spawn(f"{group}-{'-'.join(args)}", args)
                               for args in WORKERS]

    def start_apis(self) -> None:
        for i in range(2):
            command, query = free_port(), free_port()
            self.apis.append(self._spawn(f"command-api-{i}", ("api", "command"),
                                         CIS_COMMAND_PORT=str(command)))
            self.apis.append(self._spawn(f"query-api-{i}", ("api", "query"),
                                         CIS_QUERY_PORT=str(query)))
            self.command_urls.append(f"http://127.0.0.1:{command}")
            self.query_urls.append(f"http://127.0.0.1:{query}")

    def log_of(self, process: ServerProcess) -> str:
        path = self.logs / f"{process.name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """SIGTERM to every process at once, then wait for each (bounded)."""
        processes = [*self.apis, *self.workers["B"], *self.workers["A"]]
        for process in processes:
            if process.process.poll() is None:
                process.process.send_signal(process.stop_signal)
        for process in processes:
            process.stop()


def _until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return result


def _held_locks(url: str) -> set[str]:
    with psycopg.connect(url, autocommit=True) as conn:
        held = {int(row[0]) for row in conn.execute(
            "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")}
    return {name for name, key in LOCKS.items() if key in held}


def _positions(url: str) -> dict[str, int]:
    """The log's head and how far each reader of it has come."""
    with psycopg.connect(url, autocommit=True) as conn:
        found = {"head": conn.execute(
            "SELECT coalesce(max(notification_id), 0) FROM cis_events").fetchone()[0]}  # type: ignore[index]
        for model in READ_MODELS:
            found[model.name] = conn.execute(
                f"SELECT notification_id FROM {schema_of(model.name)}.{model.name}_tracking "
                "WHERE application_name = 'cis'").fetchone()[0]  # type: ignore[index]
        relay = conn.execute("SELECT max(notification_id) FROM relay_tracking "
                             "WHERE application_name = 'cis'").fetchone()
        found["relay"] = relay[0] if relay and relay[0] is not None else 0
    return {name: int(value or 0) for name, value in found.items()}


def _tables(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every read model's tables (tracking aside), in a fixed order."""
    rows: dict[str, list[tuple[object, ...]]] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for model in READ_MODELS:
            schema = schema_of(model.name)
            names = [r[0] for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                "AND table_type = 'BASE TABLE' AND table_name NOT LIKE '%%_tracking' "
                "ORDER BY 1", (schema,))]
            for name in names:
                found = conn.execute(f'SELECT * FROM {schema}."{name}"').fetchall()
                rows[f"{schema}.{name}"] = sorted(found, key=repr)
    return rows


async def _consumer_state(js: JetStreamContext) -> dict[str, tuple[int, int, int]]:
    """Per durable consumer: (last stream sequence delivered, pending, unacknowledged)."""
    state = {}
    for durable in CONSUMERS:
        info = await js.consumer_info(EVENTS_STREAM, durable)
        state[durable] = (info.delivered.stream_seq or 0, info.num_pending or 0,
                          info.num_ack_pending or 0)
    return state


async def _stream_messages(js: JetStreamContext) -> list[tuple[str, dict[str, Any]]]:
    info = await js.stream_info(EVENTS_STREAM)
    found = []
    for sequence in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            message = await js.get_msg(EVENTS_STREAM, sequence)
        except nats.js.errors.NotFoundError:
            continue
        found.append(((message.headers or {}).get("Nats-Msg-Id", ""),
                      msgspec.json.decode(message.data or b"{}")))
    return found


def _integration_positions(settings: Settings) -> list[int]:
    """The positions of the log's events that the relay must publish."""
    app = build_application(settings, pool_size=1)  # type: ignore[arg-type]
    try:
        mapper = app.mapper_leaving_personal_data_sealed
        wanted, start = [], 1
        while batch := app.recorder.select_notifications(start=start, limit=1000):
            for notification in batch:
                if to_integration_event(mapper.to_domain_event(notification),
                                        notification.id) is not None:
                    wanted.append(notification.id)
            start = batch[-1].id + 1
        return wanted
    finally:
        app.close()


class Writer:
    """Commands through both command APIs in turns, each read back through the other
    query API with `min_position`."""

    def __init__(self, cluster: Cluster, token: str) -> None:
        self.cluster = cluster
        self.headers = {"Authorization": f"Bearer {token}"}
        self.customers: list[tuple[str, str]] = []  # (id, e-mail)
        self.reads: dict[int, int] = {}
        self.turn = 0

    async def write_for(self, client: httpx.AsyncClient, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            command = self.cluster.command_urls[self.turn % 2]
            query = self.cluster.query_urls[(self.turn + 1) % 2]
            self.turn += 1
            email = f"scale.{uuid.uuid4().hex[:10]}@example.ch"
            created = await client.post(f"{command}/api/v1/customers", headers=self.headers,
                                        json={"name": "Noa Scale", "email": email,
                                              "postal_code": "3011", "canton": "BE"})
            assert created.status_code == 201, created.text
            customer = created.json()["id"]
            booked = await client.post(
                f"{command}/api/v1/customers/{customer}/test-drives", headers=self.headers,
                json={"model": "EV-SCALE", "scheduled_at": "2027-03-01T10:00:00+01:00"})
            assert booked.status_code == 201, booked.text
            self.customers.append((customer, email))
            read = await client.get(f"{query}/api/v1/customers/{customer}/journey",
                                    headers=self.headers,
                                    params={"min_position": booked.json()["position"]})
            # A projector taking over may take longer than min_position waits: then
            # an honest 503 with Retry-After, never a stale answer.
            assert read.status_code in (200, 503), read.text
            if read.status_code == 503:
                assert read.headers["Retry-After"]
            self.reads[read.status_code] = self.reads.get(read.status_code, 0) + 1


class Takeover:
    """How long after the kill each standby showed it had taken over."""

    def __init__(self, url: str, before: dict[str, int],
                 consumers: dict[str, tuple[int, int, int]], killed_at: float) -> None:
        self.url, self.before, self.consumers_before = url, before, consumers
        self.killed_at = killed_at
        self.seconds: dict[str, float] = {}

    async def watch(self, js: JetStreamContext, until: asyncio.Event) -> None:
        while not until.is_set() or len(self.seconds) < len(READ_MODELS) + 3:
            now = time.monotonic() - self.killed_at
            positions = await asyncio.to_thread(_positions, self.url)
            for name in [m.name for m in READ_MODELS] + ["relay"]:
                if name not in self.seconds and positions[name] > self.before[name]:
                    self.seconds[name] = now
            for durable, (delivered, _, _) in (await _consumer_state(js)).items():
                if durable not in self.seconds and delivered > self.consumers_before[durable][0]:
                    self.seconds[durable] = now
            if now > TAKEOVER_BOUND * 2:
                return
            await asyncio.sleep(0.1)


@pytest.fixture
def cluster(settings: Settings, tmp_path: Path) -> Iterator[Cluster]:
    """A store of its own on the session's Postgres and Redis; NATS and the SMTP sink of
    its own (the durable consumers and the stream are then this test's alone)."""
    nats_server, nats_url = start_nats(tmp_path / "nats-data")
    smtp_server, smtp_url = start_smtp_sink(tmp_path / "smtp-data")
    # One writer sends hundreds of requests a minute, more than a caller may by default.
    own = own_store(settings, nats_url=nats_url, smtp_url=smtp_url,
                    rate_limit_per_minute=1_000_000)
    running = Cluster(own, tmp_path / "logs")
    try:
        yield running
    finally:
        running.stop()
        smtp_server.stop()
        nats_server.stop()


@contextlib.asynccontextmanager
async def _jetstream(url: str) -> AsyncIterator[JetStreamContext]:
    nc = await nats.connect(url)
    try:
        yield nc.jetstream()
    finally:
        await nc.close()


async def test_two_of_everything_survive_sigkill_of_the_active_processes(
    cluster: Cluster, tmp_path: Path
) -> None:
    started = time.monotonic()
    settings = cluster.settings
    assert settings.database_url and settings.nats_url
    url = settings.database_url

    # Set A first, active once it holds every lock; then set B, standing by.
    cluster.start_workers("A")
    await asyncio.to_thread(_until, lambda: _held_locks(url) == set(LOCKS), 60, "set A's locks")
    cluster.start_workers("B")
    cluster.start_apis()
    for process in cluster.workers["B"]:
        marker = ("projectors started" if "project" in process.name else
                  "standing by" if "relay" in process.name else "consumer started")
        await asyncio.to_thread(_until, lambda p=process, m=marker: m in cluster.log_of(p),
                                60, f"{process.name} to stand by")
    async with httpx.AsyncClient(timeout=30) as client:
        for base in [*cluster.command_urls, *cluster.query_urls]:
            await asyncio.to_thread(_until, lambda b=base: _healthy(b), 60, f"{base}/health")
        admin = issue_token(settings.jwt_secret, subject="scale-admin", role=Role.ADMIN,
                            ttl=_ttl())
        listed = await client.put(f"{cluster.command_urls[0]}/api/v1/catalog/models/EV-SCALE",
                                  headers={"Authorization": f"Bearer {admin}"},
                                  json={"name": "Scale One", "list_price": 4_500_000})
        assert listed.status_code in (200, 201), listed.text
        writer = Writer(cluster, issue_token(settings.jwt_secret, subject=f"scale-{uuid.uuid4().hex[:8]}",
                                             role=Role.SALESPERSON, ttl=_ttl()))
        _report(f"{len(cluster.workers['A']) * 2} workers and 4 APIs up in "
                f"{time.monotonic() - started:.1f} s")
        await writer.write_for(client, WRITE_SECONDS)

        # SIGKILL the active set, in the middle of the traffic.
        async with _jetstream(settings.nats_url) as js:
            for process in cluster.workers["A"]:
                process.process.kill()
            killed_at = time.monotonic()
            for process in cluster.workers["A"]:
                process.process.wait()
            # Where the killed set left everything: from here only set B moves it.
            takeover = Takeover(url, await asyncio.to_thread(_positions, url),
                                await _consumer_state(js), killed_at)
            done = asyncio.Event()
            watching = asyncio.create_task(takeover.watch(js, done))
            await writer.write_for(client, WRITE_SECONDS)
            done.set()
            await watching
            locks = await asyncio.to_thread(_held_locks, url)
            await _settled(url, js)
            listed_at = time.monotonic()
            messages = await _stream_messages(js)
            _report(f"stream read in {time.monotonic() - listed_at:.1f} s")
    settled_at = time.monotonic()
    cluster.stop()
    _report(f"stopped in {time.monotonic() - settled_at:.1f} s")

    _report(f"{len(writer.customers)} customers written, reads by status {writer.reads}; "
            "took over after SIGKILL (s): "
            + ", ".join(f"{k} {v:.2f}" for k, v in sorted(takeover.seconds.items()))
            + f"; settled {settled_at - takeover.killed_at:.1f} s after the kill")

    # The standbys took over: the locks are held again (by set B), everything moved on.
    assert locks == set(LOCKS)
    assert sorted(takeover.seconds) == sorted([m.name for m in READ_MODELS] + ["relay",
                                                                                *CONSUMERS])
    assert max(takeover.seconds.values()) < TAKEOVER_BOUND

    # Every integration event of the log is on JetStream exactly once.
    checked_at = time.monotonic()
    ids = [message_id for message_id, _ in messages]
    assert len(ids) == len(set(ids)), "an event is on JetStream more than once"
    published = sorted(int(body["position"]) for _, body in messages)
    assert published == await asyncio.to_thread(_integration_positions, settings)
    _report(f"{len(ids)} events on JetStream, each once (checked in "
            f"{time.monotonic() - checked_at:.1f} s)")

    # Every mail went out once: one confirmation per booked test drive. A sender killed
    # between the SMTP server's answer and its commit sends that one message again, with
    # the same Message-ID (adapters/mail/outbox.py): at most one such repeat per kill.
    checked_at = time.monotonic()
    mailbox = _mailbox(tmp_path / "smtp-data" / "mail")
    ids_by_address = {email: mailbox.get(email, []) for _, email in writer.customers}
    assert {e: len(set(i)) for e, i in ids_by_address.items() if len(set(i)) != 1} == {}
    repeats = sum(len(i) - 1 for i in ids_by_address.values())
    assert repeats <= 1, f"{repeats} mails went out twice; one sender was killed"
    _report(f"{len(ids_by_address)} mails, {repeats} repeated (same Message-ID); "
            f"checked in {time.monotonic() - checked_at:.1f} s")

    # Every read model equals a rebuild from position 0.
    checked_at = time.monotonic()
    survived = await asyncio.to_thread(_tables, url)
    for model in READ_MODELS:
        await asyncio.to_thread(rebuild, settings, model.name)  # type: ignore[arg-type]
    assert await asyncio.to_thread(_tables, url) == survived
    _report(f"read models equal their rebuilds (checked in {time.monotonic() - checked_at:.1f} s); "
            f"whole proof {time.monotonic() - started:.1f} s")


async def _settled(url: str, js: JetStreamContext) -> None:
    """Every reader at the log's head, both consumers with nothing pending or unacked
    (the killed ones' messages redelivered after ack_wait), no mail due."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while True:
        positions = await asyncio.to_thread(_positions, url)
        readers_done = all(v == positions["head"] for v in positions.values())
        state = await _consumer_state(js)
        consumed = all(pending == 0 and unacked == 0 for _, pending, unacked in state.values())
        if readers_done and consumed and not await asyncio.to_thread(_mail_due, url):
            return
        assert time.monotonic() < deadline, f"not settled: {positions}, {state}"
        await asyncio.sleep(0.25)


def _mailbox(mail_dir: Path) -> dict[str, list[str]]:
    """The Message-IDs the sink received, by recipient, in the order received."""
    found: dict[str, list[str]] = {}
    for path in sorted(mail_dir.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        for address in message["To"].addresses:
            found.setdefault(address.addr_spec, []).append(str(message["Message-ID"]))
    return found


def _mail_due(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        return bool(conn.execute("SELECT count(*) FROM notify.outbox WHERE status = 'pending' "
                                 "AND due_at <= now()").fetchone()[0])  # type: ignore[index]


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def _report(line: str) -> None:
    """The measurements, on the terminal (`pytest -s`) and in the captured output."""
    print(f"scale-out: {line}", flush=True)  # noqa: T201 - the proof's figures are its report


def _ttl() -> timedelta:
    return timedelta(minutes=30)
