"""The DSG access request (revDSG Art. 25): one use case gathering everything held.

The customer's events and their sales' events are replayed through the application,
whose transcoder opens the sealed personal fields (or reads them redacted after an
erasure). What lives outside the log comes through ports: the lead score the scoring
consumer stored, and the notifications sent. Each export is recorded on the
customer's access trail (action `access_export`, with the caller and the reason)
before the report is gathered, so the report lists its own request too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.utils import get_topic

from application.access_history import CustomerHistory, sale_record, shown
from application.access_report import (
    FORMAT,
    Access,
    AccessReport,
    ControllerIdentity,
    Erasure,
    FeatureLogic,
    ProcessingPurpose,
    Profile,
    Recipient,
    Retention,
    ScoredAt,
    ScoreReport,
    ScoringLogic,
    SentNotification,
)
from application.audit import PagedLog
from application.reasons import refuse_reason_quoting
from application.scoring import describe_active_model, describe_models
from application.services import CustomerIntelligence
from domain import events as e
from domain.customer import Customer
from domain.journey import stage_of
from domain.meta import EventMeta
from domain.retention import (
    HELD_FIELDS,
    Purpose,
    RetentionFacts,
    RetentionPolicy,
    decide,
    hold_for_erasure_request,
)

__all__ = [
    "ACTION",
    "AccessReports",
    "LeadScores",
    "NothingSent",
    "SentNotifications",
    "processing_purposes",
]

ACTION = "access_export"  # how an export reads on the access trail
_PAGE = 500


class LeadScores(Protocol):
    """The lead scores the scoring consumer stored for a customer."""

    def score_of(self, customer_id: UUID) -> ScoredAt | None:
        """The current score, if any."""

    def history_of(self, customer_id: UUID) -> Sequence[ScoredAt]:
        """Every score the customer had, oldest first."""


class SentNotifications(Protocol):
    """What the system sent to a customer (e-mails, letters), oldest first."""

    def sent_to(self, customer_id: UUID) -> Sequence[SentNotification]: ...


class NothingSent:
    """For a deployment without the notification consumer: nothing was sent."""

    def sent_to(self, customer_id: UUID) -> Sequence[SentNotification]:
        return []


@dataclass(frozen=True, slots=True)
class AccessReports:
    """Answers access requests: `export(customer_id, reason=..., meta=...)`."""

    cis: CustomerIntelligence
    scores: LeadScores
    controller: ControllerIdentity
    recipients: Sequence[Recipient]
    notifications: SentNotifications = field(default_factory=NothingSent)
    policy: RetentionPolicy = field(default_factory=RetentionPolicy)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def export(self, customer_id: UUID, *, reason: str | None, meta: EventMeta,
               role: str = "dpo") -> AccessReport:
        """The report on the customer; NotFound for an unknown id, InvalidValue("reason")
        without a reason. Recorded on the access trail first."""
        customer = self.cis.get_customer(customer_id)
        if reason:
            refuse_reason_quoting(reason, customer)
        self.cis.record_access(customer_id, subject_kind="customers", action=ACTION, role=role,
                               reason=reason, meta=meta)
        now = self.clock()
        history = CustomerHistory()
        customer_events = list(self.cis.events.get(customer_id, lte=customer.version))
        for event in customer_events:
            history.add(event)
        sales = dict(self._sales_of(customer_id))
        return AccessReport(
            format=FORMAT, generated_at=now, customer_id=customer_id,
            language=str(customer.language), controller=self.controller,
            erased=self._erasure(customer_id, history),
            profile=_profile(customer, customer_events, sales, now),
            profile_history=history.profile, address_history=history.addresses,
            preferences_history=history.preferences, interests=history.interests,
            touchpoints=history.touchpoints, test_drives=history.test_drives(),
            sales=[sale_record(sale_id, events) for sale_id, events in sales.items()],
            consents=history.consents, consents_now=sorted(str(p) for p in customer.consents),
            assignments=history.assignments, score=self._score(customer_id),
            notifications=list(self.notifications.sent_to(customer_id)),
            accesses=self._accesses(customer_id, sales),
            recipients=list(self.recipients),
            retention=self._retention(customer, customer_events, sales, now),
            purposes=processing_purposes(),
            events=len(customer_events) + sum(len(s) for s in sales.values()))

    # -- gathering -------------------------------------------------------------

    def _sales_of(self, customer_id: UUID) -> Iterator[tuple[UUID, list[Any]]]:
        """Each sale of the customer with its events, in the order they were opened.

        The log is asked for the `Sale.Opened` events whose stored state holds the
        customer's id (the transcoder writes a UUID as its hex), each then decoded and
        checked; a mapper that compresses or encrypts whole events gets every opening."""
        log = self.cis.recorder
        if not isinstance(log, PagedLog):
            raise TypeError(f"{type(log).__name__} cannot select events by content")
        plain = self.cis.mapper.compressor is None and self.cis.mapper.cipher is None
        where = ("position(%s::bytea in state) > 0", [customer_id.hex.encode()]) if plain \
            else None
        start: int | None = None
        while True:
            page = log.select_notifications(start, _PAGE, topics=[get_topic(e.SaleOpened)],
                                            inclusive_of_start=False, where=where)
            for stored in page:
                opened: Any = self.cis.mapper.to_domain_event(stored)
                if opened.customer_id == customer_id:
                    yield opened.originator_id, list(self.cis.events.get(opened.originator_id))
            if len(page) < _PAGE:
                return
            start = page[-1].id

    def _erasure(self, customer_id: UUID, history: CustomerHistory) -> Erasure | None:
        erased = history.erasure
        if erased is None:
            return None
        reasons = [a.reason for a in self._trail(customer_id) if a.action == "erasure"]
        return Erasure(erased_at=erased.timestamp, requested_by=erased.meta.actor,
                       reason=reasons[-1] if reasons else None)

    def _score(self, customer_id: UUID) -> ScoreReport:
        stored = self.scores.score_of(customer_id)
        history = list(self.scores.history_of(customer_id))
        logic = _scoring_logic(describe_active_model(self.cis))
        versions = {scored.model_version for scored in history}
        if stored is not None:
            versions.add(stored.model_version)
        versions.discard(logic.version)
        return ScoreReport(
            score=None if stored is None else stored.score,
            probability=None if stored is None else stored.probability,
            model_version=None if stored is None else stored.model_version,
            base=None if stored is None else stored.base,
            contributions=[] if stored is None else stored.contributions,
            computed_at=None if stored is None else stored.computed_at,
            history=history, logic=logic,
            earlier_models=[_scoring_logic(model)
                            for model in describe_models(self.cis, versions)])

    def _trail(self, subject_id: UUID) -> Iterator[Access]:
        after = 0
        while True:
            found, more = self.cis.accesses(subject_id, after_version=after, limit=_PAGE)
            for a in found:
                yield Access(occurred_at=a.occurred_at, actor=a.actor, role=a.role,
                             action=a.action, subject_kind=a.subject_kind, reason=a.reason)
            if more is None:
                return
            after = more

    def _accesses(self, customer_id: UUID, sales: dict[UUID, list[Any]]) -> list[Access]:
        found = [*self._trail(customer_id)]
        for sale_id in sales:
            found.extend(self._trail(sale_id))
        return sorted(found, key=lambda a: a.occurred_at)

    def _retention(self, customer: Customer, events: list[Any],
                   sales: dict[UUID, list[Any]], now: datetime) -> Retention:
        sale_events = [event for events_of_sale in sales.values() for event in events_of_sale]
        contracts = [ev.timestamp for ev in sale_events if isinstance(ev, e.SaleContractSigned)]
        facts = RetentionFacts(
            last_activity_at=max(ev.timestamp for ev in [*events, *sale_events]),
            contract_signed_at=max(contracts) if contracts else None, erased=customer.erased,
            held_until=customer.held_until)
        today = now.date()
        decision = decide(facts, today, self.policy)
        # Once erased, the hold is the one the erasure recorded (none: nothing is kept).
        held_until = customer.held_until if customer.erased else hold_for_erasure_request(
            facts, today, self.policy)
        return Retention(
            purpose=str(decision.purpose), rule=_rule(decision.purpose, self.policy),
            period_months=_period(decision.purpose, self.policy),
            books_years=self.policy.books_years,
            action_due=str(decision.action), due_on=decision.due_on,
            last_activity_at=facts.last_activity_at,
            contract_signed_at=facts.contract_signed_at, held_until=held_until,
            held_fields=list(HELD_FIELDS) if held_until is not None else [])


def _profile(customer: Customer, events: list[Any], sales: dict[UUID, list[Any]],
             now: datetime) -> Profile:
    company = customer.company
    everything = sorted([*events, *(ev for s in sales.values() for ev in s)],
                        key=lambda ev: ev.timestamp)
    return Profile(
        kind=str(customer.kind), name=customer.name.shown(), email=customer.email.shown(),
        phone=shown(customer.phone), street=shown(customer.street),
        postal_code=str(customer.postal_code), canton=str(customer.canton),
        language=str(customer.language),
        company_name=None if company is None else company.name.shown(),
        company_uid=None if company is None else str(company.uid),
        company_contact=None if company is None else shown(company.contact),
        salesperson=customer.salesperson, stage=str(stage_of(everything, now)),
        registered_at=events[0].timestamp)


def _scoring_logic(model: dict[str, Any]) -> ScoringLogic:
    """The active model as `describe_active_model` gives it, in the report's terms."""
    return ScoringLogic(
        description=model["kind"], version=model["version"], base=model["base"],
        prior=model["prior"], fitted_at=model["fitted_at"], fitted_by=model["fitted_by"],
        metrics=model["metrics"],
        features=[FeatureLogic(**feature) for feature in model["features"]],
        consent="Only customers who granted profiling consent are scored; withdrawing it "
                "removes every score and its history.",
        decisions="No decision is taken automatically on the score: it is shown to the "
                  "sales staff only, to plan whom to call first.")


