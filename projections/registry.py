"""Every read model: the one list the projector process, migrations and rebuilds use."""

from __future__ import annotations

from projections.base import ReadModel
from projections.customers import CustomersReadModel
from projections.dashboards import DashboardsReadModel
from projections.journeys import JourneysReadModel

__all__ = ["READ_MODELS", "read_model"]

READ_MODELS: list[ReadModel] = [
    CustomersReadModel(),
    JourneysReadModel(),
    DashboardsReadModel(),
]


def read_model(name: str) -> ReadModel:
    for model in READ_MODELS:
        if model.name == name:
            return model
    names = ", ".join(m.name for m in READ_MODELS)
    raise KeyError(f"no read model {name!r}; there are: {names}")
