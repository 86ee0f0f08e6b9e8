"""The fan-out bench's load and its watch: commands at a fixed rate, and when each part
of the system got to the position a command answered with.

The load runs on an event loop in a thread of the bench process: single-event commands
(`POST /customers/{id}/touchpoints`) sent open-loop at a fixed rate over HTTP, at most
`IN_FLIGHT` at a time. The watch hears the read models' positions on their NOTIFY
channel, the relay's on the integration events themselves (core NATS, `cis.events.>`),
the scoring consumer's on the scores it publishes, and asks JetStream whether the
notification consumer has acknowledged everything.
"""

from __future__ import annotations

import asyncio
import bisect
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar
from uuid import UUID

import httpx
import msgspec
import nats
import psycopg
from nats.aio.msg import Msg

from adapters.nats.streams import EVENTS_STREAM
from adapters.settings import ResolvedSettings
from application.integration_events import DECODER
from application.score_events import SCORES_SUBJECT, LeadScoreUpdated
from entrypoints.http.auth import Role, issue_token
from entrypoints.workers.notifications import CONSUMER as NOTIFICATIONS
from projections.runner import POSITIONS_CHANNEL

__all__ = ["Driven", "Load", "Watch"]

IN_FLIGHT = 64
T = TypeVar("T")
_TOUCHPOINT = {"kind": "showroom_visit", "channel": "showroom"}


@dataclass
class Driven:
    """What one run of the load did: when each command was answered, at what position."""

    rate: float
    answered: list[tuple[float, int]] = field(default_factory=list)
    errors: int = 0
    started: float = 0.0
    ended: float = 0.0

    @property
    def achieved(self) -> float:
        took = self.ended - self.started
        return len(self.answered) / took if took > 0 else 0.0

    @property
    def head(self) -> int:
        return max((p for _, p in self.answered), default=0)


class Watch:
    """Per part of the system: (when, the highest position it had reached by then)."""

    def __init__(self, parts: list[str]) -> None:
        self._times: dict[str, list[float]] = {p: [] for p in parts}
        self._positions: dict[str, list[int]] = {p: [] for p in parts}
        self._lock = threading.Lock()

    @property
    def parts(self) -> list[str]:
        return list(self._times)

    def reached(self, part: str, position: int) -> None:
        now = time.monotonic()
        with self._lock:
            positions = self._positions.get(part)
            if positions is None or (positions and positions[-1] >= position):
                return
            positions.append(position)
            self._times[part].append(now)

    def position(self, part: str) -> int:
        with self._lock:
            positions = self._positions[part]
            return positions[-1] if positions else 0

    def when(self, part: str, position: int) -> float | None:
        """When `part` first reached `position` (None: not yet)."""
        with self._lock:
            index = bisect.bisect_left(self._positions[part], position)
            times = self._times[part]
            return times[index] if index < len(times) else None


class Load:
    """An event loop in a thread: the HTTP load and the NATS side of the watch."""

    def __init__(self, settings: ResolvedSettings, watch: Watch) -> None:
        self._settings, self._watch = settings, watch
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="load",
                                        daemon=True)
        self._thread.start()
        self._stopping = threading.Event()
        self._listener = threading.Thread(target=self._listen_to_read_models,
                                          name="read-model-positions", daemon=True)
        self._listener.start()
        token = issue_token(settings.jwt_secret, subject="bench", role=Role.SALESPERSON,
                            ttl=timedelta(hours=2))
        base = f"http://{settings.host}:{settings.command_port}/api/v1"
        self._http: httpx.AsyncClient = self.run(self._client(base, token))
        self._nc: Any = self.run(self._subscribe())
        self.customers: list[UUID] = []

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def close(self) -> None:
        self._stopping.set()
        self.run(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._listener.join(timeout=5)

    async def _close(self) -> None:
        await self._http.aclose()
        await self._nc.close()

    @staticmethod
    async def _client(base: str, token: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30.0,
            limits=httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT))

    async def _subscribe(self) -> Any:
        nc = await nats.connect(self._settings.nats_url, name="cis-bench-watch")

        async def relayed(message: Msg) -> None:
            self._watch.reached("relay", DECODER.decode(message.data).position)

        async def scored(message: Msg) -> None:
            score = msgspec.json.decode(message.data, type=LeadScoreUpdated)
            self._watch.reached("scoring", score.position)

        await nc.subscribe("cis.events.>", cb=relayed)
        await nc.subscribe(SCORES_SUBJECT, cb=scored)
        return nc

    def _listen_to_read_models(self) -> None:
        with psycopg.connect(self._settings.database_url, autocommit=True) as conn:
            conn.execute(f"LISTEN {POSITIONS_CHANNEL}")
            while not self._stopping.is_set():
                for notify in conn.notifies(timeout=0.2):
                    name, _, position = notify.payload.rpartition(":")
                    self._watch.reached(name, int(position))

    def notifications_done(self) -> bool:
        """The notification consumer has acknowledged every message on the stream."""
        async def ask() -> bool:
            info = await self._nc.jetstream().consumer_info(EVENTS_STREAM, NOTIFICATIONS)
            return bool(info.num_pending == 0 and info.num_ack_pending == 0)
        return self.run(ask())

    def register(self, count: int) -> int:
        """`count` customers, each with profiling consent (so every touchpoint is scored);
        returns the last position written."""
        return self.run(self._register(count))

    async def _register(self, count: int) -> int:
        position = 0
        for i in range(count):
            answer = await self._http.post("/customers", json={
                "name": f"Bench Kunde {i}", "email": f"bench{i}@example.ch",
                "postal_code": "8001", "canton": "ZH", "language": "de"})
            answer.raise_for_status()
            customer = UUID(answer.json()["id"])
            consent = await self._http.post(f"/customers/{customer}/consents",
                                            json={"purpose": "profiling", "granted": True})
            consent.raise_for_status()
            self.customers.append(customer)
            position = int(consent.json()["position"])
        return position

    def drive(self, rate: float, count: int) -> Driven:
        """`count` touchpoints at `rate` a second, round robin over the customers."""
        return self.run(self._drive(rate, count))

    async def _drive(self, rate: float, count: int) -> Driven:
        driven = Driven(rate)
        slots = asyncio.Semaphore(IN_FLIGHT)
        tasks = []
        driven.started = start = time.monotonic()
        for i in range(count):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await slots.acquire()
            customer = self.customers[i % len(self.customers)]
            tasks.append(asyncio.create_task(self._touchpoint(customer, driven, slots)))
        await asyncio.gather(*tasks)
        driven.ended = time.monotonic()
        return driven

    async def _touchpoint(self, customer: UUID, driven: Driven,
                          slots: asyncio.Semaphore) -> None:
        try:
            answer = await self._http.post(f"/customers/{customer}/touchpoints",
                                           json=_TOUCHPOINT)
            if answer.status_code == 201 or answer.status_code == 200:
                driven.answered.append((time.monotonic(), int(answer.json()["position"])))
            else:
                driven.errors += 1
        except httpx.HTTPError:
            driven.errors += 1
        finally:
            slots.release()
