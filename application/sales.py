"""Sale use cases: open a sale at the catalogue's list price, then move it forward.

Who acts on a sale: its customer's salesperson now (see `sale_owner`), checked on the
customer loaded with the sale the command changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from application.acting import Actor, require_assigned
from application.aggregate_store import AggregateStore
from application.customers import NOT_ASSIGNED
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

__all__ = ["SALE_NOT_ASSIGNED", "SaleUseCases"]

SALE_NOT_ASSIGNED = "this sale's customer is assigned to another salesperson"


class SaleUseCases(AggregateStore):
    def open_sale(self, *, customer_id: UUID, model: ModelCode, meta: EventMeta,
                  salesperson: str | None = None, acting_as: Actor | None = None) -> Written:
        """Open a sale for a customer at the model's current list price.

        The salesperson defaults to the customer's assigned one.
        """
        customer = self._get(customer_id, Customer)
        require_assigned(acting_as, customer, NOT_ASSIGNED)
        if customer.erased:
            raise CustomerErased(f"customer {customer_id} was erased; no new sales")
        listed = self._listed_model(model)
        sale = Sale.open(sale_id=SaleID(uuid4()), customer_id=CustomerID(customer_id),
                         model=model, salesperson=salesperson or customer.salesperson,
                         list_price=listed.list_price, meta=meta)
        return self._save(sale)

    def get_sale(self, sale_id: UUID) -> Sale:
        return self._get(sale_id, Sale)

    def sale_owner(self, sale_id: UUID) -> str:
        """Who acts on the sale: its customer's salesperson now. A sale follows its
        customer, so reassigning the customer hands over their open sales too (the
        salesperson in `Sale.Opened` stays what it was: who had the sale then)."""
        return self._customer_of(self.get_sale(sale_id)).salesperson

    def quote_sale(self, sale_id: UUID, *, price: Money, discount: Money,
                   incentives: Money | None, meta: EventMeta,
                   expected_version: int | None = None,
                   acting_as: Actor | None = None) -> Written:
        """Quote; without `incentives`, the customer's cantonal incentive applies."""
        return self._on_sale(sale_id, expected_version, acting_as, lambda s, customer: s.quote(
            price=price, discount=discount,
            incentives=self._incentive_in(customer) if incentives is None else incentives,
            meta=meta))

    def reserve_sale(self, sale_id: UUID, *, deposit: Money, meta: EventMeta,
                     expected_version: int | None = None,
                     acting_as: Actor | None = None) -> Written:
        return self._on_sale(sale_id, expected_version, acting_as,
                             lambda s, _: s.reserve(deposit=deposit, meta=meta))

    def sign_contract(self, sale_id: UUID, *, final_price: Money, meta: EventMeta,
                      expected_version: int | None = None,
                      acting_as: Actor | None = None) -> Written:
        return self._on_sale(sale_id, expected_version, acting_as,
                             lambda s, _: s.sign_contract(final_price=final_price, meta=meta))

    def deliver_sale(self, sale_id: UUID, *, vin: VIN, delivered_on: date, meta: EventMeta,
                     expected_version: int | None = None,
                     acting_as: Actor | None = None) -> Written:
        return self._on_sale(sale_id, expected_version, acting_as,
                             lambda s, _: s.deliver(vin=vin, delivered_on=delivered_on,
                                                    today=datetime.now(UTC).date(), meta=meta))

    def cancel_sale(self, sale_id: UUID, *, reason: CancelReason, meta: EventMeta,
                    expected_version: int | None = None,
                    acting_as: Actor | None = None) -> Written:
        return self._on_sale(sale_id, expected_version, acting_as,
                             lambda s, _: s.cancel(reason=reason, meta=meta))

    def _customer_of(self, sale: Sale) -> Customer:
        return self._get(sale.customer_id, Customer)

    def _incentive_in(self, customer: Customer) -> Money:
        try:
            incentive = self._get(CantonIncentive.id_for(customer.canton), CantonIncentive)
        except NotFound:
            return Money.zero()
        return Money.zero() if incentive.ended else incentive.amount

    def _on_sale(self, sale_id: UUID, expected_version: int | None, acting_as: Actor | None,
                 command: Callable[[Sale, Customer], object]) -> Written:
        """Run `command` on the sale and its customer, each loaded once per attempt: the
        customer says who may act (its salesperson) and is what the command reads."""
        customer_of_attempt: list[Customer] = []

        def check(sale: Sale) -> None:
            customer_of_attempt[:] = [self._customer_of(sale)]
            require_assigned(acting_as, customer_of_attempt[0], SALE_NOT_ASSIGNED)

        return self._change(sale_id, Sale, lambda s: command(s, customer_of_attempt[0]),
                            expected_version, check=check)
