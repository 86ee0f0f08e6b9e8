"""Sale use cases: open a sale at the catalogue's list price, then move it forward."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from application.errors import NotFound
from application.written import Written
from domain.catalogue import CantonIncentive
from domain.customer import Customer
from domain.errors import CustomerErased
from domain.ids import CustomerID, SaleID
from domain.meta import EventMeta
from domain.sale import CancelReason, Sale
from domain.values import ModelCode, Money
from domain.vin import VIN

__all__ = ["SaleUseCases"]


class SaleUseCases:
    """Mixed into the Application; `_change`, `_get` and `_save` come from there."""

    _change: Any
    _get: Any
    _save: Any
    _listed_model: Any

    def open_sale(self, *, customer_id: UUID, model: ModelCode, meta: EventMeta,
                  salesperson: str | None = None) -> Written:
        """Open a sale for a customer at the model's current list price.

        The salesperson defaults to the customer's assigned one.
        """
        customer: Customer = self._get(customer_id, Customer)
        if customer.erased:
            raise CustomerErased(f"customer {customer_id} was erased; no new sales")
        listed = self._listed_model(model)
        sale = Sale.open(sale_id=SaleID(uuid4()), customer_id=CustomerID(customer_id),
                         model=model, salesperson=salesperson or customer.salesperson,
                         list_price=listed.list_price, meta=meta)
        return self._save(sale)  # type: ignore[no-any-return]

    def get_sale(self, sale_id: UUID) -> Sale:
        return self._get(sale_id, Sale)  # type: ignore[no-any-return]

    def sale_owner(self, sale_id: UUID) -> str:
        """Who acts on the sale: its customer's salesperson now. A sale follows its
        customer, so reassigning the customer hands over their open sales too (the
        salesperson in `Sale.Opened` stays what it was: who had the sale then)."""
        customer: Customer = self._get(self.get_sale(sale_id).customer_id, Customer)
        return customer.salesperson

    def quote_sale(self, sale_id: UUID, *, price: Money, discount: Money,
                   incentives: Money | None, meta: EventMeta,
                   expected_version: int | None = None) -> Written:
        """Quote; without `incentives`, the customer's cantonal incentive applies."""
        if incentives is None:
            incentives = self._incentive_for(self.get_sale(sale_id).customer_id)
        return self._on_sale(sale_id, expected_version, lambda s: s.quote(
            price=price, discount=discount, incentives=incentives, meta=meta))

    def reserve_sale(self, sale_id: UUID, *, deposit: Money, meta: EventMeta,
                     expected_version: int | None = None) -> Written:
        return self._on_sale(sale_id, expected_version,
                             lambda s: s.reserve(deposit=deposit, meta=meta))

    def sign_contract(self, sale_id: UUID, *, final_price: Money, meta: EventMeta,
                      expected_version: int | None = None) -> Written:
        return self._on_sale(sale_id, expected_version,
                             lambda s: s.sign_contract(final_price=final_price, meta=meta))

    def deliver_sale(self, sale_id: UUID, *, vin: VIN, delivered_on: date, meta: EventMeta,
                     expected_version: int | None = None) -> Written:
        return self._on_sale(sale_id, expected_version,
                             lambda s: s.deliver(vin=vin, delivered_on=delivered_on,
                                                 today=datetime.now(UTC).date(), meta=meta))

    def cancel_sale(self, sale_id: UUID, *, reason: CancelReason, meta: EventMeta,
                    expected_version: int | None = None) -> Written:
        return self._on_sale(sale_id, expected_version,
                             lambda s: s.cancel(reason=reason, meta=meta))

    def _incentive_for(self, customer_id: UUID) -> Money:
        customer: Customer = self._get(customer_id, Customer)
        try:
            incentive: CantonIncentive = self._get(CantonIncentive.id_for(customer.canton),
                                                   CantonIncentive)
        except NotFound:
            return Money.zero()
        return Money.zero() if incentive.ended else incentive.amount

    def _on_sale(self, sale_id: UUID, expected_version: int | None, command: Any) -> Written:
        return self._change(sale_id, Sale, command, expected_version)  # type: ignore[no-any-return]
