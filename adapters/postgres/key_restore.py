"""After restoring the key table from a backup: destroy again the keys the log says were erased.

A key backup taken before an erasure still holds that customer's data key. The log
is the record of every erasure (`PersonalDataErased`), so after a restore each key
whose customer has one is destroyed again, with its tombstone and the eviction every
process listens for (`destroy_key`), in batches of short transactions.
"""

from __future__ import annotations

import psycopg
from eventsourcing.utils import get_topic
from psycopg import sql

from adapters.postgres.keys import destroy_key
from domain.events import PersonalDataErased

__all__ = ["erase_restored_keys"]

_BATCH = 500


def erase_restored_keys(database_url: str, events_table: str = "cis_events") -> int:
    """Destroy every live data key whose subject's log holds an erasure; how many."""
    find = sql.SQL(
        "SELECT k.subject FROM cis_data_keys AS k WHERE k.wrapped IS NOT NULL AND EXISTS "
        "(SELECT 1 FROM {events} AS e WHERE e.originator_id = k.subject AND e.topic = %s) "
        "ORDER BY k.subject LIMIT %s FOR UPDATE OF k SKIP LOCKED"
    ).format(events=sql.Identifier(events_table))
    destroyed = 0
    with psycopg.connect(database_url, autocommit=True) as conn:
        while True:
            with conn.transaction(), conn.cursor() as cursor:
                subjects = [row[0] for row in cursor.execute(
                    find, (get_topic(PersonalDataErased), _BATCH)).fetchall()]
                for subject in subjects:
                    destroyed += destroy_key(cursor, subject)
            if not subjects:
                return destroyed
