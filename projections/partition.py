"""A share of the log by customer, so that several processes can rebuild one read model.

One process is bound by one core of Python (decoding and folding, not Postgres, is what
a rebuild spends its time on). The read models that declare `partitioned_by_customer`
keep every row for one customer, or for a sale or test drive of one customer, so
processes that each take the events of a disjoint set of customers never write the same
row, and each customer's events still arrive in log order.

A sale's later events do not name its customer: each partition learns the owner of
every sale from `SaleOpened` (in every partition, so it can route the sale's next events).
Events of no customer (the catalogue's) all go to partition 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from domain import events as e
from projections.base import originator_of

__all__ = ["CustomerPartition"]

_CUSTOMER_TOPICS = frozenset(get_topic(cls) for cls in e.CUSTOMER_EVENT_TYPES)
_SALE_TOPICS = frozenset(get_topic(cls) for cls in e.SALE_EVENT_TYPES)
_SALE_OPENED = get_topic(e.SaleOpened)


class CustomerPartition:
    """Partition `index` of `count`: the events of the customers whose id falls into it."""

    def __init__(self, index: int, count: int, decode: Callable[[Notification], Any]) -> None:
        if not 0 <= index < count:
            raise ValueError(f"partition {index} of {count} does not exist")
        self.index = index
        self.count = count
        self._decode = decode  # only ever given a SaleOpened, which holds no personal data
        self._owners: dict[UUID, UUID] = {}

    def prefilter(self) -> tuple[str, list[Any]]:
        """A condition on the log's rows (SQL and its parameters) that leaves out other
        partitions' customer events before they are read; `select` still decides."""
        condition = ("(NOT topic = ANY(%s) OR "
                     "mod(('x' || right(originator_id::text, 8))::bit(32)::bigint, %s) = %s)")
        return condition, [sorted(_CUSTOMER_TOPICS), self.count, self.index]

    def select(self, notifications: Sequence[Notification]) -> list[Notification]:
        """This partition's notifications, in log order. Called with pages in log order."""
        return [n for n in notifications if self._holds(self._customer_of(n))]

    def _customer_of(self, notification: Notification) -> UUID | None:
        topic = notification.topic
        if topic in _CUSTOMER_TOPICS:
            return originator_of(notification)
        if topic in _SALE_TOPICS:
            sale = originator_of(notification)
            if topic == _SALE_OPENED:
                opened = self._decode(notification)
                self._owners[sale] = opened.customer_id
            return self._owners.get(sale)
        return None

    def _holds(self, customer: UUID | None) -> bool:
        if customer is None:
            return self.index == 0
        # The id's last 32 bits, as `prefilter` reads them in SQL (random in a uuid4).
        return (customer.int & 0xFFFFFFFF) % self.count == self.index
