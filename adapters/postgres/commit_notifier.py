"""The NOTIFY that wakes the log's readers, sent after the writer's commit, not inside it.

A NOTIFY inside a transaction takes a lock for the whole database at its commit and
holds it through the commit's WAL flush: every writing transaction would commit one
at a time again (ADR 0006). Here a writer only marks that it committed; a thread of
the process sends one NOTIFY for all the commits marked since its last, on a
connection of its own whose commits do not wait for the flush (a NOTIFY lost in a
crash wakes nobody, the event is durable anyway; readers also look every second).
"""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import structlog
from psycopg.sql import SQL, Identifier

__all__ = ["CommitNotifier"]

log = structlog.get_logger()

_CHECK_CLOSED_EVERY = 1.0  # seconds: how soon the thread notices its datastore closed
_RETRY_AFTER = 0.5  # seconds, after the connection failed


class CommitNotifier:
    def __init__(self, connect_kwargs: dict[str, Any], channel: str,
                 closed: Any) -> None:
        """`closed()` is true once the recorder's datastore is closed: the thread ends."""
        self._kwargs = {k: v for k, v in connect_kwargs.items() if k != "row_factory"}
        self._statement = SQL("NOTIFY {}").format(Identifier(channel))
        self._closed = closed
        self._due = threading.Event()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def committed(self) -> None:
        """A writer of this process committed events: readers will be woken."""
        self._due.set()
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, daemon=True,
                                                    name="commit-notifier")
                    self._thread.start()

    def _run(self) -> None:
        conn: psycopg.Connection[Any] | None = None
        try:
            while not self._closed():
                if not self._due.wait(_CHECK_CLOSED_EVERY):
                    continue
                self._due.clear()
                try:
                    conn = conn if conn is not None and not conn.closed else self._connect()
                    conn.execute(self._statement)
                except psycopg.Error as error:
                    log.warning("commit_notify_failed", error=str(error))
                    if conn is not None:
                        conn.close()
                    conn = None
                    self._due.set()  # the commits are still unannounced
                    threading.Event().wait(_RETRY_AFTER)
        finally:
            if conn is not None:
                conn.close()

    def _connect(self) -> psycopg.Connection[Any]:
        conn = psycopg.connect(**self._kwargs, autocommit=True)
        conn.execute("SET synchronous_commit = off")
        return conn
