"""A Postgres primary and a real streaming replica of it, from the embedded binaries.

The primary is a fresh embedded server (its own data dir, a free loopback port); the
replica is `pg_basebackup -R` of it (which writes `standby.signal` and
`primary_conninfo`), started as a hot standby on a port of its own. `initdb` already
allows replication from loopback and `wal_level=replica` is the default, so the primary
needs nothing more. Every step is bounded in time.
"""

from __future__ import annotations

import os
import pwd
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from adapters.embedded.postgres import DATABASE, POSTGRES_BIN_PATH, start_postgres
from adapters.embedded.process import ServerProcess, as_user, free_port

__all__ = ["StreamingReplica", "streaming_replica"]

HOST = "127.0.0.1"
STEP_TIMEOUT = 60.0  # seconds for any one step: a base backup, a start, a replay


class StreamingReplica:
    """The replica of `primary_url`; it can be stopped and started again (same port)."""

    def __init__(self, primary_url: str, pgdata: Path, log_dir: Path, user: str | None) -> None:
        self.primary_url = primary_url
        self._pgdata, self._log, self._user = pgdata, log_dir / "replica.log", user
        self.port = free_port(HOST)
        self.url = f"postgresql://postgres@{HOST}:{self.port}/{DATABASE}"
        self._server: ServerProcess | None = None

    def base_backup(self) -> None:
        primary = psycopg.conninfo.conninfo_to_dict(self.primary_url)
        subprocess.run(
            [str(POSTGRES_BIN_PATH / "pg_basebackup"), "-h", HOST, "-p", str(primary["port"]),
             "-U", "postgres", "-D", str(self._pgdata), "-R", "-X", "stream",
             "--checkpoint=fast"],
            check=True, capture_output=True, timeout=STEP_TIMEOUT, **as_user(self._user))

    def start(self) -> None:
        self._server = ServerProcess(
            "postgres-replica",
            [str(POSTGRES_BIN_PATH / "postgres"), "-D", str(self._pgdata),
             "-c", f"listen_addresses={HOST}", "-c", f"port={self.port}",
             "-c", f"unix_socket_directories={self._pgdata}",
             # A standby needs at least the primary's max_connections.
             "-c", "max_connections=300", "-c", "hot_standby=on",
             # Fewer of our reads cancelled for replay's sake (vacuum of rows they see).
             "-c", "hot_standby_feedback=on"],
            self._log, stop_signal=signal.SIGINT, user=self._user)
        self._wait_ready()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    @contextmanager
    def stopped(self) -> Iterator[None]:
        """The replica down for the block, then up again and caught up."""
        self.stop()
        try:
            yield
        finally:
            self.start()
            self.wait_replayed()

    def wait_replayed(self) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        with psycopg.connect(self.primary_url, autocommit=True) as conn:
            lsn = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]  # type: ignore[index]
        deadline = time.monotonic() + STEP_TIMEOUT
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
                                   (lsn,)).fetchone()[0]:  # type: ignore[index]
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the replica did not replay up to {lsn} in time")
                time.sleep(0.02)

    def pause_replay(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")

    def _wait_ready(self) -> None:
        assert self._server is not None
        deadline = time.monotonic() + STEP_TIMEOUT
        while True:
            if self._server.process.poll() is not None:
                raise RuntimeError(f"the replica exited at start; see {self._log}")
            try:
                with psycopg.connect(self.url, connect_timeout=2, autocommit=True) as conn:
                    if conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:  # type: ignore[index]
                        return
                    raise RuntimeError("the replica is not in recovery (no standby.signal?)")
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)


@contextmanager
def streaming_replica(base: Path) -> Iterator[StreamingReplica]:
    """A fresh primary under `base/primary` and its running replica under `base/replica`;
    the primary's URL is `replica.primary_url`. Both stop on exit."""
    primary, primary_url = start_postgres(base / "primary", HOST)
    try:
        user = _owner(base / "primary" / "postgres")
        pgdata = base / "replica" / "postgres"
        _empty_dir_for(pgdata, user)
        replica = StreamingReplica(primary_url, pgdata, base / "replica" / "logs", user)
        replica.base_backup()
        replica.start()
        try:
            yield replica
        finally:
            replica.stop()
    finally:
        primary.stop()


def _owner(path: Path) -> str | None:
    """The user the embedded server runs as (None: ourselves)."""
    uid = path.stat().st_uid
    return None if uid == os.geteuid() else pwd.getpwuid(uid).pw_name


def _empty_dir_for(pgdata: Path, user: str | None) -> None:
    pgdata.mkdir(parents=True, mode=0o700)
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(pgdata, entry.pw_uid, entry.pw_gid)
        for parent in pgdata.parents:  # the server user must reach its data dir
            mode = parent.stat().st_mode
            if not mode & 0o001:
                parent.chmod(mode | 0o001)
