"""Journeys read model: each customer's timeline of journey events and current stage.

One timeline row per event that matters to the journey, keyed by (customer, position),
so a replayed batch writes nothing twice. Rows hold no personal data (a touchpoint's
kind and channel, never its note; no name, e-mail, phone or street), so the DSG
erasure leaves the timeline as it was and only adds its own step.

Sale and test-drive events after the first do not name the model: `subject_models`
remembers it (sale or test drive id → model), loaded once per batch.
`JourneyQueries` reads a customer's row (the stage as of now) with the timeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

import msgspec
from psycopg import Cursor

from adapters.metrics.series import stage_changed
from domain import events as e
from domain.journey import Stage
from projections.base import Positioned, ReadModel, schema_of
from projections.journey_state import JOURNEY_TABLES, JourneyStates, stage_now_view
from projections.reading import Reader
from projections.rows import jsonb, load_rows, upsert_rows

__all__ = ["JourneyBody", "JourneyQueries", "JourneyStep", "JourneysReadModel", "journey_step"]

_COLUMNS = ("customer_id", "salesperson", "canton", "stage", "erased", "registered_at",
            "last_activity_at", "position")
_STEP_COLUMNS = ("customer_id", "position", "occurred_at", "step", "sale_id",
                 "test_drive_id", "details")


class JourneysReadModel(ReadModel):
    name: ClassVar[str] = "journeys"
    partitioned_by_customer: ClassVar[bool] = True
    tables: ClassVar[Sequence[str]] = [
        *JOURNEY_TABLES,
        """CREATE TABLE IF NOT EXISTS {schema}.journeys (
            customer_id uuid PRIMARY KEY,
            salesperson text NOT NULL,
            canton text NOT NULL,
            stage text NOT NULL,
            erased boolean NOT NULL,
            registered_at timestamptz NOT NULL,
            last_activity_at timestamptz NOT NULL,
            position bigint NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS {schema}.timeline (
            customer_id uuid NOT NULL,
            position bigint NOT NULL,
            occurred_at timestamptz NOT NULL,
            step text NOT NULL,
            sale_id uuid,
            test_drive_id uuid,
            details jsonb NOT NULL,
            PRIMARY KEY (customer_id, position))""",
        """CREATE TABLE IF NOT EXISTS {schema}.subject_models (
            subject_id uuid PRIMARY KEY, model text NOT NULL)""",
        stage_now_view("journeys", _COLUMNS),
    ]

    def apply(self, curs: Cursor[Any], schema: str, events: Sequence[Positioned]) -> None:
        journeys = JourneyStates(curs, schema, events)
        rows = load_rows(curs, schema, "journeys", _COLUMNS, "customer_id", journeys.customers)
        models = _Models(curs, schema, events)
        steps: list[dict[str, Any]] = []
        live = schema == schema_of(self.name)  # a rebuild's batches are not new changes
        for event, position in events:
            customer = journeys.fold(event)
            if customer is None:
                continue
            before = rows.get(customer)
            row = _changed(before, event)
            if row is None:
                continue  # never saw this customer registered: nothing to show
            journey = journeys.journeys[customer]
            row.update(stage=journeys.stage(customer).value, position=position,
                       last_activity_at=journey.last_activity or row["registered_at"])
            if live and (before is None or before["stage"] != row["stage"]):
                stage_changed(before["stage"] if before else None, row["stage"], row["canton"])
            rows[customer] = row
            step = journey_step(event, models.model_of(event))
            if step is not None:
                steps.append(_step_row(customer, position, event, *step))
        journeys.save()
        models.save()
        upsert_rows(curs, schema, "journeys", _COLUMNS, ["customer_id"],
                    [rows[c] for c in journeys.changed if c in rows])
        upsert_rows(curs, schema, "timeline", _STEP_COLUMNS, ("customer_id", "position"),
                    steps, update=False)


def journey_step(event: Any, model: str | None) -> tuple[str, dict[str, Any]] | None:
    """The timeline step an event makes (its name and details), or None if it makes none."""
    # By type, not by class pattern: `domain.events` types each class as a bare
    # AggregateEvent, so a class pattern would hide the event's fields from mypy.
    match type(event):
        case e.CustomerRegistered:
            return "registered", {"kind": str(event.kind), "canton": str(event.canton),
                                  "postal_code": str(event.postal_code),
                                  "language": str(event.language),
                                  "salesperson": event.salesperson}
        case e.TouchpointRecorded:
            return "touchpoint", {"kind": str(event.kind), "channel": str(event.channel)}
        case e.VehicleInterestRecorded:
            return "vehicle_interest", {"model": str(event.model)}
        case e.ConsentGranted | e.ConsentWithdrawn:
            granted = type(event) is e.ConsentGranted
            return ("consent_granted" if granted else "consent_withdrawn",
                    {"purpose": str(event.purpose)})
        case e.SalespersonAssigned:
            return "salesperson_assigned", {"salesperson": event.salesperson}
        case e.PersonalDataErased:
            return "personal_data_erased", {}
    if type(event) in _TEST_DRIVE_EVENTS:
        return _test_drive_step(event, model)
    if type(event) in e.SALE_EVENT_TYPES:
        return _sale_step(event, model)
    return None


_TEST_DRIVE_EVENTS = (e.TestDriveBooked, e.TestDriveCompleted, e.TestDriveCancelled,
                      e.TestDriveMissed)


def _test_drive_step(event: Any, model: str | None) -> tuple[str, dict[str, Any]]:
    details: dict[str, Any] = {"model": model}
    match type(event):
        case e.TestDriveBooked:
            details["scheduled_at"] = event.scheduled_at.isoformat()
            return "test_drive_booked", details
        case e.TestDriveCompleted:
            details["rating"] = int(event.rating)
            return "test_drive_completed", details
        case e.TestDriveCancelled:
            return "test_drive_cancelled", details
    return "test_drive_missed", details


def _sale_step(event: Any, model: str | None) -> tuple[str, dict[str, Any]]:
    details: dict[str, Any] = {"model": model}
    match type(event):
        case e.SaleOpened:
            details.update(salesperson=event.salesperson, list_price=event.list_price.rappen)
            return "sale_opened", details
        case e.SaleQuoted:
            details.update(price=event.price.rappen, discount=event.discount.rappen,
                           incentives=event.incentives.rappen)
            return "sale_quoted", details
        case e.SaleReserved:
            details.update(deposit=event.deposit.rappen)
            return "sale_reserved", details
        case e.SaleContractSigned:
            details.update(final_price=event.final_price.rappen)
            return "sale_contracted", details
        case e.SaleDelivered:
            details.update(vin=str(event.vin), delivered_on=str(event.delivered_on))
            return "sale_delivered", details
    details.update(reason=str(event.reason))
    return "sale_cancelled", details


class _Models:
    """Which model a sale or test drive is about, for the batch's sales and test drives."""

    def __init__(self, curs: Cursor[Any], schema: str, events: Sequence[Positioned]) -> None:
        self.curs, self.schema = curs, schema
        self.new: dict[UUID, str] = {}
        self.known = self._load({s for ev, _ in events if (s := _subject(ev)) is not None})

    def model_of(self, event: Any) -> str | None:
        subject = _subject(event)
        if subject is None:
            return None
        if type(event) in (e.SaleOpened, e.TestDriveBooked):
            self.known[subject] = self.new[subject] = str(event.model)
        return self.known.get(subject)

    def save(self) -> None:
        if self.new:
            self.curs.executemany(
                f"INSERT INTO {self.schema}.subject_models (subject_id, model) VALUES (%s, %s) "
                "ON CONFLICT (subject_id) DO NOTHING", list(self.new.items()))

    def _load(self, subjects: Iterable[UUID]) -> dict[UUID, str]:
        wanted = list(subjects)
        if not wanted:
            return {}
        rows = self.curs.execute(
            f"SELECT subject_id, model FROM {self.schema}.subject_models "
            "WHERE subject_id = ANY(%s)", (wanted,)).fetchall()
        return {_col(row, 0): _col(row, 1) for row in rows}


def _subject(event: Any) -> UUID | None:
    if type(event) in e.SALE_EVENT_TYPES:
        return event.originator_id  # type: ignore[no-any-return]
    if type(event) in _TEST_DRIVE_EVENTS:
        return event.test_drive_id  # type: ignore[no-any-return]
    return None


def _col(row: Any, index: int) -> Any:
    return list(row.values())[index] if isinstance(row, dict) else row[index]


def _changed(row: dict[str, Any] | None, event: Any) -> dict[str, Any] | None:
    kind = type(event)
    if kind is e.CustomerRegistered:
        return {"customer_id": event.originator_id, "salesperson": event.salesperson,
                "canton": str(event.canton), "stage": Stage.LEAD.value, "erased": False,
                "registered_at": event.timestamp, "last_activity_at": event.timestamp,
                "position": 0}
    if row is None:
        return None
    row = dict(row)
    match type(event):
        case e.AddressChanged:
            row.update(canton=str(event.canton))
        case e.SalespersonAssigned:
            row.update(salesperson=event.salesperson)
        case e.PersonalDataErased:
            row.update(erased=True)
    return row


def _step_row(customer: UUID, position: int, event: Any, step: str,
              details: dict[str, Any]) -> dict[str, Any]:
    is_sale = type(event) in e.SALE_EVENT_TYPES
    return {"customer_id": customer, "position": position, "occurred_at": event.timestamp,
            "step": step, "sale_id": event.originator_id if is_sale else None,
            "test_drive_id": getattr(event, "test_drive_id", None),
            "details": jsonb(details)}


class JourneyStep(msgspec.Struct, frozen=True):
    """One step: `step` names it (registered, touchpoint, vehicle_interest,
    test_drive_booked|completed|cancelled|missed, sale_opened|quoted|reserved|
    contracted|delivered|cancelled, consent_granted|withdrawn, salesperson_assigned,
    personal_data_erased); `details` holds its facts (model, amounts in Rappen, …)."""

    step: str
    occurred_at: datetime
    position: int
    sale_id: UUID | None
    test_drive_id: UUID | None
    details: dict[str, Any]


class JourneyBody(msgspec.Struct, frozen=True):
    """A customer's timeline, oldest first, and the stage as of now."""

    customer_id: UUID
    stage: str
    salesperson: str
    canton: str
    erased: bool
    registered_at: datetime
    last_activity_at: datetime
    position: int
    steps: list[JourneyStep]


class JourneyQueries(Reader):
    async def journey(self, customer_id: UUID) -> JourneyBody | None:
        """The customer's row (stage as of now) with its steps, oldest first; None if
        unknown."""
        row = await self.one(f"SELECT {', '.join(_COLUMNS)} FROM rm_journeys.journeys_now "
                             "WHERE customer_id = %s", (customer_id,))
        if row is None:
            return None
        steps = await self.rows(
            "SELECT step, occurred_at, position, sale_id, test_drive_id, details "
            "FROM rm_journeys.timeline WHERE customer_id = %s ORDER BY position",
            (customer_id,))
        return JourneyBody(**row, steps=[JourneyStep(**step) for step in steps])
