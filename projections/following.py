"""Following the log live: one reader per process, and the window that coalesces events.

The library's subscription costs each follower a LISTEN connection, a thread that wakes
for every NOTIFY and a page SELECT per wake; three read models following the log in
one process read every new event three times. A `LogFeed` reads it once: one thread
LISTENs on the log's channel, reads each new page once and hands it to every read
model following through it, each from its own position.

`COALESCE_WINDOW` is how long a follower keeps gathering after the first event of a
batch arrived before it commits them together (one transaction, one NOTIFY): the one
place that trades a few milliseconds of latency for fewer wakes.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from eventsourcing.persistence import Notification
from psycopg.sql import SQL, Identifier

__all__ = ["COALESCE_WINDOW", "Behind", "Follower", "LogFeed", "gather"]

COALESCE_WINDOW = 0.005  # seconds
_PAGE = 500
_WAKE = 0.1  # seconds between looks at the log when no NOTIFY comes (and at stopping)


class Behind(Exception):
    """A follower fell so far behind the feed that it should catch up on its own."""


@dataclass(eq=False)
class Follower:
    """One read model's place in the feed: the pages handed to it, not yet read."""

    after: int  # it has been handed every event up to here
    limit: int  # more waiting than this: it is behind
    lock: threading.Lock
    pages: queue.Queue[list[Notification] | BaseException] = field(
        default_factory=queue.Queue)
    waiting: int = 0
    dropped: bool = False

    def gather(self, limit: int, *, wait: float = 0.2,
               window: float = COALESCE_WINDOW) -> list[Notification]:
        """The events of the pages that arrive within `window` of the first (at most
        about `limit`); [] when none came within `wait`. Raises what the feed put in
        (`Behind`, or the error that ended it)."""
        batch = gather(self.pages, limit, wait=wait, window=window)
        with self.lock:
            self.waiting -= len(batch)
        return batch


class LogFeed:
    """One live read of the application log for every follower of a process."""

    def __init__(self, recorder: Any) -> None:
        self._recorder = recorder
        self._lock = threading.Lock()
        self._followers: list[Follower] = []
        self._joining: list[Follower] = []
        self._thread: threading.Thread | None = None

    @contextmanager
    def follow(self, after: int, limit: int) -> Iterator[Follower]:
        """Pages of the events after `after`, in log order, until the block ends. An
        error of the feed is put in the queue (then it ends); `Behind` when more than
        `limit` events wait unread."""
        follower = Follower(after, limit, self._lock)
        with self._lock:
            self._joining.append(follower)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="log-feed",
                                                daemon=True)
                self._thread.start()
        try:
            yield follower
        finally:
            with self._lock:
                follower.dropped = True
                for followers in (self._joining, self._followers):
                    if follower in followers:
                        followers.remove(follower)

    def _run(self) -> None:
        position: int | None = None
        try:
            with self._recorder.datastore.get_connection() as conn:
                conn.execute(SQL("LISTEN {0}").format(Identifier(self._recorder.channel_name)))
                try:
                    while True:
                        with self._lock:
                            if not (self._followers or self._joining):
                                self._thread = None
                                return
                        position = self._admit(position)
                        if position is not None:
                            position = self._read_new(position)
                        _wait_for_notify(conn)
                finally:  # the connection goes back to the pool (a broken one is dropped)
                    with contextlib.suppress(psycopg.Error):
                        conn.execute("UNLISTEN *")
        except Exception as error:  # noqa: BLE001 - each follower raises it
            with self._lock:
                for follower in (*self._followers, *self._joining):
                    follower.pages.put(error)
                self._followers, self._joining = [], []
                self._thread = None

    def _admit(self, position: int | None) -> int | None:
        """Take the followers that joined; one behind the feed first gets what it missed."""
        with self._lock:
            joining, self._joining = self._joining, []
        if position is None:
            if not joining:
                return None  # the one that started the feed left again at once
            position = min(f.after for f in joining)
        for follower in joining:
            if follower.after < position:
                missed = self._recorder.select_notifications(
                    start=follower.after, stop=position, limit=10**9, inclusive_of_start=False)
                if missed:
                    self._hand(follower, list(missed))
        with self._lock:
            self._followers.extend(f for f in joining if not f.dropped)
        return position

    def _read_new(self, position: int) -> int:
        while True:
            page = self._recorder.select_notifications(start=position, limit=_PAGE,
                                                       inclusive_of_start=False)
            if page:
                position = page[-1].id
                with self._lock:
                    followers = list(self._followers)
                for follower in followers:
                    self._hand(follower, [n for n in page if n.id > follower.after])
            if len(page) < _PAGE:
                return position

    def _hand(self, follower: Follower, page: list[Notification]) -> None:
        with self._lock:
            if not page or follower.dropped:
                return
            if follower.waiting + len(page) > follower.limit:
                follower.dropped = True  # it catches up from the log itself
                follower.pages.put(Behind())
                return
            follower.waiting += len(page)
            follower.after = page[-1].id
            follower.pages.put(page)


def _wait_for_notify(conn: Any) -> None:
    """Until a NOTIFY (or `_WAKE`), then take every other NOTIFY already queued: one
    read of the log answers them all."""
    woke = any(True for _ in conn.notifies(timeout=_WAKE, stop_after=1))
    if woke:
        for _ in conn.notifies(timeout=0.0):
            pass


def gather(pages: queue.Queue[Any], limit: int, *, wait: float = 0.2,
           window: float = COALESCE_WINDOW) -> list[Notification]:
    """The events of the pages that arrive within `window` of the first (at most about
    `limit`); [] when none came within `wait`. Raises what the feed put in."""
    try:
        first = pages.get(timeout=wait)
    except queue.Empty:
        return []
    if isinstance(first, BaseException):
        raise first
    batch = list(first)
    deadline = time.monotonic() + window
    while len(batch) < limit:
        remaining = deadline - time.monotonic()
        try:
            item = pages.get(timeout=remaining) if remaining > 0 else pages.get_nowait()
        except queue.Empty:
            break
        if isinstance(item, BaseException):
            pages.put(item)  # raised on the next call, after this batch commits
            break
        batch.extend(item)
    return batch
