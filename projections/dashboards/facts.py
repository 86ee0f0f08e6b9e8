"""The dashboards' fact tables and how each batch of events changes them.

- `customer_facts`: one row per customer: canton, salesperson, registration time, the
  current stage (without the time-dependent `dormant`), the furthest forward stage
  ever reached, since when the customer is contracted (NULL when not), lost or not.
- `customer_models`: per customer and model, the furthest stage reached with that
  model (interest → engaged, test drive → test_drive, a sale of it → its sale stage).
- `sale_facts`: one row per sale: customer, canton, model, salesperson (the customer's
  while the sale is open, so a reassignment moves it; whoever had the customer when it
  was contracted or cancelled after that), status, list and final price (Rappen), when
  it was opened, contracted, delivered, cancelled.
- `test_drive_facts`: one row per test drive: customer, canton, model, status, rating.

No personal data at all: the DSG erasure changes no row here (and so no figure).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar
from uuid import UUID

from psycopg import Cursor

from domain import events as e
from domain.customer_facts import TestDriveStatus
from domain.journey import CONVERTED_STAGES, FORWARD_STAGES, SALE_STAGE, Stage, further
from domain.sale import SaleStatus
from projections.base import Positioned, ReadModel
from projections.journey_state import JOURNEY_TABLES, JourneyStates
from projections.rows import load_rows, upsert_rows

__all__ = ["CONVERTED_SALE_STATUSES", "DashboardsReadModel"]

_SALE_STATUS = {e.SaleOpened: SaleStatus.OPEN, e.SaleQuoted: SaleStatus.QUOTED,
                e.SaleReserved: SaleStatus.RESERVED, e.SaleContractSigned: SaleStatus.CONTRACTED,
                e.SaleDelivered: SaleStatus.DELIVERED, e.SaleCancelled: SaleStatus.CANCELLED}
# A sale counts as converted (contracts, revenue) once its stage is a converted one.
CONVERTED_SALE_STATUSES = frozenset(
    _SALE_STATUS[event] for event, stage in SALE_STAGE.items() if stage in CONVERTED_STAGES)
_OPEN_SALE_STATUSES = frozenset({SaleStatus.OPEN, SaleStatus.QUOTED, SaleStatus.RESERVED})
_TEST_DRIVE_STATUS = {e.TestDriveBooked: TestDriveStatus.BOOKED,
                      e.TestDriveCompleted: TestDriveStatus.COMPLETED,
                      e.TestDriveCancelled: TestDriveStatus.CANCELLED,
                      e.TestDriveMissed: TestDriveStatus.MISSED}

_CUSTOMER = ("customer_id", "canton", "salesperson", "registered_at", "stage", "furthest_stage",
             "contracted_at", "lost", "position")
_CUSTOMER_MODEL = ("customer_id", "model", "furthest_stage")
_SALE = ("sale_id", "customer_id", "canton", "model", "salesperson", "status", "list_price",
         "final_price", "opened_at", "contracted_at", "delivered_at", "cancelled_at", "position")
_TEST_DRIVE = ("test_drive_id", "customer_id", "canton", "model", "status", "rating",
               "booked_at", "position")


class DashboardsReadModel(ReadModel):
    name: ClassVar[str] = "dashboards"
    partitioned_by_customer: ClassVar[bool] = True
    tables: ClassVar[Sequence[str]] = [
        *JOURNEY_TABLES,
        """CREATE TABLE IF NOT EXISTS {schema}.customer_facts (
            customer_id uuid PRIMARY KEY,
            canton text NOT NULL,
            salesperson text NOT NULL,
            registered_at timestamptz NOT NULL,
            stage text NOT NULL,
            furthest_stage text NOT NULL,
            contracted_at timestamptz,
            lost boolean NOT NULL,
            position bigint NOT NULL)""",
        ("CREATE INDEX IF NOT EXISTS customer_facts_by_salesperson "
         "ON {schema}.customer_facts (salesperson)"),
        """CREATE TABLE IF NOT EXISTS {schema}.customer_models (
            customer_id uuid NOT NULL,
            model text NOT NULL,
            furthest_stage text NOT NULL,
            PRIMARY KEY (customer_id, model))""",
        """CREATE TABLE IF NOT EXISTS {schema}.sale_facts (
            sale_id uuid PRIMARY KEY,
            customer_id uuid NOT NULL,
            canton text,
            model text NOT NULL,
            salesperson text NOT NULL,
            status text NOT NULL,
            list_price bigint NOT NULL,
            final_price bigint,
            opened_at timestamptz NOT NULL,
            contracted_at timestamptz,
            delivered_at timestamptz,
            cancelled_at timestamptz,
            position bigint NOT NULL)""",
        ("CREATE INDEX IF NOT EXISTS sale_facts_by_salesperson "
         "ON {schema}.sale_facts (salesperson)"),
        ("CREATE INDEX IF NOT EXISTS sale_facts_by_customer "
         "ON {schema}.sale_facts (customer_id)"),
        """CREATE TABLE IF NOT EXISTS {schema}.test_drive_facts (
            test_drive_id uuid PRIMARY KEY,
            customer_id uuid NOT NULL,
            canton text NOT NULL,
            model text NOT NULL,
            status text NOT NULL,
            rating integer,
            booked_at timestamptz NOT NULL,
            position bigint NOT NULL)""",
        ("CREATE INDEX IF NOT EXISTS test_drive_facts_by_customer "
         "ON {schema}.test_drive_facts (customer_id)"),
    ]

    def apply(self, curs: Cursor[Any], schema: str, events: Sequence[Positioned]) -> None:
        batch = _Batch(curs, schema, events)
        for event, position in events:
            batch.apply(event, position)
        batch.save()


class _Batch:
    """The facts the batch touches, loaded once, changed in memory, written back once."""

    def __init__(self, curs: Cursor[Any], schema: str, events: Sequence[Positioned]) -> None:
        self.curs, self.schema = curs, schema
        self.journeys = JourneyStates(curs, schema, events)
        customers = self.journeys.customers
        sales = {ev.originator_id for ev, _ in events if type(ev) in e.SALE_EVENT_TYPES}
        reassigned = {ev.originator_id for ev, _ in events
                      if type(ev) is e.SalespersonAssigned}
        drives = {ev.test_drive_id for ev, _ in events if type(ev) in _TEST_DRIVE_STATUS}
        self.customers = load_rows(curs, schema, "customer_facts", _CUSTOMER, "customer_id",
                                   customers)
        self.sales = load_rows(curs, schema, "sale_facts", _SALE, "sale_id", sales)
        # A reassigned customer's sales that are still open go over to the new salesperson.
        for row in load_rows(curs, schema, "sale_facts", _SALE, "customer_id", reassigned,
                             many=True).values():
            self.sales.setdefault(row["sale_id"], row)
        self.drives = load_rows(curs, schema, "test_drive_facts", _TEST_DRIVE, "test_drive_id",
                                drives)
        self.models = {(r["customer_id"], r["model"]): r for r in load_rows(
            curs, schema, "customer_models", _CUSTOMER_MODEL, "customer_id", customers,
            many=True).values()}
        self.changed: set[tuple[str, Any]] = set()

    def apply(self, event: Any, position: int) -> None:
        customer = self.journeys.fold(event)
        if customer is None:
            return
        # By type, not isinstance: `domain.events` types each class as a bare
        # AggregateEvent, so isinstance would hide the event's fields from mypy.
        kind = type(event)
        if kind is e.CustomerRegistered:
            self.customers[customer] = _registered(event)
        elif kind in e.SALE_EVENT_TYPES:
            self._sale(customer, event, position)
        elif kind in _TEST_DRIVE_STATUS:
            self._test_drive(customer, event, position)
        elif kind is e.VehicleInterestRecorded:
            self._model_reached(customer, str(event.model), Stage.ENGAGED)
        elif kind is e.AddressChanged:
            self._moved(customer, str(event.canton))
        elif kind is e.SalespersonAssigned:
            self._reassigned(customer, event.salesperson)
        self._stage(customer, event, position)

    def save(self) -> None:
        self.journeys.save()
        kinds = {kind for kind, _ in self.changed}
        for kind, table, columns, rows, key in [
            ("customer", "customer_facts", _CUSTOMER, self.customers, ("customer_id",)),
            ("sale", "sale_facts", _SALE, self.sales, ("sale_id",)),
            ("drive", "test_drive_facts", _TEST_DRIVE, self.drives, ("test_drive_id",)),
            ("model", "customer_models", _CUSTOMER_MODEL, self.models, ("customer_id", "model")),
        ]:
            if kind in kinds:
                changed = [rows[k] for c, k in self.changed if c == kind and k in rows]
                upsert_rows(self.curs, self.schema, table, columns, key, changed)

    def _stage(self, customer: UUID, event: Any, position: int) -> None:
        row = self.customers.get(customer)
        if row is None:
            return  # never saw this customer registered
        stage = self.journeys.stage(customer)
        row.update(stage=stage.value, lost=stage is Stage.LOST, position=position)
        if stage in FORWARD_STAGES:
            row["furthest_stage"] = _later(row["furthest_stage"], stage)
        if stage not in CONVERTED_STAGES:
            row["contracted_at"] = None
        elif row["contracted_at"] is None:
            row["contracted_at"] = event.timestamp
        self.changed.add(("customer", customer))

    def _moved(self, customer: UUID, canton: str) -> None:
        if (row := self.customers.get(customer)) is not None:
            row["canton"] = canton

    def _reassigned(self, customer: UUID, salesperson: str) -> None:
        row = self.customers.get(customer)
        if row is None:
            return
        row["salesperson"] = salesperson
        # Sales follow their customer's salesperson until they are closed; a contract
        # signed (or a sale lost) before stays with whoever had the customer then.
        for sale_id, sale in self.sales.items():
            if sale["customer_id"] == customer and sale["status"] in _OPEN_SALE_STATUSES:
                sale["salesperson"] = salesperson
                self.changed.add(("sale", sale_id))

    def _sale(self, customer: UUID, event: Any, position: int) -> None:
        kind = type(event)
        sale_id = event.originator_id
        if kind is e.SaleOpened:
            owner = self.customers.get(customer)
            self.sales[sale_id] = {
                "sale_id": sale_id, "customer_id": customer,
                "canton": owner["canton"] if owner else None, "model": str(event.model),
                "salesperson": event.salesperson, "list_price": event.list_price.rappen,
                "final_price": None, "opened_at": event.timestamp, "contracted_at": None,
                "delivered_at": None, "cancelled_at": None}
        row = self.sales.get(sale_id)
        if row is None:
            return
        row.update(status=_SALE_STATUS[kind].value, position=position)
        if kind is e.SaleContractSigned:
            row.update(final_price=event.final_price.rappen, contracted_at=event.timestamp)
        elif kind is e.SaleDelivered:
            row.update(delivered_at=event.timestamp)
        elif kind is e.SaleCancelled:
            row.update(cancelled_at=event.timestamp)
        self.changed.add(("sale", sale_id))
        if kind in SALE_STAGE:
            self._model_reached(customer, row["model"], SALE_STAGE[kind])

    def _test_drive(self, customer: UUID, event: Any, position: int) -> None:
        kind = type(event)
        drive_id = event.test_drive_id
        if kind is e.TestDriveBooked:
            owner = self.customers.get(customer)
            if owner is None:
                return
            self.drives[drive_id] = {
                "test_drive_id": drive_id, "customer_id": customer, "canton": owner["canton"],
                "model": str(event.model), "rating": None, "booked_at": event.timestamp}
        row = self.drives.get(drive_id)
        if row is None:
            return
        row.update(status=_TEST_DRIVE_STATUS[kind].value, position=position)
        if kind is e.TestDriveCompleted:
            row["rating"] = int(event.rating)
        self.changed.add(("drive", drive_id))
        if kind in (e.TestDriveBooked, e.TestDriveCompleted):
            self._model_reached(customer, row["model"], Stage.TEST_DRIVE)

    def _model_reached(self, customer: UUID, model: str, stage: Stage) -> None:
        if customer not in self.customers:
            return
        key = (customer, model)
        row = self.models.setdefault(key, {"customer_id": customer, "model": model,
                                           "furthest_stage": Stage.LEAD.value})
        row["furthest_stage"] = _later(row["furthest_stage"], stage)
        self.changed.add(("model", key))


def _registered(event: Any) -> dict[str, Any]:
    return {"customer_id": event.originator_id, "canton": str(event.canton),
            "salesperson": event.salesperson, "registered_at": event.timestamp,
            "stage": Stage.LEAD.value, "furthest_stage": Stage.LEAD.value,
            "contracted_at": None, "lost": False, "position": 0}


def _later(stored: str, reached: Stage) -> str:
    """The further of a stored stage and one reached now, as stored."""
    return further(Stage(stored), reached).value