def _period(purpose: Purpose, policy: RetentionPolicy) -> int | None:
    return {Purpose.PROSPECTING: policy.prospecting_months,
            Purpose.CUSTOMER_CARE: policy.customer_care_months}.get(purpose)


def _rule(purpose: Purpose, policy: RetentionPolicy) -> str:
    books = (f"the contract's fields ({', '.join(HELD_FIELDS)}) are kept until the end of "
             f"the business year of the contract plus {policy.books_years} years "
             "(OR Art. 958f), under a hold")
    match purpose:
        case Purpose.PROSPECTING:
            return (f"erased {policy.prospecting_months} months after the last activity, "
                    "or on request")
        case Purpose.CUSTOMER_CARE:
            return (f"erased {policy.customer_care_months} months after the last activity, "
                    f"or on request; {books}")
    return f"held for the books only: {books}"


def processing_purposes() -> list[ProcessingPurpose]:
    """Why the data is processed, and on which legal basis."""
    return [
        ProcessingPurpose(code="prospecting", description="Advising you as a prospective "
                          "buyer of an electric vehicle: contacts, test drives, quotes.",
                          legal_basis="pre-contractual measures at your request "
                          "(revDSG Art. 31(2)(a))"),
        ProcessingPurpose(code="customer_care", description="Performing the purchase "
                          "contract: reservation, contract, delivery and care afterwards.",
                          legal_basis="contract with you (revDSG Art. 31(2)(a))"),
        ProcessingPurpose(code="books", description="Keeping the business records the "
                          "law requires.", legal_basis="legal obligation (OR Art. 958f)"),
        ProcessingPurpose(code="lead_scoring", description="Planning our sales work with "
                          "a lead score (see the scoring logic).",
                          legal_basis="overriding private interest (revDSG Art. 31(1))"),
        ProcessingPurpose(code="marketing", description="Information about offers and "
                          "incentives, only while you consent.",
                          legal_basis="your consent (revDSG Art. 31(1))"),
    ]
