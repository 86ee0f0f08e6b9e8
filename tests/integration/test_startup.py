"""Starting a process: production refuses generated secrets, and a server that does not
answer is named within the start-up bound (exit 2), never waited on forever."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.embedded.process import free_port
from adapters.settings import Settings

# What the test allows a refusing process before calling it a hang (not a timing check:
# the process is told CIS_STARTUP_TIMEOUT=2).
HANG = 60

SECRETS = {
    "CIS_JWT_SECRET": "j" * 40,
    "CIS_MASTER_KEY": bytes(range(32)).hex(),
    "CIS_AUDIT_SIGNING_KEY": base64.b64encode(bytes(32)).decode(),
    "CIS_BLIND_INDEX_KEY": bytes(range(32, 64)).hex(),
}


def _cis(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CIS_")}
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", *args],
                          env={**clean, **env}, capture_output=True, text=True,
                          timeout=HANG, check=False)


def _last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


@pytest.mark.parametrize("missing", ["CIS_JWT_SECRET", "CIS_MASTER_KEY"])
def test_production_refuses_to_start_without_a_secret_and_generates_none(
    settings: Settings, tmp_path: Path, missing: str
) -> None:
    env = {**settings.as_env(), **SECRETS, "CIS_DATA_DIR": str(tmp_path),
           "CIS_ENV": "production"}
    del env[missing]

    started = _cis(["api", "command"], env)

    assert started.returncode == 2
    assert f"CIS_ENV=production needs {missing}" in started.stderr
    assert "Traceback" not in started.stderr
    assert not (tmp_path / "secrets").exists(), "no secret generated in production"


def test_production_with_every_secret_reads_them_and_development_still_generates(
    tmp_path: Path
) -> None:
    production = Settings.from_env({**SECRETS, "CIS_DATA_DIR": str(tmp_path),
                                    "CIS_ENV": "production"})
    assert production.production and production.master_key == SECRETS["CIS_MASTER_KEY"]
    assert not (tmp_path / "secrets").exists()

    development = Settings.from_env({"CIS_DATA_DIR": str(tmp_path)})
    assert not development.production
    assert (tmp_path / "secrets" / "master_key").read_text() == development.master_key


def test_an_unknown_environment_name_is_refused(tmp_path: Path) -> None:
    started = _cis(["token", "--role", "admin", "--sub", "x"],
                   {"CIS_DATA_DIR": str(tmp_path), "CIS_ENV": "prod"})
    assert started.returncode == 2
    assert "CIS_ENV must be development or production, not 'prod'" in started.stderr


def test_an_unreachable_postgres_is_named_within_the_start_up_bound(
    settings: Settings, tmp_path: Path
) -> None:
    port = free_port()  # nobody listens there
    env = {**settings.as_env(), "CIS_DATA_DIR": str(tmp_path), "CIS_STARTUP_TIMEOUT": "2",
           "CIS_DATABASE_URL": f"postgresql://cis:secret-pw@127.0.0.1:{port}/cis"}

    for command in (["relay"], ["project", "run", "customers"], ["api", "query"]):
        started = _cis(command, env)

        assert started.returncode == 2, command
        assert _last_line(started.stderr).startswith(
            f"cis: Postgres unreachable at 127.0.0.1:{port} (CIS_DATABASE_URL) for 2 s "
            "(CIS_STARTUP_TIMEOUT)"), started.stderr
        assert "secret-pw" not in started.stderr + started.stdout
        assert "Traceback" not in started.stderr


def test_an_unreachable_nats_is_named_within_the_start_up_bound(
    settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    env = {**settings.as_env(), "CIS_DATA_DIR": str(tmp_path), "CIS_STARTUP_TIMEOUT": "2",
           "CIS_NATS_URL": f"nats://127.0.0.1:{port}"}

    for command in (["relay"], ["consume", "scoring"]):
        started = _cis(command, env)

        assert started.returncode == 2, command
        assert _last_line(started.stderr).startswith(
            f"cis: NATS unreachable at 127.0.0.1:{port} (CIS_NATS_URL) for 2 s"), started.stderr
        assert "Traceback" not in started.stderr
