from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.settings import Settings
from application.services import CustomerIntelligence
from entrypoints.bootstrap import build_application


@pytest.fixture(scope="session")
def app(settings: Settings) -> Iterator[CustomerIntelligence]:
    application = build_application(settings, pool_size=3)
    yield application
    application.close()
