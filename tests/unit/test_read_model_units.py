"""Each read model is one unit under `projections/`, and only its tracking recorder
(`ReadModelRecorder`) calls the library's private tracking insert."""

from __future__ import annotations

import ast
from pathlib import Path

from eventsourcing.postgres import PostgresTrackingRecorder

from projections.base import ReadModelRecorder
from projections.customers import CustomerQueries, CustomersReadModel
from projections.dashboards import DashboardQueries, DashboardsReadModel
from projections.journeys import JourneyQueries, JourneysReadModel
from projections.reading import Reader
from projections.registry import READ_MODELS

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("domain", "application", "adapters", "projections", "entrypoints")


def _calls_of(attribute: str) -> list[str]:
    found = []
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr == attribute:
                    found.append(str(path.relative_to(ROOT)))
    return found


def test_only_the_read_models_recorder_calls_the_private_tracking_insert() -> None:
    assert _calls_of("_insert_tracking") == ["projections/base.py"]
    assert issubclass(ReadModelRecorder, PostgresTrackingRecorder)


def test_each_read_model_has_its_queries_in_its_unit() -> None:
    units = {CustomersReadModel: CustomerQueries, JourneysReadModel: JourneyQueries,
             DashboardsReadModel: DashboardQueries}
    assert {type(model) for model in READ_MODELS} == set(units)
    for model, queries in units.items():
        assert issubclass(queries, Reader)
        assert model.__module__.split(".")[:2] == queries.__module__.split(".")[:2]
