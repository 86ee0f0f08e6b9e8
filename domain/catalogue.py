"""Reference data kept as aggregates: the vehicle models on sale and cantonal incentives.

Only admins change these; that is enforced at the edge, so here are only the
rules. Each aggregate's id is derived from its natural key (model code, canton
code), so an HTTP ``PUT`` on that key can find the aggregate, or know there is
none, without a lookup table.

No prices or incentive amounts live in code: they arrive as commands.

As in :mod:`domain.sale`, commands check the rules and then call a private
``@event`` method whose body only applies the change (it runs again on replay).
"""

from __future__ import annotations

from typing import Final
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition
from domain.meta import EventMeta
from domain.text import checked_text
from domain.values import Canton, ModelCode, Money

__all__ = ["CantonIncentive", "VehicleModel"]

# Never change this: the ids of stored catalogue aggregates are derived from it.
_CATALOGUE_NAMESPACE: Final = UUID("67cede5b-1165-4f9f-ad36-b4b64b8aac31")

MAX_MODEL_NAME_LENGTH: Final = 100
MAX_INCENTIVE_DESCRIPTION_LENGTH: Final = 500


class VehicleModel(Aggregate):
    """A model on sale, with its name and current list price, until withdrawn."""

    @event("Listed")
    def __init__(
        self,
        *,
        id: UUID,  # the library makes this the aggregate id
        code: ModelCode,
        name: str,
        list_price: Money,
        meta: EventMeta,
    ) -> None:
        self.code = code
        self.name = name
        self.list_price = list_price
        self.withdrawn = False

    @staticmethod
    def id_for(code: ModelCode) -> UUID:
        """The aggregate id of the model with this code (the same on every run)."""
        return uuid5(_CATALOGUE_NAMESPACE, f"vehicle-model:{code.code}")

    @classmethod
    def list(
        cls, *, code: ModelCode, name: str, list_price: Money, meta: EventMeta
    ) -> VehicleModel:
        """Put a model on sale (``list`` as in "list a product", not the builtin)."""
        return cls(
            id=cls.id_for(code),
            code=code,
            name=checked_text(name, field="name", max_length=MAX_MODEL_NAME_LENGTH),
            list_price=list_price,
            meta=meta,
        )

    def change(self, *, name: str, list_price: Money, meta: EventMeta) -> bool:
        """Set name and list price; False (and no event) if both are unchanged.

        Returning False lets a repeated ``PUT`` be idempotent without a
        meaningless event in the history. Open sales keep the list price
        they were opened with.
        """
        if self.withdrawn:
            raise InvalidTransition(f"cannot change: model {self.code} is withdrawn")
        checked = checked_text(name, field="name", max_length=MAX_MODEL_NAME_LENGTH)
        if checked == self.name and list_price == self.list_price:
            return False
        self._changed(name=checked, list_price=list_price, meta=meta)
        return True

    def withdraw(self, *, meta: EventMeta) -> None:
        """Take the model off sale for good; it can no longer be changed."""
        if self.withdrawn:
            raise InvalidTransition(f"cannot withdraw: model {self.code} is already withdrawn")
        self._withdrawn(meta=meta)

    @event("Changed")
    def _changed(self, *, name: str, list_price: Money, meta: EventMeta) -> None:
        self.name = name
        self.list_price = list_price

    @event("Withdrawn")
    def _withdrawn(self, *, meta: EventMeta) -> None:
        self.withdrawn = True


class CantonIncentive(Aggregate):
    """What a canton pays or waives for buying an EV, as shown to customers.

    ``amount`` may be zero: some cantons pay nothing (the description can
    still say what they offer instead, e.g. a tax reduction). ``Money`` is
    never negative, so neither is the amount.
    """

    @event("Declared")
    def __init__(
        self,
        *,
        id: UUID,  # the library makes this the aggregate id
        canton: Canton,
        amount: Money,
        description: str,
        meta: EventMeta,
    ) -> None:
        self.canton = canton
        self.amount = amount
        self.description = description
        self.ended = False

    @staticmethod
    def id_for(canton: Canton) -> UUID:
        """The aggregate id of this canton's incentive (the same on every run)."""
        return uuid5(_CATALOGUE_NAMESPACE, f"canton-incentive:{canton.code}")

    @classmethod
    def declare(
        cls, *, canton: Canton, amount: Money, description: str, meta: EventMeta
    ) -> CantonIncentive:
        """Record the canton's incentive for the first time."""
        return cls(
            id=cls.id_for(canton),
            canton=canton,
            amount=amount,
            description=checked_text(
                description, field="description", max_length=MAX_INCENTIVE_DESCRIPTION_LENGTH
            ),
            meta=meta,
        )

    def change(self, *, amount: Money, description: str, meta: EventMeta) -> bool:
        """Set amount and description; False (and no event) if both are unchanged."""
        if self.ended:
            raise InvalidTransition(f"cannot change: the incentive of {self.canton} has ended")
        checked = checked_text(
            description, field="description", max_length=MAX_INCENTIVE_DESCRIPTION_LENGTH
        )
        if amount == self.amount and checked == self.description:
            return False
        self._changed(amount=amount, description=checked, meta=meta)
        return True

    def end(self, *, meta: EventMeta) -> None:
        """The canton stopped the incentive; it can no longer be changed."""
        if self.ended:
            raise InvalidTransition(f"cannot end: the incentive of {self.canton} has already ended")
        self._ended(meta=meta)

    @event("Changed")
    def _changed(self, *, amount: Money, description: str, meta: EventMeta) -> None:
        self.amount = amount
        self.description = description

    @event("Ended")
    def _ended(self, *, meta: EventMeta) -> None:
        self.ended = True
