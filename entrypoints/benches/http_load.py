"""An HTTP/1.1 load generator in processes of its own, as wrk would be, with only Python.

N keep-alive connections over raw asyncio streams, each sending its next request as
soon as the answer to the last one is read, for a fixed time; every request's latency
is kept, so the result has throughput, p50 and p99 and the count of each status. The
client runs in separate processes (`processes`), so its parsing never steals the loop
of the server under test, and its CPU shows as its own. A first `warmup` of seconds is
sent but not counted (connections opening, caches filling).

It speaks just enough HTTP for our servers: `Content-Length` answers (uvicorn sends
them for every body of a fixed size) and `Transfer-Encoding: chunked`.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import time
from dataclasses import dataclass, field

__all__ = ["HttpRequest", "LoadResult", "run_load", "server_started"]


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def encode(self, host: str) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


@dataclass
class LoadResult:
    connections: int
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, counted requests only
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0  # connections that broke (each reopened)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile_ms(self, share: float) -> float:
        if not self.latencies:
            return 0.0
        if len(self.latencies) == 1:
            return self.latencies[0] * 1000
        cut = statistics.quantiles(self.latencies, n=1000, method="inclusive")
        return cut[max(0, min(998, round(share * 1000) - 1))] * 1000

    def ok_share(self) -> float:
        total = sum(self.statuses.values())
        good = sum(n for status, n in self.statuses.items() if 200 <= status < 300)
        return good / total if total else 0.0

    def merge(self, other: LoadResult) -> None:
        self.latencies += other.latencies
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        self.errors += other.errors


def run_load(host: str, port: int, requests: list[list[HttpRequest]], *, seconds: float,
             warmup: float = 1.0, processes: int = 1) -> LoadResult:
    """One connection per entry of `requests`, each cycling through its own list."""
    processes = max(1, min(processes, len(requests)))
    shares = [requests[i::processes] for i in range(processes)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        start_at = time.time() + 1.0 + 0.2 * processes  # spawned processes start together
        parts = pool.starmap(_load_process, [(host, port, share, start_at, warmup, seconds)
                                             for share in shares])
    result = LoadResult(len(requests), seconds)
    for part in parts:
        result.merge(part)
    return result


def server_started(host: str, port: int, timeout: float = 60.0) -> bool:
    """True once something accepts connections on the port."""
    async def probe() -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                _, writer = await asyncio.open_connection(host, port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            writer.close()
            return True
        return False
    return asyncio.run(probe())


def _load_process(host: str, port: int, requests: list[list[HttpRequest]], start_at: float,
                  warmup: float, seconds: float) -> LoadResult:
    return asyncio.run(_load(host, port, requests, start_at, warmup, seconds))


async def _load(host: str, port: int, requests: list[list[HttpRequest]], start_at: float,
                warmup: float, seconds: float) -> LoadResult:
    await asyncio.sleep(max(0.0, start_at - time.time()))
    now = time.perf_counter()
    count_from, stop_at = now + warmup, now + warmup + seconds
    result = LoadResult(len(requests), seconds)
    await asyncio.gather(*(_connection(host, port, [r.encode(f"{host}:{port}") for r in own],
                                       count_from, stop_at, result) for own in requests))
    return result


async def _connection(host: str, port: int, wire: list[bytes], count_from: float,
                      stop_at: float, result: LoadResult) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    index = 0
    try:
        while (sent := time.perf_counter()) < stop_at:
            writer.write(wire[index % len(wire)])
            index += 1
            try:
                status = await _read_answer(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                result.errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            done = time.perf_counter()
            if sent >= count_from:
                result.latencies.append(done - sent)
                result.statuses[status] = result.statuses.get(status, 0) + 1
    finally:
        writer.close()


async def _read_answer(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, chunked = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    elif length:
        await reader.readexactly(length)
    return status
