"""A loopback stand-in for the ZEFIX REST API, for tests.

Speaks ``GET /api/v1/company/uid/CHE123456789`` from an in-memory dict and has
switches a test can flip while it runs:

* ``slow``    - answers only after ``slow_seconds`` (longer than a client timeout);
* ``failing`` - answers 500;
* ``down``    - the port is closed (connection refused); set back to False to
  listen again on the same port.

``requests`` counts every request that reached the server, so tests can assert
caching and fail-fast behaviour. Use :func:`zefix_server` as a context manager::

    with zefix_server({"CHE123456789": company("CHE-123.456.789", "Muster AG")}) as zefix:
        registry = ZefixRegistry(zefix.base_url, redis)
"""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

__all__ = ["ZefixServer", "company", "zefix_server"]

_PATH_RE = re.compile(r"^/api/v1/company/uid/(CHE[0-9]{9})$")


def company(uid: str, name: str, *, legal_seat: str | None = "Zürich", status: str = "ACTIVE",
            legal_form: str | None = "AG") -> dict[str, Any]:
    """One company object in the registry's JSON shape (``uid`` in compact form)."""
    compact = "".join(ch for ch in uid if ch.isalnum()).upper()
    data: dict[str, Any] = {
        "name": name,
        "ehraid": 123456,
        "uid": compact,
        "chid": "CH02030000000",
        "legalSeatId": 261,
        "legalSeat": legal_seat,
        "registryOfCommerceId": 20,
        "status": status,
        "sogcDate": "2020-01-01",
        "deletionDate": None,
    }
    if legal_form is not None:
        data["legalForm"] = {
            "id": 3,
            "uid": "0106",
            "name": {"de": "Aktiengesellschaft", "fr": "Société anonyme"},
            "shortName": {"de": legal_form, "fr": "SA", "it": "SA", "en": "Ltd"},
        }
    return data


class ZefixServer:
    """The loopback server; thread-safe switches and counters."""

    def __init__(self, companies: Mapping[str, dict[str, Any]] | None = None, *,
                 slow_seconds: float = 2.0,
                 credentials: tuple[str, str] | None = None) -> None:
        # compact UID -> company object
        self.companies: dict[str, dict[str, Any]] = dict(companies or {})
        self.slow = False
        self.failing = False
        self.slow_seconds = slow_seconds
        self.credentials = credentials
        self._lock = threading.Lock()
        self._requests = 0
        self._paths: list[str] = []
        self._released = threading.Event()  # set on stop: cut slow answers short
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = _free_port()

    # -- state ---------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> int:
        with self._lock:
            return self._requests

    @property
    def paths(self) -> list[str]:
        with self._lock:
            return list(self._paths)

    @property
    def down(self) -> bool:
        return self._server is None

    @down.setter
    def down(self, value: bool) -> None:
        if value and not self.down:
            self.stop()
        elif not value and self.down:
            self.start()

    def _count(self, path: str) -> None:
        with self._lock:
            self._requests += 1
            self._paths.append(path)

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> None:
        self._released.clear()
        server = _Server(("127.0.0.1", self.port), _handler_for(self))
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"zefix-test-server-{self.port}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        self._released.set()
        server.shutdown()
        server.server_close()
        server.close_connections()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextmanager
def zefix_server(companies: Mapping[str, dict[str, Any]] | None = None, *,
                 slow_seconds: float = 2.0,
                 credentials: tuple[str, str] | None = None) -> Iterator[ZefixServer]:
    """A running :class:`ZefixServer`, stopped on exit."""
    with ZefixServer(companies, slow_seconds=slow_seconds, credentials=credentials) as server:
        yield server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:  # in the serving thread, before the handler thread starts
            self._open.add(request)
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                self._open.discard(request)

    def close_connections(self) -> None:
        """Cut kept-alive connections too, so "down" really means unreachable."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and hung up is expected here; keep test output clean.
        pass


def _handler_for(state: ZefixServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            state._count(self.path)
            if state.slow and state._released.wait(state.slow_seconds):
                return  # server stopping
            if state.failing:
                self._send(500, {"error": "internal"})
                return
            if state.credentials is not None and not self._authorised(state.credentials):
                self._send(401, {"error": "unauthorised"},
                           extra={"WWW-Authenticate": 'Basic realm="zefix"'})
                return
            match = _PATH_RE.match(self.path)
            if match is None:
                self._send(400, {"error": "bad request"})
                return
            found = state.companies.get(match.group(1))
            if found is None:
                self._send(404, {"error": "not found"})
                return
            self._send(200, [found])

        def _authorised(self, credentials: tuple[str, str]) -> bool:
            expected = base64.b64encode(":".join(credentials).encode()).decode()
            return self.headers.get("Authorization", "") == f"Basic {expected}"

        def _send(self, status: int, payload: object,
                  extra: Mapping[str, str] | None = None) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
