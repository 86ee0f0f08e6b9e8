"""What a read model is: tables in a schema of its own, filled batch by batch from the log.

After the library's materialised views (a `TrackingRecorder` subclass that writes a
view's rows and its tracking record in one transaction), with one split: a read
model's writes are synchronous (the projector) and its queries async (the query API).
So each read model unit (`projections/<name>`) holds a `ReadModel` (its schema and
batch apply) and its `...Queries`; `ReadModelRecorder` is the tracking recorder
subclass whose `batch` writes a batch's rows and position together.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.persistence import Notification, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

__all__ = ["PositionMoved", "Positioned", "ReadModel", "ReadModelRecorder", "originator_of",
           "schema_of"]

Positioned = tuple[Any, int]  # a domain event and its position (notification id) in the log


def originator_of(notification: Notification) -> UUID:
    """The notification's aggregate id (the library types it `UUID | str`; ours are UUIDs)."""
    originator = notification.originator_id
    return originator if isinstance(originator, UUID) else UUID(originator)


def schema_of(name: str, *, rebuild: bool = False) -> str:
    """Each read model lives in schema `rm_<name>`; a rebuild fills `rm_<name>_next`."""
    return f"rm_{name}_next" if rebuild else f"rm_{name}"


class ReadModel(ABC):
    """A projection's tables and how one batch of events changes them.

    `apply` runs inside the runner's transaction, which also records the position of
    the batch's last event: rows and position commit together or not at all.
    """

    name: ClassVar[str]
    tables: ClassVar[Sequence[str]]  # CREATE statements; `{schema}` is filled in
    # A read model that stores personal data gets each personal field as `Sealed`
    # (the event's ciphertext, to store as it is, and its blind-index terms); any other
    # sees each as `Personal(subject, None)`, as if erased. None gets one in clear.
    stores_personal_data: ClassVar[bool] = False
    # True when every row belongs to one customer (or to one customer's sale or test
    # drive): a rebuild may then split the log by customer across processes.
    partitioned_by_customer: ClassVar[bool] = False

    def create_statements(self, schema: str) -> list[str]:
        return [statement.format(schema=schema) for statement in self.tables]

    @abstractmethod
    def apply(self, curs: Cursor[Any], schema: str, events: Sequence[Positioned]) -> None:
        """Change the tables for these events (in log order)."""


class PositionMoved(Exception):
    """Another writer (a rebuild swapping tables in) moved this read model's position."""


class ReadModelRecorder(PostgresTrackingRecorder):
    """A read model's tracking table (in the read model's schema): the one writer of
    its positions, always in the transaction that writes the rows they stand for."""

    @contextmanager
    def batch(self, tracking: Tracking, *, expected: int) -> Iterator[Cursor[DictRow]]:
        """One transaction: check that `tracking`'s row still says `expected` (and keep
        it locked), let the caller write the batch's rows, then record `tracking`.

        Raises `PositionMoved` when someone else moved the position, and the library's
        `IntegrityError` when the tracking guard refuses (a later position recorded).
        """
        with self.datastore.transaction(commit=True) as curs:
            # Rows and position are derived from the log, and commit together: if the
            # server crashes before this commit reaches the disk, both are lost and the
            # batch is projected again. So no WAL flush is waited for (nor paid) here.
            curs.execute("SET LOCAL synchronous_commit = off", prepare=False)
            self._check_position_unmoved(curs, tracking.application_name, expected)
            yield curs
            self._insert_tracking(curs, tracking)

    def _check_position_unmoved(self, curs: Cursor[DictRow], name: str, expected: int) -> None:
        """Lock the tracking row and check it still says where the runner left off.

        Anyone else who moved it (a second process, a rebuild swapped in) would make
        this batch apply events twice or skip some: stop and re-read instead. Asked
        twice: if a rebuild renamed the schemas while we waited for the lock, the first
        answer comes from the old tables and only the second from the new ones.
        """
        query = SQL("SELECT notification_id FROM {} WHERE application_name = %s "
                    "FOR UPDATE").format(Identifier(self.datastore.schema,
                                                    self.tracking_table_name))
        for _ in range(2):
            row = curs.execute(query, (name,), prepare=False).fetchone()
            current = int(row["notification_id"]) if row else 0
            if current != expected:
                raise PositionMoved(f"{self.tracking_table_name.removesuffix('_tracking')} "
                                    f"is at {current}, not {expected}")
