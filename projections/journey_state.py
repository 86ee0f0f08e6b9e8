"""The journey fold's state per customer, kept in a read model's own tables.

Sale events after `Opened` do not name the customer, so the sale → customer mapping is
kept too. Read models that show a stage share this, and so `domain/journey.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import Cursor

from domain import events as e
from domain.journey import Journey, Stage
from projections.base import Positioned
from projections.journey_sql import stage_now
from projections.rows import jsonb, load_rows, upsert_rows

__all__ = ["JOURNEY_TABLES", "JourneyStates", "stage_now_view"]

def stage_now_view(table: str, columns: Sequence[str]) -> str:
    """CREATE statement of view `<table>_now`: the table, with the stage as of now."""
    selected = ", ".join(f"{stage_now()} AS stage" if column == "stage" else column
                         for column in columns)
    return (f"CREATE OR REPLACE VIEW {{schema}}.{table}_now AS "
            f"SELECT {selected} FROM {{schema}}.{table}")


JOURNEY_TABLES = [
    ("CREATE TABLE IF NOT EXISTS {schema}.journey_state ("
    " customer_id uuid PRIMARY KEY, state jsonb NOT NULL)"),
    ("CREATE TABLE IF NOT EXISTS {schema}.sale_owner ("
    " sale_id uuid PRIMARY KEY, customer_id uuid NOT NULL)"),
]


# Where every journey starts; `Journey.after` never changes a journey, so one is enough.
_START = Journey()


class JourneyStates:
    """Loaded for the customers of one batch, folded in memory, written back once."""

    def __init__(self, curs: Cursor[Any], schema: str, events: Sequence[Positioned]) -> None:
        self.curs = curs
        self.schema = schema
        self.owners = self._owners(events)
        # The customers this batch's events belong to (read models load their rows).
        self.customers: set[UUID] = {self.customer_of(ev) for ev, _ in events} - {None}  # type: ignore[assignment]
        self.journeys: dict[UUID, Journey] = self._load(self.customers)
        self.changed: set[UUID] = set()

    def customer_of(self, event: Any) -> UUID | None:
        kind = type(event)
        if kind in e.SALE_EVENT_TYPES:
            return self.owners.get(event.originator_id)
        if kind in e.CUSTOMER_EVENT_TYPES:
            return event.originator_id  # type: ignore[no-any-return]
        return None

    def fold(self, event: Any) -> UUID | None:
        """Fold one event into its customer's journey; the customer, if any."""
        customer = self.customer_of(event)
        if customer is not None:
            self.journeys[customer] = self.journeys.get(customer, _START).after(event)
            self.changed.add(customer)
        return customer

    def stage(self, customer: UUID) -> Stage:
        """The stage without the time-dependent `dormant` (readers derive that)."""
        journey = self.journeys.get(customer, _START)
        return journey.stage(journey.last_activity or datetime.min)

    def save(self) -> None:
        upsert_rows(self.curs, self.schema, "journey_state", ("customer_id", "state"),
                    ("customer_id",), [{"customer_id": c, "state": jsonb(_dump(self.journeys[c]))}
                                       for c in self.changed])

    def _owners(self, events: Sequence[Positioned]) -> dict[UUID, UUID]:
        opened = [_sale_and_customer(ev) for ev, _ in events if type(ev) is e.SaleOpened]
        if opened:
            self.curs.executemany(
                f"INSERT INTO {self.schema}.sale_owner (sale_id, customer_id) VALUES (%s, %s) "
                "ON CONFLICT DO NOTHING", opened)
        sales = {ev.originator_id for ev, _ in events if type(ev) in e.SALE_EVENT_TYPES}
        owners = load_rows(self.curs, self.schema, "sale_owner", ("sale_id", "customer_id"),
                           "sale_id", sales)
        return {sale: row["customer_id"] for sale, row in owners.items()}

    def _load(self, customers: Iterable[UUID]) -> dict[UUID, Journey]:
        rows = load_rows(self.curs, self.schema, "journey_state", ("customer_id", "state"),
                         "customer_id", customers)
        return {customer: _load(row["state"]) for customer, row in rows.items()}


def _sale_and_customer(opened: Any) -> tuple[UUID, UUID]:
    return opened.originator_id, opened.customer_id


def _dump(journey: Journey) -> dict[str, Any]:
    return {
        "activity": journey.activity.value,
        "sales": {str(k): v.value for k, v in journey.sales.items()},
        "cancelled": journey.cancelled,
        "last_activity": journey.last_activity.isoformat() if journey.last_activity else None,
    }


def _load(data: dict[str, Any]) -> Journey:
    last = data.get("last_activity")
    return Journey(
        activity=Stage(data["activity"]),
        sales={UUID(k): Stage(v) for k, v in data["sales"].items()},
        cancelled=int(data["cancelled"]),
        last_activity=datetime.fromisoformat(last) if last else None,
    )
