"""The library's Postgres application recorder, reading pages of the log faster.

Catching up a read model reads the whole log page by page. The library's
`select_notifications` asks for dictionary rows in text format and builds each
`Notification` through its frozen-dataclass constructor: about 12 µs an event here,
more than decoding it. This recorder asks for the same rows as tuples in binary format
and fills each `Notification` the way the library's mapper fills domain events, which
brings a page to ≈ 3 µs an event. Reading otherwise, locking and LISTEN/NOTIFY
subscriptions (which call this method) are the library's own.

Writing is the library's too, with three additions in its transaction, passed the way
the library passes a process application's tracking record (keyword arguments of
`save`, read in `_insert_events`): the answer of the command under an idempotency claim
(`current_claim`), so the events land only with it; a data key to destroy with the
erasure event (`destroy_key`); a legal hold to record with it (`record_hold`) or to
close with the hold's end (`end_hold`); and the id the command reports (`answer_id`). A write
is never retried here: after a lost COMMIT a retry cannot know whether the first landed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import DatabaseError, Notification, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Composed, Identifier

from adapters.metrics.series import count_appended
from adapters.postgres.holds import close_hold, record_hold
from adapters.postgres.idempotency import CLAIM_LOST, current_claim, record_claimed_write
from adapters.postgres.keys import destroy_key
from application.services import LegalHold

__all__ = ["ClaimLost", "PagedApplicationRecorder"]

# The library's write, without its retry decorator.
_library_insert_events = PostgresApplicationRecorder.insert_events.__wrapped__


class ClaimLost(Exception):
    """The command's idempotency claim was given up or taken over: nothing was written."""


class PagedApplicationRecorder(PostgresApplicationRecorder):
    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        try:
            ids: Sequence[int] | None = _library_insert_events(self, stored_events, **kwargs)
        except DatabaseError as error:
            if getattr(error.__cause__, "sqlstate", None) == CLAIM_LOST:
                raise ClaimLost(str(error)) from None
            raise
        count_appended(stored_events)  # committed: /metrics counts them by class
        return ids

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
        """The library's page of the log; `where` adds a condition (SQL, parameters)."""
        statement, params = self._page_query(start, limit, stop, topics, inclusive_of_start,
                                             where)
        with self.datastore.get_connection() as conn, \
                conn.cursor(binary=True, row_factory=tuple_row) as curs:
            curs.execute(statement, params, prepare=True)
            return [_notification(row) for row in curs.fetchall()]

    def _page_query(self, start: int | None, limit: int, stop: int | None,
                    topics: Sequence[str], inclusive_of_start: bool,
                    where: tuple[str, list[Any]] | None) -> tuple[Composed, list[Any]]:
        conditions: list[SQL] = []
        params: list[Any] = []
        if start is not None:
            conditions.append(SQL("notification_id >= %s" if inclusive_of_start
                                  else "notification_id > %s"))
            params.append(start)
        if stop is not None:
            conditions.append(SQL("notification_id <= %s"))
            params.append(stop)
        if topics:
            conditions.append(SQL("topic = ANY(%s)"))
            params.append(list(topics))
        if where is not None:
            conditions.append(SQL(where[0]))
            params.extend(where[1])
        clause = SQL(" WHERE ") + SQL(" AND ").join(conditions) if conditions else SQL("")
        statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {schema}.{table}{where} ORDER BY notification_id LIMIT %s"
        ).format(schema=Identifier(self.datastore.schema),
                 table=Identifier(self.events_table_name), where=clause)
        return statement, [*params, limit]


def _notification(row: tuple[int, Any, int, str, bytes]) -> Notification:
    notification = object.__new__(Notification)
    object.__setattr__(notification, "__dict__", {
        "id": row[0], "originator_id": row[1], "originator_version": row[2],
        "topic": row[3], "state": row[4],
    })
    return notification
