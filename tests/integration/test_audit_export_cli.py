"""`cis audit export`, `verify` and `public-key` as an auditor runs them."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.audit.signed_file import public_key_text
from adapters.settings import Settings
from entrypoints.bootstrap import build_application
from tests.databases import own_store
from tests.factories import META, registration


def _cis(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", *args],
                          env={**os.environ, **env}, text=True, capture_output=True,
                          timeout=300, check=False)


@pytest.fixture(scope="module")
def exported(settings: Settings, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[dict[str, str], Path]:
    """A store with two customers (one erased after registering) exported to a file."""
    own = own_store(settings)
    app = build_application(own, pool_size=1)  # type: ignore[arg-type]
    try:
        app.register_customer(**registration())
        erased = app.register_customer(**registration()).id
        app.erase_customer(erased, meta=META)
    finally:
        app.close()
    env = own.as_env()
    path = tmp_path_factory.mktemp("export") / "q1.jsonl"
    done = _cis(env, "audit", "export", "--from", "2020-01-01", "--kind", "customers",
                "-o", str(path))
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"wrote {path}" in done.stdout
    assert "export" in done.stderr  # the progress bar goes to stderr
    return env, path


def test_an_exported_file_verifies(exported: tuple[dict[str, str], Path]) -> None:
    env, path = exported

    checked = _cis(env, "audit", "verify", str(path))

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"{path}: valid, 3 events, signed by key " in checked.stdout
    lines = path.read_bytes().splitlines()
    assert [json.loads(line)["type"] for line in lines[:-1]] == [
        "Registered", "Registered", "PersonalDataErased"]
    assert b"Anna Muster" not in path.read_bytes()


def test_the_public_key_verifies_without_the_signing_key(
        exported: tuple[dict[str, str], Path]) -> None:
    env, path = exported
    public = _cis(env, "audit", "public-key")
    assert public.returncode == 0
    # Someone without the signing key (and without any database) checks the file.
    stranger = {"CIS_AUDIT_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
                "CIS_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
                "CIS_DATA_DIR": env["CIS_DATA_DIR"] + "-stranger"}

    checked = _cis(stranger, "audit", "verify", str(path), "--public-key", public.stdout.strip())
    without = _cis(stranger, "audit", "verify", str(path))

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert without.returncode == 1
    assert "signature does not verify with this key" in without.stdout


def test_a_changed_byte_fails_with_the_line_named(
        exported: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    env, path = exported
    lines = path.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b'"version":1', b'"version":7')
    changed = tmp_path / "changed.jsonl"
    changed.write_bytes(b"".join(lines))

    checked = _cis(env, "audit", "verify", str(changed))

    assert checked.returncode == 1
    assert f"{changed}: line 3: prev does not match the SHA-256 of line 2" in checked.stdout
    assert checked.stdout.strip().endswith(f"{changed}: does not verify")


def test_another_key_fails(exported: tuple[dict[str, str], Path]) -> None:
    env, path = exported
    other = public_key_text(Ed25519PrivateKey.generate().public_key())

    checked = _cis(env, "audit", "verify", str(path), "--public-key", other)

    assert checked.returncode == 1
    assert "signature does not verify with this key (key " in checked.stdout


@pytest.mark.parametrize(("args", "message"), [
    (("audit", "verify", "/nonexistent/file.jsonl"), "cannot read /nonexistent/file.jsonl"),
    (("audit", "verify", "x.jsonl", "--public-key", "not a key!"), "the public key is not base64"),
    (("audit", "export", "--from", "soon", "-o", "x.jsonl"), "not an ISO-8601 date or time"),
    (("audit", "export", "--kind", "people", "-o", "x.jsonl"), "invalid choice: 'people'"),
    (("audit",), "the following arguments are required"),
])
def test_usage_errors_exit_2(exported: tuple[dict[str, str], Path], args: tuple[str, ...],
                             message: str) -> None:
    env, _ = exported

    refused = _cis(env, *args)

    assert refused.returncode == 2
    assert message in refused.stderr
