"""`cis dsg export` as the DPO runs it: one command, a file to hand over, a recorded look."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from adapters.settings import Settings
from application.services import CustomerIntelligence
from domain.values import Language
from tests.factories import registration


def _cis(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", *args],
                          env={**os.environ, **settings.as_env(),
                               "CIS_CONTROLLER_NAME": "Beispiel Auto AG"},
                          text=True, capture_output=True, timeout=300, check=False)


def test_export_writes_the_json_and_the_html_and_records_each(
        settings: Settings, app: CustomerIntelligence, tmp_path: Path) -> None:
    customer = app.register_customer(**registration(language=Language.IT)).id
    as_json, as_html = tmp_path / "anna.json", tmp_path / "anna.html"

    first = _cis(settings, "dsg", "export", str(customer), "-o", str(as_json),
                 "--reason", "request 12", "--by", "dora")
    second = _cis(settings, "dsg", "export", str(customer), "-o", str(as_html),
                  "--format", "html", "--reason", "request 12, printed")

    assert first.returncode == 0, first.stderr[-2000:]
    assert second.returncode == 0, second.stderr[-2000:]
    doc = json.loads(as_json.read_text())
    assert doc["profile"]["email"] == "anna.muster@example.ch"
    assert doc["controller"]["name"] == "Beispiel Auto AG"
    html = as_html.read_text()
    assert '<html lang="it">' in html and "Beispiel Auto AG" in html
    assert f"wrote {as_html}" in second.stdout
    trail = [(a.actor, a.action, a.reason) for a in app.accesses(customer)[0]]
    assert trail[0] == ("dora", "access_export", "request 12")
    assert trail[1][1:] == ("access_export", "request 12, printed")
    assert trail[1][0] != "dora"  # the login name by default
    assert set(tmp_path.iterdir()) == {as_json, as_html}  # no partial file left behind


def test_refusals_say_why_and_write_nothing(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "x.json"

    unknown = _cis(settings, "dsg", "export", str(uuid.uuid4()), "-o", str(out),
                   "--reason", "r")
    no_reason = _cis(settings, "dsg", "export", str(uuid.uuid4()), "-o", str(out))

    assert unknown.returncode == 1 and "no customer" in unknown.stderr
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr
    assert not out.exists()
