"""The CIS application: one event-sourced Application, one ordered log for all aggregates.

Each use case loads an aggregate, checks who acts and the caller's expected version,
runs one command and saves atomically; a concurrent write to the same aggregate
surfaces as `Conflict`, never as a lost update.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Mapper, Transcoder
from eventsourcing.utils import EnvType

from application.acting import Actor
from application.catalogue import CatalogueUseCases
from application.customers import CustomerUseCases
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

__all__ = ["APPLICATION_NAME", "Actor", "CustomerIntelligence", "Written"]

APPLICATION_NAME = "cis"


class CustomerIntelligence(CustomerUseCases, SaleUseCases, CatalogueUseCases):
    """Use cases on Customer, Sale and catalogue aggregates, stored in one application log.

    `cipher` seals and opens the personal fields of events (crypto-shredding); the
    application owns it from here on and closes it on `close`.
    """

    name = APPLICATION_NAME

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
