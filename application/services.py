"""The CIS application: one event-sourced Application, one ordered log for all aggregates."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import JSONTranscoder

from application.errors import NotFound
from application.transcodings import register_value_transcodings
from domain.customer import Customer
from domain.ids import CustomerID
from domain.meta import EventMeta
from domain.values import Canton, Email, Language, PersonName, PostalCode

__all__ = ["CustomerIntelligence", "Written"]

APPLICATION_NAME = "cis"


class Written:
    """What a command reports back: the aggregate, its version and the log position."""

    __slots__ = ("id", "position", "version")

    def __init__(self, id: UUID, version: int, position: int) -> None:
        self.id = id
        self.version = version
        self.position = position


class CustomerIntelligence(Application[UUID]):
    """Use cases on Customer and Sale aggregates, stored in one application log."""

    name = APPLICATION_NAME

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_value_transcodings(transcoder)

    def register_customer(
        self,
        *,
        name: PersonName,
        email: Email,
        postal_code: PostalCode,
        canton: Canton,
        language: Language,
        meta: EventMeta,
    ) -> Written:
        customer = Customer.register(
            name=name,
            email=email,
            postal_code=postal_code,
            canton=canton,
            language=language,
            meta=meta,
        )
        return self._save(customer)

    def get_customer(self, customer_id: CustomerID) -> Customer:
        return self._get(customer_id, Customer)

    def _get(self, aggregate_id: UUID, kind: type[Any]) -> Any:
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"no {kind.__name__.lower()} with id {aggregate_id}") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"no {kind.__name__.lower()} with id {aggregate_id}")
        return aggregate

    def _save(self, *aggregates: Any) -> Written:
        recordings = self.save(*aggregates)
        last = aggregates[-1]
        return Written(last.id, last.version, recordings[-1].notification.id)
