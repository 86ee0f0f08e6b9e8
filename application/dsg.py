"""DSG erasure across every store: the event store, the keys, and each copy outside it.

The event part (the `PersonalDataErased` event, the key destroyed in its transaction,
the legal hold) is `CustomerIntelligence.erase_customer`; this use case adds what lies
outside the log: the facts that decide a hold, the scoring consumer's rows, cache
entries, and the answer the DPO gets, recorded so that a repeated request gets it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Protocol
from uuid import UUID

from application.reasons import refuse_reason_quoting
from application.services import CustomerIntelligence
from domain import events as e
from domain.customer import BOOKS_LEGAL_BASIS
from domain.errors import InvalidValue
from domain.meta import EventMeta
from domain.retention import HELD_FIELDS, RetentionFacts, RetentionPolicy, hold_for_erasure_request

__all__ = ["CacheReport", "ConsumerReport", "ErasureCopies", "ErasureFacts", "ErasureReport",
           "Erasures", "HoldReport", "NotificationReport", "ReadModelReport", "SalesSeen"]

_CONTRACT_TOPICS = (e.SaleOpened, e.SaleContractSigned)
# What the read models do with an erasure, by read model: only `customers` shows
# personal data; the others decode the log with personal fields left sealed.
_READ_MODELS = {
    "customers": "name, e-mail and phone are the events' ciphertext under the destroyed "
                 "key: unreadable at once, in backups too; the projector then empties "
                 "them and the search terms when it projects the erasure event "
                 "(asynchronous); the row stays for stage, canton and dashboards",
    "journeys": "no personal data: nothing to remove (personal fields are never opened)",
    "dashboards": "no personal data: nothing to remove (figures are unchanged)",
}


@dataclass(frozen=True, slots=True)
class SalesSeen:
    """A customer's sales as a read model has them at `position`: when each contract
    was signed (None: not signed)."""

    position: int
    contracts: dict[UUID, datetime | None]


@dataclass(frozen=True, slots=True)
class HoldReport:
    fields: list[str]
    held_until: date
    legal_basis: str
    key: str  # the hold key's subject: destroyed when the hold ends


@dataclass(frozen=True, slots=True)
class ReadModelReport:
    read_model: str
    action: str
    projected: bool  # has it projected the erasure event yet (at the time of the answer)


@dataclass(frozen=True, slots=True)
class ConsumerReport:
    consumer: str
    table: str
    rows_deleted: int
    note: str


@dataclass(frozen=True, slots=True)
class CacheReport:
    entries_evicted: int
    note: str


@dataclass(frozen=True, slots=True)
class NotificationReport:
    bodies_deleted: int
    note: str
    pending_cancelled: int = 0  # mails and reminders that were still to be sent


@dataclass(frozen=True, slots=True)
class ErasureReport:
    """What one erasure removed, store by store; no personal value in it."""

    customer_id: UUID
    already_erased: bool
    position: int  # the log position the erasure stands at
    erased_at: datetime
    data_key: str  # "destroyed" | "already destroyed"
    hold: HoldReport | None
    read_models: list[ReadModelReport]
    consumers: list[ConsumerReport]
    cache: CacheReport
    notifications: NotificationReport
    reason: str = ""
    actor: str = ""
    legal_basis_of_erasure: str = "revDSG Art. 32"


class ErasureFacts(Protocol):
    """What the erasure reads: whether a contract holds fields, and how far the log and
    the read models are."""

    def sales_of(self, customer_id: UUID) -> SalesSeen:
        """The customer's sales and their contracts, as of one read-model position."""

    def read_model_positions(self) -> dict[str, int]: ...


class ErasureCopies(Protocol):
    """The copies of a customer's data outside the event store and its read models, and
    the answers of past erasures."""

    def delete_scores(self, customer_id: UUID) -> int:
        """Delete the scoring consumer's rows of the customer; how many."""

    def evict_cache(self, customer_id: UUID) -> CacheReport: ...

    def delete_notification_bodies(self, customer_id: UUID) -> NotificationReport:
        """Delete the stored bodies of notifications to the customer, and cancel what
        is still to be sent (reminders included)."""

    def saved_report(self, customer_id: UUID) -> ErasureReport | None: ...

    def save_report(self, report: ErasureReport) -> None: ...


