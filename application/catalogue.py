"""Reference data use cases: the vehicle catalogue and cantonal incentives (admins only)."""

from __future__ import annotations

from application.aggregate_store import AggregateStore
from application.errors import NotFound
from application.written import Written
from domain.catalogue import CantonIncentive, VehicleModel
from domain.meta import EventMeta
from domain.values import Canton, ModelCode, Money

__all__ = ["CatalogueUseCases"]


class CatalogueUseCases(AggregateStore):
    def put_model(self, *, code: ModelCode, name: str, list_price: Money, meta: EventMeta,
                  expected_version: int | None = None) -> tuple[Written, bool]:
        """List the model, or change it; True when it was created."""
        try:
            self._get(VehicleModel.id_for(code), VehicleModel)
        except NotFound:
            return self._save(VehicleModel.list(code=code, name=name, list_price=list_price,
                                                meta=meta)), True
        return self._change(VehicleModel.id_for(code), VehicleModel, lambda m: m.change(
            name=name, list_price=list_price, meta=meta), expected_version), False

    def get_model(self, code: ModelCode) -> VehicleModel:
        return self._get(VehicleModel.id_for(code), VehicleModel)

    def withdraw_model(self, code: ModelCode, *, meta: EventMeta) -> Written:
        return self._change(VehicleModel.id_for(code), VehicleModel,
                            lambda m: m.withdraw(meta=meta), None)

    def put_incentive(self, *, canton: Canton, amount: Money, description: str,
                      meta: EventMeta, expected_version: int | None = None) -> tuple[Written, bool]:
        """Declare the canton's incentive, or change it; True when it was created."""
        try:
            self._get(CantonIncentive.id_for(canton), CantonIncentive)
        except NotFound:
            return self._save(CantonIncentive.declare(canton=canton, amount=amount,
                                                      description=description, meta=meta)), True
        return self._change(CantonIncentive.id_for(canton), CantonIncentive, lambda i: i.change(
            amount=amount, description=description, meta=meta), expected_version), False
