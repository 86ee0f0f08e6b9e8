"""compose.yaml describes processes that exist: each command of our image is one `cis`
parses, each CIS_* variable one that Settings reads, each file it mounts is in the
repository, and Prometheus scrapes every CIS process it starts."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from adapters.settings import Settings
from entrypoints.cli import _parser

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
IMAGE = "cis:latest"


def _services() -> dict[str, dict[str, Any]]:
    return dict(yaml.safe_load(COMPOSE.read_text())["services"])


def _ours() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in _services().items() if s.get("image") == IMAGE}


def _compose_variables() -> set[str]:
    return {key for service in _ours().values() for key in service.get("environment", {})
            if key.startswith("CIS_")}


class _Recording(dict[str, str]):
    """An environment that notes every name it is asked for."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(CIS_DATA_DIR=str(data_dir))
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return super().__getitem__(key)


@pytest.fixture(scope="module")
def read_by_settings(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    env = _Recording(tmp_path_factory.mktemp("settings"))
    Settings.from_env(env)
    return env.asked


def test_the_layout_is_the_production_like_one() -> None:
    commands = [tuple(s["command"]) for s in _ours().values()]
    assert commands.count(("api", "command")) == 2
    assert commands.count(("api", "query")) == 2
    for worker in (("relay",), ("consume", "scoring"), ("consume", "notifications"),
                   ("project", "run", "customers"), ("project", "run", "journeys"),
                   ("project", "run", "dashboards")):
        assert commands.count(worker) == 2, f"{worker}: one process and its standby"
    assert commands.count(("migrate",)) == 1
    assert commands.count(("dsg", "retention", "--daily")) == 1
    assert commands.count(("score", "refresh", "--daily", "--by", "cis-compose")) == 1
    images = {s.get("image", "").split(":")[0] for s in _services().values()}
    assert {"postgres", "nats", "redis", "caddy", "prom/prometheus",
            "grafana/grafana"} <= images
    nats = [s for s in _services().values() if s.get("image", "").startswith("nats:")]
    assert len(nats) == 3 and all("--cluster" in s["command"] for s in nats)
    assert all(s["environment"]["CIS_NATS_REPLICAS"] == "3" for s in _ours().values())


@pytest.mark.parametrize("name", sorted(_ours()))
def test_every_command_of_our_image_is_a_cis_command(name: str) -> None:
    command = _ours()[name]["command"]
    args = _parser().parse_args(command)  # exits (fails the test) on an unknown command
    assert args.command == command[0]


def _variables() -> Iterator[Any]:
    for name in sorted(_compose_variables()):
        yield pytest.param(name, id=name)


@pytest.mark.parametrize("variable", _variables())
def test_every_cis_variable_in_compose_is_one_settings_reads(
    variable: str, read_by_settings: set[str]
) -> None:
    assert variable in read_by_settings, f"{variable} is set in compose.yaml, read by nobody"


def test_production_mode_is_on_with_every_secret_from_the_environment() -> None:
    for name, service in _ours().items():
        env = service["environment"]
        assert env["CIS_ENV"] == "production", name
        for secret in ("CIS_JWT_SECRET", "CIS_MASTER_KEY", "CIS_AUDIT_SIGNING_KEY",
                       "CIS_BLIND_INDEX_KEY"):
            assert env[secret].startswith(f"${{{secret}:?"), f"{name}: {secret} must be required"


def test_every_mounted_file_is_in_the_repository() -> None:
    for name, service in _services().items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts {source}, which is missing"


def test_prometheus_scrapes_every_cis_process_and_only_those() -> None:
    config = yaml.safe_load((ROOT / "ops/prometheus/prometheus.yml").read_text())
    targets = {target for job in config["scrape_configs"] if job["job_name"].startswith("cis-")
               for group in job["static_configs"] for target in group["targets"]}
    expected = set()
    for name, service in _ours().items():
        if service["command"][0] in ("migrate", "dsg", "score"):
            continue  # a one-shot, the daily retention run and score refresh: nothing to scrape
        if service["command"][0] == "api":
            port = service["environment"].get("CIS_QUERY_PORT", "8000") \
                if service["command"][1] == "query" else "8000"
        else:
            port = service["environment"]["CIS_METRICS_PORT"]
        expected.add(f"{name}:{port}")
    assert targets == expected
    assert (ROOT / "ops/prometheus" / Path(config["rule_files"][0]).name).exists()


def _compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True,
                                 check=False).returncode == 0:
        return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    return [standalone] if standalone else None


def test_docker_compose_accepts_the_file() -> None:
    cli = _compose_cli()
    if cli is None:
        pytest.skip("neither `docker compose` (the CLI plugin) nor `docker-compose` is "
                    "installed (apt-get install docker-compose), so the file is not validated")
    required = ("CIS_JWT_SECRET", "CIS_MASTER_KEY", "CIS_AUDIT_SIGNING_KEY",
                "CIS_BLIND_INDEX_KEY", "POSTGRES_PASSWORD", "POSTGRES_REPLICATION_PASSWORD",
                "CIS_SMTP_URL", "GRAFANA_ADMIN_PASSWORD")
    env = {**os.environ, **dict.fromkeys(required, "x")}
    checked = subprocess.run([*cli, "--file", str(COMPOSE), "config", "--quiet"], env=env,
                             capture_output=True, text=True, check=False, timeout=60)
    assert checked.returncode == 0, checked.stderr
    # And a missing secret stops it, naming the secret.
    del env["CIS_MASTER_KEY"]
    refused = subprocess.run([*cli, "--file", str(COMPOSE), "config", "--quiet"], env=env,
                             capture_output=True, text=True, check=False, timeout=60)
    assert refused.returncode != 0 and "CIS_MASTER_KEY" in refused.stderr
