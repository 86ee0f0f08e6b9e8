"""The library's Postgres application recorder, reading pages of the log faster.

Catching up a read model reads the whole log page by page. The library's
`select_notifications` asks for dictionary rows in text format and builds each
`Notification` through its frozen-dataclass constructor: about 12 µs an event here,
more than decoding it. This recorder asks for the same rows as tuples in binary format
and fills each `Notification` the way the library's mapper fills domain events, which
brings a page to ≈ 3 µs an event. The LISTEN/NOTIFY subscriptions (which call this
method) are the library's own, which also look once a second.

Writing is the library's too, with three additions in its transaction, passed the way
the library passes a process application's tracking record (keyword arguments of
`save`, read in `_insert_events`): the answer of the command under an idempotency claim
(`current_claim`), so the events land only with it; a data key to destroy with the
erasure event (`destroy_key`); a legal hold to record with it (`record_hold`) or to
close with the hold's end (`end_hold`); and the id the command reports (`answer_id`). A write
is never retried here: after a lost COMMIT a retry cannot know whether the first landed.

Writers do not lock the table (ADR 0006): the library's `LOCK TABLE ... IN EXCLUSIVE
MODE` made every write wait for the one before it to commit. Readers instead never
read past a position that is not resolved (`adapters.postgres.log_fence`):
`select_notifications`, which the library's subscriptions call, and
`max_notification_id`, the head bounded readers read to. The NOTIFY leaves the
writer's transaction too (`adapters.postgres.commit_notifier`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    ApplicationRecorder,
    DatabaseError,
    Notification,
    StoredEvent,
    Subscription,
)
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresSubscription,
)
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Composed, Identifier

from adapters.metrics.series import count_appended
from adapters.postgres.commit_notifier import CommitNotifier
from adapters.postgres.holds import close_hold, record_hold
from adapters.postgres.idempotency import CLAIM_LOST, current_claim, record_claimed_write
from adapters.postgres.keys import destroy_key
from adapters.postgres.log_fence import LogFence, fence_statements
from application.services import LegalHold

__all__ = ["ClaimLost", "PagedApplicationRecorder"]

# The library's write, without its retry decorator.
_library_insert_events = PostgresApplicationRecorder.insert_events.__wrapped__
_WIDE_SCAN = 1_000  # positions a filtered page looks at for holes, at least
_POLL_SECONDS = 1.0  # a subscription looks without a NOTIFY this often (a lost one)


class ClaimLost(Exception):
    """The command's idempotency claim was given up or taken over: nothing was written."""


class PagedApplicationRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *,
                 events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.sql_create_statements.extend(fence_statements(datastore.schema,
                                                           events_table_name))
        self._fence = LogFence(datastore.schema, events_table_name)
        pool = datastore.pool
        if not isinstance(pool.kwargs, dict):
            raise TypeError("the library's pool keeps its connection kwargs in a dict")
        self._notifier = CommitNotifier(pool.kwargs, self.channel_name, lambda: pool.closed)

    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        try:
            ids: Sequence[int] | None = _library_insert_events(self, stored_events, **kwargs)
        except DatabaseError as error:
            if getattr(error.__cause__, "sqlstate", None) == CLAIM_LOST:
                raise ClaimLost(str(error)) from None
            raise
        if stored_events:
            self._notifier.committed()
        count_appended(stored_events)  # committed: /metrics counts them by class
        return ids

    def _lock_table(self, curs: psycopg.Cursor[DictRow]) -> None:
        """No table lock: readers are fenced instead (see the module's docstring)."""

    def _notify_channel(self, curs: psycopg.Cursor[DictRow]) -> None:
        """Not in the transaction: `insert_events` announces the commit."""

    def subscribe(self, gt: int | None = None,
                  topics: Sequence[str] = ()) -> Subscription[ApplicationRecorder]:
        return _PollingSubscription(recorder=self, gt=gt, topics=topics)

    def max_notification_id(self) -> int | None:
        """The last event of the resolved log: every position up to it is resolved."""
        with self.datastore.get_connection() as conn:
            handed_out = self._fence.fence(conn)
            row = conn.execute(SQL("SELECT max(notification_id) AS head FROM {}.{} "
                                   "WHERE notification_id <= %s").format(
                Identifier(self.datastore.schema), Identifier(self.events_table_name)),
                (handed_out,)).fetchone()
        return None if row is None else row["head"]

    def _insert_events(self, curs: psycopg.Cursor[DictRow],
                       stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        subject: UUID | None = kwargs.get("destroy_key")
        if subject is not None:
            destroy_key(curs, subject)
        hold: LegalHold | None = kwargs.get("record_hold")
        if hold is not None:
            record_hold(curs, hold)
        ended: UUID | None = kwargs.get("end_hold")
        if ended is not None:
            close_hold(curs, ended)

    def _fetch_ids_after_insert_events(self, curs: psycopg.Cursor[DictRow],
                                       stored_events: Sequence[StoredEvent],
                                       **kwargs: Any) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        claim = current_claim.get()
        if claim is not None and ids:
            last = stored_events[-1]
            answer_id = kwargs.get("answer_id") or last.originator_id
            if not isinstance(answer_id, UUID):
                raise TypeError(f"answer_id must be a UUID, not {type(answer_id).__name__}")
            record_claimed_write(curs, claim, answer_id, last.originator_version, ids[-1])
        return ids

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
        where: tuple[str, list[Any]] | None = None,
    ) -> Sequence[Notification]:
        """The library's page of the log, never past an unresolved position (a hole in
        the positions that a transaction still running may fill); `where` adds a
        condition (SQL, parameters)."""
        after = 0 if start is None else start - 1 if inclusive_of_start else start
        filtered = bool(topics or where)
        scan = max(limit, _WIDE_SCAN) if filtered else limit
        page: list[Notification] = []
        fenced_to_stop = False
        with self.datastore.get_connection() as conn, \
                conn.cursor(binary=True, row_factory=tuple_row) as curs:
            while True:
                base = max(after, self._fence.resolved)
                statement, params = self._page_query(after, base, scan, limit - len(page),
                                                     stop, topics, where)
                rows = curs.execute(statement, params, prepare=True).fetchall()
                head, scanned, hole = rows[0][0], rows[0][1], rows[0][2]
                page.extend(_notification(row[3:]) for row in rows if row[3] is not None)
                if base == self._fence.resolved:
                    self._fence.raise_to(head)  # a run without holes after a resolved one
                if len(page) >= limit or (stop is not None and head >= stop):
                    return page
                after = max(after, head)
                if hole or (filtered and scanned == scan):
                    # A later event is visible: wait, never skip. Or a filtered read
                    # would walk the log a window at a time: one fence resolves it all.
                    self._fence.fence(conn)
                elif scanned < scan and (stop is None or fenced_to_stop
                                         or self._fence.resolved >= stop):
                    return page  # the end of what is committed
                elif scanned < scan:
                    # Asked to read to `stop`: all of it, unless nothing was handed out
                    # past `head` (then there is nothing more to wait for).
                    if self._fence.handed_out(conn) <= head:
                        return page
                    self._fence.fence(conn)
                    fenced_to_stop = True

    def _page_query(self, after: int, base: int, scan: int, limit: int, stop: int | None,
                    topics: Sequence[str], where: tuple[str, list[Any]] | None,
                    ) -> tuple[Composed, list[Any]]:
        """One statement, one snapshot: the run of positions without a hole after `base`
        (resolved) up to `head`, whether a hole ends it, and the page up to `head`."""
        conditions = [SQL("notification_id > %s"), SQL("notification_id <= head.h")]
        params: list[Any] = [base, scan, base, base, base, after]
        if stop is not None:
            conditions.append(SQL("notification_id <= %s"))
            params.append(stop)
        if topics:
            conditions.append(SQL("topic = ANY(%s)"))
            params.append(list(topics))
        if where is not None:
            conditions.append(SQL(where[0]))
            params.extend(where[1])
        table = SQL("{}.{}").format(Identifier(self.datastore.schema),
                                    Identifier(self.events_table_name))
        statement = SQL(
            "WITH run AS (SELECT notification_id, row_number() OVER (ORDER BY notification_id)"
            " AS n FROM (SELECT notification_id FROM {table} WHERE notification_id > %s"
            " ORDER BY notification_id LIMIT %s) r),"
            " head AS (SELECT coalesce(max(notification_id) FILTER"
            " (WHERE notification_id - n = %s), %s::bigint) AS h, count(*) AS scanned,"
            " coalesce(bool_or(notification_id - n <> %s), false) AS hole FROM run)"
            " SELECT head.h, head.scanned, head.hole, e.* FROM head LEFT JOIN LATERAL"
            " (SELECT notification_id, originator_id, originator_version, topic, state"
            " FROM {table} WHERE {conditions} ORDER BY notification_id LIMIT %s) e ON true"
        ).format(table=table, conditions=SQL(" AND ").join(conditions))
        return statement, [*params, limit]


class _PollingSubscription(PostgresSubscription):
    """The library's LISTEN/NOTIFY subscription that also looks every `_POLL_SECONDS`:
    a NOTIFY sent after the commit can be lost with its process."""

    def _listen(self) -> None:
        try:
            with self._recorder.datastore.get_connection() as conn:
                conn.execute(SQL("LISTEN {0}").format(Identifier(self._recorder.channel_name)))
                quiet = 0.0
                while not self._has_been_stopped and not self._thread_error:
                    woken = False
                    for _ in conn.notifies(timeout=0.1, stop_after=1):
                        woken = True
                    quiet = 0.0 if woken else quiet + 0.1
                    if woken or quiet >= _POLL_SECONDS:
                        quiet = 0.0
                        self._has_been_notified.set()
        except BaseException as e:  # noqa: BLE001 - the library's own handling
            if self._thread_error is None:
                self._thread_error = e
            self.stop()


def _notification(row: tuple[int, Any, int, str, bytes]) -> Notification:
    notification = object.__new__(Notification)
    object.__setattr__(notification, "__dict__", {
        "id": row[0], "originator_id": row[1], "originator_version": row[2],
        "topic": row[3], "state": row[4],
    })
    return notification