class Erasures:
    """Erase a customer in every store (Art. 32), keeping what the books hold (OR 958f)."""

    def __init__(self, cis: CustomerIntelligence, facts: ErasureFacts, copies: ErasureCopies,
                 policy: RetentionPolicy, *,
                 today: Callable[[], date] = lambda: datetime.now(UTC).date()) -> None:
        self._cis = cis
        self._facts = facts
        self._copies = copies
        self._policy = policy
        self._today = today

    def erase(self, customer_id: UUID, *, meta: EventMeta, reason: str,
              role: str = "dpo", hold_reason: str = "erasure request") -> ErasureReport:
        """Erase now; a second call answers the first one's report (`already_erased`)
        and writes nothing. After a crash between the stores, it finishes the rest."""
        if not reason.strip():
            raise InvalidValue("reason", "is required: why the data is erased")
        saved = self._copies.saved_report(customer_id)
        if saved is not None:
            return self._refreshed(replace(saved, already_erased=True))
        customer = self._cis.get_customer(customer_id)  # NotFound for an unknown id
        # A person's words, unlike retention's rule: kept in clear on the access trail
        # and with the answer, so they may not name whom they erase.
        if role != "retention":
            refuse_reason_quoting(reason, customer)
        held_until = None
        if not customer.erased:
            signed = self._latest_contract(customer_id)
            facts = RetentionFacts(last_activity_at=customer.modified_on,
                                   contract_signed_at=signed)
            held_until = hold_for_erasure_request(facts, self._today(), self._policy)
        erasure = self._cis.erase_with_hold(customer_id, meta=meta, reason=reason, role=role,
                                            held_until=held_until, hold_reason=hold_reason)
        customer = erasure.customer
        report = ErasureReport(
            customer_id=customer_id, already_erased=False, position=erasure.written.position,
            erased_at=customer.modified_on,
            data_key="destroyed" if erasure.key_destroyed else "already destroyed",
            hold=_hold_report(customer.held_until, customer.hold_subject),
            read_models=[], consumers=[ConsumerReport(
                consumer="scoring", table="read.lead_scores, read.lead_score_history",
                rows_deleted=self._copies.delete_scores(customer_id),
                note="a score is derived personal data: the score and its history deleted "
                     "now; the consumer deletes them again when the erasure event reaches it")],
            cache=self._copies.evict_cache(customer_id),
            notifications=self._copies.delete_notification_bodies(customer_id),
            reason=reason, actor=meta.actor)
        report = self._refreshed(report)
        self._copies.save_report(report)
        return report

    def _latest_contract(self, customer_id: UUID) -> datetime | None:
        """When the customer's latest contract was signed: the read model's answer, plus
        the log after its position (normally a few events; all of it when no projector
        runs), so a contract signed a moment before the request is never missed."""
        seen = self._facts.sales_of(customer_id)
        contracts = dict(seen.contracts)
        for event in self._cis.events_after(seen.position, _CONTRACT_TOPICS):
            if type(event) is e.SaleOpened and event.customer_id == customer_id:
                contracts.setdefault(event.originator_id, None)
            elif type(event) is e.SaleContractSigned and event.originator_id in contracts:
                contracts[event.originator_id] = event.timestamp
        return max((at for at in contracts.values() if at is not None), default=None)

    def _refreshed(self, report: ErasureReport) -> ErasureReport:
        """The read models' part as it stands now: the projectors finish asynchronously."""
        positions = self._facts.read_model_positions()
        return replace(report, read_models=[
            ReadModelReport(name, action, positions.get(name, 0) >= report.position)
            for name, action in _READ_MODELS.items()])


def _hold_report(held_until: date | None, subject: UUID | None) -> HoldReport | None:
    if held_until is None or subject is None:
        return None
    return HoldReport(fields=list(HELD_FIELDS), held_until=held_until,
                      legal_basis=BOOKS_LEGAL_BASIS, key=str(subject))
