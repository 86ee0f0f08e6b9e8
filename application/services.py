"""The CIS application: one event-sourced Application, one ordered log for all aggregates.

Each use case loads an aggregate, checks who acts and the caller's expected version,
runs one command and saves atomically; a concurrent write to the same aggregate
surfaces as `Conflict`, never as a lost update.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import project_aggregate
from eventsourcing.persistence import JSONTranscoder, Mapper, PersistenceError, Transcoder
from eventsourcing.utils import EnvType

from application.acting import Actor
from application.aggregate_store import RERUNS_ON_CONCURRENT_WRITE
from application.audit import AuditUseCases
from application.blind_index import BlindIndex
from application.catalogue import CatalogueUseCases
from application.customers import CustomerUseCases
from application.errors import Conflict
from application.keys import PersonalDataCipher
from application.sales import SaleUseCases
from application.sealed_values import KeepingSealedMapper
from application.snapshots import AggregateSnapshot, register_snapshot_transcodings
from application.transcodings import (
    KeptSealed,
    LeftSealed,
    MsgspecJSONTranscoder,
    SealedPersonal,
    register_value_transcodings,
)
from application.written import Written
from domain.catalogue import CantonIncentive, VehicleModel
from domain.customer import Customer
from domain.meta import EventMeta
from domain.sale import Sale

__all__ = ["APPLICATION_NAME", "Actor", "CustomerIntelligence", "Written"]

APPLICATION_NAME = "cis"
# A snapshot every this many events: rebuilding any version replays fewer than that.
SNAPSHOT_INTERVAL = 100

_log = logging.getLogger(__name__)


class CustomerIntelligence(CustomerUseCases, SaleUseCases, CatalogueUseCases, AuditUseCases):
    """Use cases on Customer, Sale and catalogue aggregates, stored in one application log.

    `cipher` seals and opens the personal fields of events (crypto-shredding); the
    application owns it from here on and closes it on `close`.
    """

    name = APPLICATION_NAME
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = dict.fromkeys(
        (Customer, Sale, VehicleModel, CantonIncentive), SNAPSHOT_INTERVAL)
    snapshot_class = AggregateSnapshot

    def __init__(self, env: EnvType | None = None, *, cipher: PersonalDataCipher) -> None:
        # Before the library's constructor: it builds the transcoder, which needs it.
        self.cipher = cipher
        super().__init__(env)

    def construct_transcoder(self) -> Transcoder:
        transcoder = MsgspecJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_value_transcodings(transcoder)
        register_snapshot_transcodings(transcoder)
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

    def mapper_keeping_personal_data_sealed(self, index: BlindIndex) -> Mapper[UUID]:
        """For read models that store personal data: each field as `Sealed`, its
        ciphertext as it is and its blind-index terms, never in clear."""
        keeping = MsgspecJSONTranscoder()
        self.register_transcodings(keeping)
        keeping.register(KeptSealed(keeping, self.cipher, index))
        return KeepingSealedMapper(keeping, cipher=self.cipher, index=index, like=self.mapper)

    def take_snapshot(self, aggregate_id: UUID, version: int | None = None,
                      projector_func: Any = project_aggregate) -> None:
        """The library's, but a snapshot is only a shortcut: a failure to take one never
        fails the command whose events are already written (the next one tries again).
        An erased customer gets none: its personal fields can no longer be sealed, and
        replaying it needs no shortcut."""
        try:
            aggregate = self.repository.get(aggregate_id, version=version,
                                            projector_func=projector_func)
            if getattr(aggregate, "erased", False) or self.snapshots is None:
                return
            self.snapshots.put([AggregateSnapshot.take(aggregate)])
        except PersistenceError as error:
            _log.warning("snapshot not taken", extra={
                "aggregate_id": str(aggregate_id), "version": version,
                "error": type(error).__name__})

    def close(self) -> None:
        super().close()
        self.cipher.close()

    # -- DSG -------------------------------------------------------------------

    def erase_customer(self, customer_id: UUID, *, meta: EventMeta,
                       reason: str | None = None) -> Written:
        """DSG erasure: record it (and, in the same transaction, on the customer's access
        trail), then destroy the customer's data key.

        Safe to repeat: when the event was written but the key survived a crash, a
        second call destroys the key without writing another event.
        """
        for attempt in range(1, RERUNS_ON_CONCURRENT_WRITE + 2):
            customer = self.get_customer(customer_id)
            written = self._written_unchanged(customer)
            if customer.erased:
                break
            customer.erase_personal_data(meta=meta)
            trail = self._trail_of(customer_id, meta)
            trail.record(role="dpo", action="erasure", subject_kind="customers",
                         reason=reason, meta=meta)
            # The key goes in the event's transaction (the recorder's `destroy_key`): an
            # erasure that is answered as written has destroyed it, too.
            try:
                written = self._save(trail, customer, destroy_key=customer_id)
                break
            except Conflict:  # a look recorded on the trail at the same moment: again
                if attempt > RERUNS_ON_CONCURRENT_WRITE:
                    raise
        self.cipher.erase(customer_id)
        return written
