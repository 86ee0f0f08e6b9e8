"""Per-customer data keys in Postgres, wrapped by a ring of master keys, cached per process.

Each row names the master key that wraps it (`master_key_id`), so a process with the
new key and the old one in its ring opens rows on both sides of a rotation
(`adapters.postgres.key_rotation`); rows from before key ids have none (see
`MasterKeyRing.unwrap`). A process caches unwrapped data keys: a rotation does not
change a data key, only its wrapping, so those stay right.

Erasure destroys the wrapped key and leaves a tombstone (subject, erased_at), so a key
is never created again for an erased customer. The cache of every process is evicted
through LISTEN/NOTIFY on the erasing transaction's commit; while the listening
connection is down, the cache is bypassed, so an erased key never outlives its row.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any
from uuid import UUID

import psycopg
import structlog
from psycopg_pool import ConnectionPool

from adapters.crypto import AESGCM, MasterKeyRing, new_data_key, open_sealed, seal
from adapters.postgres.bounded import bounded_connection, server_timeouts
from application.keys import KeyUnavailable, PersonalDataCipher, SubjectErased

__all__ = ["CREATE_KEY_TABLE", "PostgresDataKeys", "destroy_key"]

log = structlog.get_logger()

CHANNEL = "cis_data_key_erased"
CREATE_KEY_TABLE = (
    """
    CREATE TABLE IF NOT EXISTS cis_data_keys (
        subject uuid PRIMARY KEY,
        wrapped bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        erased_at timestamptz,
        master_key_id text,
        CHECK ((wrapped IS NULL) = (erased_at IS NOT NULL))
    )
    """,
    # Tables from before the key ring: their rows keep NULL (wrapped before key ids).
    # Checked first, so a migrate next to running processes takes no table lock.
    """
    DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'cis_data_keys'::regclass
                       AND attname = 'master_key_id' AND NOT attisdropped) THEN
            ALTER TABLE cis_data_keys ADD COLUMN master_key_id text;
        END IF;
    END $$
    """,
)
_ERASED = "erased"  # cache marker: known to be erased


class PostgresDataKeys(PersonalDataCipher):
    def __init__(self, database_url: str, master_keys: MasterKeyRing | bytes,
                 query_timeout: float | None = None) -> None:
        self._url = database_url
        self._ring = (master_keys if isinstance(master_keys, MasterKeyRing)
                      else MasterKeyRing.of(master_keys))
        bounded: dict[str, Any] = {} if query_timeout is None else {
            "connection_class": bounded_connection(query_timeout),
            "kwargs": server_timeouts(query_timeout)}
        self._pool: ConnectionPool[Any] = ConnectionPool(
            database_url, min_size=1, max_size=4, open=True, name="cis-data-keys",
            timeout=query_timeout or 3.0, **bounded)
        # Data keys prepared for AES-GCM (preparing costs more than opening a field).
        self._cache: dict[UUID, AESGCM | str] = {}
        self._lock = threading.Lock()
        self._listening = threading.Event()
        self._closed = threading.Event()
        self._listener = threading.Thread(target=self._listen, name="data-key-evictions",
                                          daemon=True)
        self._listener.start()
        self._listening.wait(timeout=5)

    def seal(self, subject: UUID, plaintext: bytes) -> bytes:
        return seal(self._create_key(subject), plaintext, subject.bytes)

    def open(self, subject: UUID, sealed: bytes) -> bytes | None:
        key = self._key_for(subject)
        return None if key is None else open_sealed(key, sealed, subject.bytes)

    def prefetch(self, subjects: Iterable[UUID]) -> None:
        """Load many subjects' keys in one query, so decoding a batch needs no more."""
        if not self._listening.is_set():
            return
        with self._lock:
            wanted = [s for s in set(subjects) if s not in self._cache]
        if not wanted:
            return
        with self._pool.connection() as conn:
            rows = conn.execute("SELECT subject, wrapped, master_key_id FROM cis_data_keys "
                                "WHERE subject = ANY(%s)", (wanted,)).fetchall()
        for subject, wrapped, key_id in rows:
            try:
                self._remember(subject, self._unwrap(subject, wrapped, key_id)
                               if wrapped else _ERASED)
            except KeyUnavailable:
                continue  # a hint only: opening that subject's data will say why

    def _key_for(self, subject: UUID) -> AESGCM | None:
        cached = self._cached(subject)
        if cached is not None:
            return None if cached is _ERASED else cached  # type: ignore[return-value]
        with self._pool.connection() as conn:
            row = conn.execute("SELECT wrapped, master_key_id FROM cis_data_keys "
                               "WHERE subject = %s", (subject,)).fetchone()
        if row is None:
            return None  # never created: not cached, it may be created any moment
        key = self._unwrap(subject, row[0], row[1]) if row[0] is not None else None
        self._remember(subject, key if key is not None else _ERASED)
        return key

    def _create_key(self, subject: UUID) -> AESGCM:
        existing = self._key_for(subject)
        if existing is not None:
            return existing
        key_id, wrapped = self._ring.wrap(new_data_key(), subject.bytes)
        with self._pool.connection() as conn:
            conn.execute(
                "INSERT INTO cis_data_keys (subject, wrapped, master_key_id) "
                "VALUES (%s, %s, %s) ON CONFLICT (subject) DO NOTHING",
                (subject, wrapped, key_id),
            )
        key = self._key_for(subject)  # the winner's key when two writers raced
        if key is None:
            raise SubjectErased(f"personal data of {subject} was erased")
        return key

    def erase(self, subject: UUID) -> bool:
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cursor:
            erased = destroy_key(cursor, subject)
        self._remember(subject, _ERASED)
        return bool(erased)

    def close(self) -> None:
        self._closed.set()
        self._listener.join(timeout=2)
        self._pool.close()

    def _cached(self, subject: UUID) -> AESGCM | str | None:
        if not self._listening.is_set():
            return None
        with self._lock:
            return self._cache.get(subject)

    def _remember(self, subject: UUID, key: AESGCM | str) -> None:
        if self._listening.is_set():
            with self._lock:
                self._cache[subject] = key

    def _unwrap(self, subject: UUID, wrapped: bytes, key_id: str | None) -> AESGCM:
        try:
            return AESGCM(self._ring.unwrap(key_id, bytes(wrapped), subject.bytes))
        except KeyUnavailable as unavailable:
            raise KeyUnavailable(f"the data key of {subject}: {unavailable}") from None

    def _listen(self) -> None:
        while not self._closed.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._listening.set()
                    while not self._closed.is_set():
                        for notify in conn.notifies(timeout=0.5, stop_after=64):
                            self._evict(UUID(hex=notify.payload))
            except psycopg.Error as error:
                log.warning("data key listener lost its connection", error=type(error).__name__)
            finally:
                # Without the listener we would miss evictions: stop trusting the cache.
                self._listening.clear()
                with self._lock:
                    self._cache.clear()
            self._closed.wait(1.0)

    def _evict(self, subject: UUID) -> None:
        with self._lock:
            self._cache[subject] = _ERASED


def destroy_key(cursor: psycopg.Cursor[Any], subject: UUID) -> int:
    """Destroy the subject's key (leaving a tombstone) and tell every process, in the
    cursor's transaction: also the one writing the erasure event, so both or neither."""
    erased = cursor.execute(
        "INSERT INTO cis_data_keys (subject, wrapped, erased_at) VALUES (%s, NULL, now()) "
        "ON CONFLICT (subject) DO UPDATE SET wrapped = NULL, master_key_id = NULL, "
        "erased_at = now() "
        "WHERE cis_data_keys.erased_at IS NULL",
        (subject,),
    ).rowcount
    cursor.execute("SELECT pg_notify(%s, %s)", (CHANNEL, subject.hex))
    return erased
