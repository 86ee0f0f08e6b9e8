"""After restoring the key table from a backup: destroy again the keys the log says are gone.

A key backup taken before an erasure still holds that customer's data key, and one
taken before a legal hold ended still holds the hold key that seals the books' fields
(name, street). The log is the record of both (`PersonalDataErased`, `LegalHoldEnded`),
so after a restore each such key is destroyed again, with its tombstone and the
eviction every process listens for (`destroy_key`), in batches of short transactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import psycopg
from eventsourcing.utils import get_topic
from psycopg import sql

from adapters.postgres.keys import destroy_key
from domain.customer import hold_subject_of
from domain.events import LegalHoldEnded, PersonalDataErased

__all__ = ["DestroyedAgain", "erase_restored_keys"]

_BATCH = 500


@dataclass(frozen=True, slots=True)
class DestroyedAgain:
    erased: int  # data keys of customers the log says were erased
    holds_ended: int  # hold keys of holds the log says have ended


def erase_restored_keys(database_url: str, events_table: str = "cis_events") -> DestroyedAgain:
    """Destroy every live data key whose subject's log holds an erasure, and every live
    hold key whose customer's log holds the hold's end."""
    events = sql.Identifier(events_table)
    find = sql.SQL(
        "SELECT k.subject FROM cis_data_keys AS k WHERE k.wrapped IS NOT NULL AND EXISTS "
        "(SELECT 1 FROM {events} AS e WHERE e.originator_id = k.subject AND e.topic = %s) "
        "ORDER BY k.subject LIMIT %s FOR UPDATE OF k SKIP LOCKED").format(events=events)
    erased = 0
    with psycopg.connect(database_url, autocommit=True) as conn:
        while True:
            with conn.transaction(), conn.cursor() as cursor:
                subjects = [row[0] for row in cursor.execute(
                    find, (get_topic(PersonalDataErased), _BATCH)).fetchall()]
                for subject in subjects:
                    erased += destroy_key(cursor, subject)
            if not subjects:
                break
        # A hold key's subject is derived from its customer (`hold_subject_of`), so the
        # customers whose hold ended name them.
        ended = [hold_subject_of(row[0]) for row in conn.execute(
            sql.SQL("SELECT DISTINCT originator_id FROM {events} WHERE topic = %s")
            .format(events=events), (get_topic(LegalHoldEnded),))]
        return DestroyedAgain(erased, _destroy_live(conn, ended))


def _destroy_live(conn: psycopg.Connection[tuple[UUID]], subjects: list[UUID]) -> int:
    destroyed = 0
    for start in range(0, len(subjects), _BATCH):
        with conn.transaction(), conn.cursor() as cursor:
            live = [row[0] for row in cursor.execute(
                "SELECT subject FROM cis_data_keys WHERE wrapped IS NOT NULL "
                "AND subject = ANY(%s) FOR UPDATE SKIP LOCKED",
                (subjects[start:start + _BATCH],)).fetchall()]
            for subject in live:
                destroyed += destroy_key(cursor, subject)
    return destroyed
