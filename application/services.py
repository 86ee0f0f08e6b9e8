"""The CIS application: one event-sourced Application, one ordered log for all aggregates.

Each use case loads an aggregate, checks who acts and the caller's expected version,
runs one command and saves atomically; a concurrent write to the same aggregate
surfaces as `Conflict`, never as a lost update.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import Repository
from eventsourcing.persistence import JSONTranscoder, Mapper, PersistenceError, Transcoder
from eventsourcing.utils import EnvType, get_topic, strtobool

from application.acting import Actor
from application.aggregate_store import RERUNS_ON_CONCURRENT_WRITE
from application.audit import AuditUseCases
from application.blind_index import BlindIndex
from application.catalogue import CatalogueUseCases
from application.customers import CustomerUseCases
from application.errors import Conflict
from application.keys import PersonalDataCipher
from application.replay import ReplayingRepository, replay
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
from domain.audit_trail import AccessTrail
from domain.catalogue import CantonIncentive, VehicleModel
from domain.customer import BOOKS_LEGAL_BASIS, Customer
from domain.meta import EventMeta
from domain.sale import Sale

__all__ = ["APPLICATION_NAME", "Actor", "CustomerIntelligence", "Erasure", "LegalHold", "Written"]

APPLICATION_NAME = "cis"
# A snapshot every this many events: rebuilding any version replays fewer than that.
# Measured by `cis bench replay`: at 100 the worst case (99 events after the snapshot)
# cost 1.9-2.9x the CPU of a 10-event load; at 25 it is 1.2-1.5x, and a command costs
# less on average (fewer events replayed outweigh one snapshot in 25 commands), for
# about 12 % more storage (a customer's snapshot is ~1 KB, its events ~340 B each).
SNAPSHOT_INTERVAL = 25

_log = logging.getLogger(__name__)


class CustomerIntelligence(CustomerUseCases, SaleUseCases, CatalogueUseCases, AuditUseCases):
    """Use cases on Customer, Sale and catalogue aggregates, stored in one application log.

    `cipher` seals and opens the personal fields of events (crypto-shredding); the
    application owns it from here on and closes it on `close`.
    """

    name = APPLICATION_NAME
    # The access trail too: every audit read and DSG action appends to it, and loads it.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = dict.fromkeys(
        (Customer, Sale, VehicleModel, CantonIncentive, AccessTrail), SNAPSHOT_INTERVAL)
    # The library's option for the function a snapshot is rebuilt with (`replay`: its
    # Protocol check once per event class, not once per event); the repository below
    # uses it for every load.
    snapshotting_projectors: ClassVar[dict[type[Any], Any]] = dict.fromkeys(
        snapshotting_intervals, replay)
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

    def construct_repository(self) -> Repository[UUID]:
        """The library's repository, configured as the library does, rebuilding
        aggregates with `application.replay.replay`."""
        cache_maxsize = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return ReplayingRepository(
            event_store=self.events, snapshot_store=self.snapshots,
            cache_maxsize=int(cache_maxsize) if cache_maxsize else None,
            fastforward=strtobool(self.env.get(self.AGGREGATE_CACHE_FASTFORWARD, "y")),
            fastforward_skipping=strtobool(
                self.env.get(self.AGGREGATE_CACHE_FASTFORWARD_SKIPPING, "n")),
            deepcopy_from_cache=strtobool(self.env.get(self.DEEPCOPY_FROM_AGGREGATE_CACHE, "y")))

    def take_snapshot(self, aggregate_id: UUID, version: int | None = None,
                      projector_func: Any = replay) -> None:
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

    def events_after(self, position: int, types: Sequence[type[Any]],
                     page: int = 1000) -> Iterator[Any]:
        """The log's events of these types after `position`, in order, decoded with
        personal fields left sealed (for decisions on facts that are not personal)."""
        topics = [get_topic(cls) for cls in types]
        while True:
            notifications = self.recorder.select_notifications(
                position + 1, page, topics=topics)
            for notification in notifications:
                yield self.mapper_leaving_personal_data_sealed.to_domain_event(notification)
            if len(notifications) < page:
                return
            position = notifications[-1].id

    # -- DSG -------------------------------------------------------------------

    def erase_customer(self, customer_id: UUID, *, meta: EventMeta,
                       reason: str | None = None) -> Written:
        """Erase everything at once, no hold (see `application.dsg.Erasures`, which
        decides the books' hold first)."""
        return self.erase_with_hold(customer_id, meta=meta, reason=reason).written

    def erase_with_hold(self, customer_id: UUID, *, meta: EventMeta, reason: str | None = None,
                        role: str = "dpo", held_until: date | None = None,
                        hold_reason: str = "erasure request") -> Erasure:
        """DSG erasure: record it (and, in the same transaction, on the customer's access
        trail, and the legal hold when `held_until` is given), then destroy the
        customer's data key in that transaction too.

        Safe to repeat: when the event was written but the key survived a crash, a
        second call destroys the key without writing another event.
        """
        for attempt in range(1, RERUNS_ON_CONCURRENT_WRITE + 2):
            customer = self.get_customer(customer_id)
            if customer.erased:
                written = self._written_unchanged(customer)
                return Erasure(written, self.cipher.erase(customer_id), customer)
            customer.erase_personal_data(meta=meta, held_until=held_until)
            trail = self._trail_of(customer_id, meta)
            trail.record(role=role, action="erasure", subject_kind="customers",
                         reason=reason, meta=meta)
            hold = None if customer.hold_subject is None or customer.held_until is None else \
                LegalHold(customer_id, customer.hold_subject, customer.held_until,
                          customer.hold_basis or BOOKS_LEGAL_BASIS, hold_reason)
            # The key goes in the event's transaction (the recorder's `destroy_key`): an
            # erasure that is answered as written has destroyed it, too.
            try:
                written = self._save(trail, customer, destroy_key=customer_id,
                                     record_hold=hold)
            except Conflict:  # a look recorded on the trail at the same moment: again
                if attempt > RERUNS_ON_CONCURRENT_WRITE:
                    raise
                continue
            self.cipher.erase(customer_id)  # this process's cache, at once
            return Erasure(written, True, customer)
        raise AssertionError("unreachable")

    def end_legal_hold(self, customer_id: UUID, *, today: date, meta: EventMeta,
                       reason: str, role: str = "retention") -> Written:
        """The books' hold has run out: the held fields go too. The hold key is destroyed
        in the event's transaction, which also records it on the access trail and
        closes the hold's row."""
        for attempt in range(1, RERUNS_ON_CONCURRENT_WRITE + 2):
            customer = self.get_customer(customer_id)
            subject = customer.end_legal_hold(today=today, meta=meta)
            trail = self._trail_of(customer_id, meta)
            trail.record(role=role, action="hold_ended", subject_kind="customers",
                         reason=reason, meta=meta)
            try:
                written = self._save(trail, customer, destroy_key=subject,
                                     end_hold=customer_id)
            except Conflict:
                if attempt > RERUNS_ON_CONCURRENT_WRITE:
                    raise
                continue
            self.cipher.erase(subject)
            return written
        raise AssertionError("unreachable")


@dataclass(frozen=True, slots=True)
class Erasure:
    """What `erase_with_hold` did: the write, and whether this call destroyed the key."""

    written: Written
    key_destroyed: bool
    customer: Customer  # as it stands after the erasure


@dataclass(frozen=True, slots=True)
class LegalHold:
    """A customer's held fields, sealed under `hold_subject`'s key until `held_until`
    (its last day); kept in a table of its own so retention finds due holds at once."""

    customer_id: UUID
    hold_subject: UUID
    held_until: date
    basis: str
    reason: str
