"""`cis project run NAME …` as an operator starts it: a real process per read model."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from adapters.settings import Settings
from application.services import CustomerIntelligence
from entrypoints.bootstrap import build_application
from tests.databases import own_store
from tests.factories import registration
from tests.readmodels import tracked_position, wait_for


@pytest.fixture
def own_db(settings: Settings) -> Iterator[tuple[Settings, CustomerIntelligence]]:
    own = own_store(settings)
    app = build_application(own, pool_size=1)
    for _ in range(3):
        app.register_customer(**registration())
    yield own, app
    app.close()


def _cis(own: Settings, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "entrypoints.cli", *args],
                            env={**os.environ, **own.as_env()}, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_a_named_read_model_is_projected_by_its_own_process(
    own_db: tuple[Settings, CustomerIntelligence]
) -> None:
    own, app = own_db
    url = own.database_url
    assert url
    head = app.recorder.max_notification_id()

    journeys = _cis(own, "project", "run", "journeys")
    try:
        wait_for(lambda: tracked_position(url, "journeys") == head)
        assert tracked_position(url, "customers") == 0  # not this process's read model
        assert tracked_position(url, "dashboards") == 0
    finally:
        journeys.send_signal(signal.SIGTERM)
        assert journeys.wait(timeout=30) == 0


@pytest.mark.parametrize(("args", "message"), [
    (("run", "journeys", "invoices"),
     "no read model 'invoices'; there are: customers, journeys, dashboards"),
    (("rebuild", "invoices"), "no read model 'invoices'"),
    (("rebuild",), "project rebuild needs the name of one read model"),
    (("rebuild", "customers", "journeys"), "project rebuild needs the name of one read model"),
    (("rebuild", "customers", "--processes", "0"), "a whole number above 0, not '0'"),
])
def test_a_wrong_read_model_name_is_refused_before_anything_runs(
    own_db: tuple[Settings, CustomerIntelligence], args: tuple[str, ...], message: str
) -> None:
    own, _ = own_db
    assert own.database_url

    refused = _cis(own, "project", *args)
    _, stderr = refused.communicate(timeout=60)

    assert refused.returncode == 2
    assert message in stderr
    assert "Traceback" not in stderr
    assert tracked_position(own.database_url, "journeys") == 0  # nothing projected
