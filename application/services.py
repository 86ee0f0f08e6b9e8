"""The CIS application: one event-sourced Application, one ordered log for all aggregates.

Each use case loads an aggregate, checks the caller's expected version, runs one
command and saves atomically; a concurrent write to the same aggregate surfaces as
`Conflict`, never as a lost update.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper
from eventsourcing.utils import resolve_topic

from application.catalogue import CatalogueUseCases
from application.customers import CustomerUseCases
from application.errors import Conflict, NotFound
from application.keys import PersonalDataCipher
from application.sales import SaleUseCases
from application.transcodings import (
    LeftSealed,
    MsgspecJSONTranscoder,
    SealedPersonal,
    register_value_transcodings,
)
from application.written import Written
from domain.meta import EventMeta

__all__ = ["APPLICATION_NAME", "CustomerIntelligence", "Written"]

APPLICATION_NAME = "cis"
RERUNS_ON_CONCURRENT_WRITE = 3
A = TypeVar("A", bound=Aggregate)


class CustomerIntelligence(CustomerUseCases, SaleUseCases, CatalogueUseCases, Application[UUID]):
    """Use cases on Customer and Sale aggregates, stored in one application log.

    The personal-data cipher is named by the environment variable
    `PERSONAL_DATA_CIPHER_TOPIC` and built from the same environment, the way the
    library builds its own ciphers, so the projection runner can construct us too.
    """

    name = APPLICATION_NAME

    def construct_transcoder(self) -> Any:
        cipher_class = resolve_topic(self.env.get("PERSONAL_DATA_CIPHER_TOPIC",
                                                  "adapters.postgres.keys:PostgresDataKeys"))
        self.cipher: PersonalDataCipher = cipher_class.from_env(self.env)
        transcoder = MsgspecJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_value_transcodings(transcoder)
        transcoder.register(SealedPersonal(transcoder, self.cipher))

    def construct_mapper(self) -> Mapper[UUID]:
        mapper = super().construct_mapper()
        # For read models that show no personal data: opening sealed fields is a large
        # part of replaying the log, and what is never opened cannot leak.
        leaving_sealed = MsgspecJSONTranscoder()
        self.register_transcodings(leaving_sealed)
        leaving_sealed.register(LeftSealed())
        self.mapper_leaving_personal_data_sealed: Mapper[UUID] = self.factory.mapper(
            transcoder=leaving_sealed)
        return mapper

    def close(self) -> None:
        super().close()
        self.cipher.close()

    # -- DSG -------------------------------------------------------------------

    def erase_customer(self, customer_id: UUID, *, meta: EventMeta) -> Written:
        """DSG erasure: record it, then destroy the customer's data key.

        Safe to repeat: when the event was written but the key survived a crash, a
        second call destroys the key without writing another event.
        """
        customer = self.get_customer(customer_id)
        written = self._written_unchanged(customer)
        if not customer.erased:
            customer.erase_personal_data(meta=meta)
            # The key goes in the event's transaction (the recorder's `destroy_key`): an
            # erasure that is answered as written has destroyed it, too.
            written = self._save(customer, destroy_key=customer_id)
        self.cipher.erase(customer_id)
        return written

    # -- shared ------------------------------------------------------------------

    def _change(
        self,
        aggregate_id: UUID,
        kind: type[A],
        command: Callable[[A], object],
        expected_version: int | None,
        **save_kwargs: Any,
    ) -> Written:
        """Load, run, save. Without an expected version, a concurrent write to the same
        aggregate is no conflict for the caller: the command runs again on the new
        version (and is refused there if it no longer applies), a few times at most."""
        for attempt in range(1, RERUNS_ON_CONCURRENT_WRITE + 2):
            aggregate = self._get(aggregate_id, kind)
            if expected_version is not None and aggregate.version != expected_version:
                raise Conflict(f"version is {aggregate.version}, not {expected_version}")
            command(aggregate)
            if not aggregate.pending_events:
                return self._written_unchanged(aggregate)
            try:
                return self._save(aggregate, **save_kwargs)
            except Conflict:
                if expected_version is not None or attempt > RERUNS_ON_CONCURRENT_WRITE:
                    raise
        raise AssertionError("unreachable")

    def _get(self, aggregate_id: UUID, kind: type[A]) -> A:
        label = kind.__name__.lower()
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"no {label} with id {aggregate_id}") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"no {label} with id {aggregate_id}")
        return aggregate

    def _save(self, *aggregates: Aggregate, **kwargs: Any) -> Written:
        """Save atomically; `kwargs` reach the recorder's transaction (see
        `adapters.postgres.recorder`: `answer_id`, `destroy_key`)."""
        try:
            recordings = self.save(*aggregates, **kwargs)
        except IntegrityError:
            raise Conflict("changed concurrently by another request; reload and retry") from None
        last = aggregates[-1]
        return Written(last.id, last.version, recordings[-1].notification.id)

    def _written_unchanged(self, aggregate: Aggregate) -> Written:
        """For a command that changed nothing: the current version and log head."""
        return Written(aggregate.id, aggregate.version, self.recorder.max_notification_id() or 0)
