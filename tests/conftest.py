"""Shared fixtures: one real Postgres, NATS and Redis for the whole session.

Embedded servers by default; set CIS_DATABASE_URL / CIS_NATS_URL / CIS_REDIS_URL to
run against other servers (a fresh database is created for the session there).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.embedded.stack import embedded_stack
from adapters.logging import configure_logging
from adapters.settings import Settings
from application.services import CustomerIntelligence
from entrypoints.bootstrap import build_application, build_projector
from entrypoints.http.auth import Role, issue_token
from entrypoints.migrate import migrate
from projections.registry import READ_MODELS
from tests.databases import fresh_database


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cis")


@pytest.fixture(scope="session")
def settings(data_dir: Path) -> Iterator[Settings]:
    """Settings with every URL resolved and the schema migrated."""
    configure_logging("info")  # as in production, so tests see what it logs
    env = {
        "CIS_DATA_DIR": str(data_dir),
        "CIS_JWT_SECRET": "test-secret-" + uuid.uuid4().hex,
        "CIS_MASTER_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
        # The suite is one client address sending hundreds of bad tokens on purpose;
        # tests/api/test_http_auth.py checks the limit with a low one of its own.
        "CIS_AUTH_FAILURES_PER_MINUTE": "1000000",
    }
    for key in ("CIS_DATABASE_URL", "CIS_NATS_URL", "CIS_REDIS_URL"):
        if os.environ.get(key):
            env[key] = os.environ[key]
    if "CIS_DATABASE_URL" in env:
        env["CIS_DATABASE_URL"] = fresh_database(env["CIS_DATABASE_URL"])
    with embedded_stack(Settings.from_env(env)) as resolved:
        migrate(resolved)
        yield resolved


@pytest.fixture(scope="session")
def projectors(settings: Settings) -> Iterator[None]:
    """Every read model projected in the background, as `cis project run` does."""
    app = build_application(settings, pool_size=2 + 2 * len(READ_MODELS))
    stopping = threading.Event()
    threads = [threading.Thread(target=build_projector(settings, model, app).run,
                                args=(stopping,), daemon=True) for model in READ_MODELS]
    for thread in threads:
        thread.start()
    yield
    stopping.set()
    for thread in threads:
        thread.join(timeout=10)
    app.close()


@pytest.fixture(scope="session")
def app(settings: Settings) -> Iterator[CustomerIntelligence]:
    """The application on the session's database, for driving commands in tests."""
    application = build_application(settings, pool_size=3)
    yield application
    application.close()


@pytest.fixture(scope="session")
def bearer(settings: Settings):  # type: ignore[no-untyped-def]
    """`bearer(role, sub)` -> Authorization header for a token of that caller."""

    def make(role: Role, subject: str = "tester") -> dict[str, str]:
        token = issue_token(settings.jwt_secret, subject=subject, role=role,
                            ttl=timedelta(minutes=10))
        return {"Authorization": f"Bearer {token}"}

    return make
