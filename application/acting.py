"""Who runs a use case, and the one ownership rule: salespeople act on their customers.

Authorisation is the application's concern, not the domain's: the use case checks the
aggregate it loaded to change, so the check and the write see the same version.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.errors import Forbidden
from domain.customer import Customer

__all__ = ["Actor", "require_assigned"]


@dataclass(frozen=True, slots=True)
class Actor:
    """`assigned_customers_only`: acts on the customers assigned to them, and on those
    customers' sales, only (a salesperson); otherwise on every customer."""

    subject: str
    assigned_customers_only: bool = False


def require_assigned(actor: Actor | None, customer: Customer, refusal: str) -> None:
    """Forbidden with `refusal` unless `actor` may act on `customer`; no actor: a caller
    inside the system (demo data, tests), which may."""
    if actor is not None and actor.assigned_customers_only \
            and customer.salesperson != actor.subject:
        raise Forbidden(refusal)
