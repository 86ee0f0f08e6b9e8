"""Customer profile read model: one row per customer, for the query API."""

from __future__ import annotations

from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection
from psycopg.sql import SQL

from domain.customer import Customer
from domain.events import PersonalDataErased

__all__ = ["CustomerProfileProjection", "CustomerProfileView"]

_CREATE = [
    "CREATE SCHEMA IF NOT EXISTS read",
    """
    CREATE TABLE IF NOT EXISTS read.customer_profile (
        customer_id uuid PRIMARY KEY,
        name text,
        email text,
        postal_code text NOT NULL,
        canton text NOT NULL,
        language text NOT NULL,
        registered_at timestamptz NOT NULL,
        salesperson text NOT NULL,
        version integer NOT NULL,
        position bigint NOT NULL
    )
    """,
]


class CustomerProfileView(PostgresTrackingRecorder):
    """Profile rows and this projection's position, written in one transaction."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sql_create_statements.extend(SQL(s).format() for s in _CREATE)  # type: ignore[arg-type]

    def erase(self, customer_id: Any, tracking: Tracking) -> None:
        """DSG erasure: the personal columns go; the customer's facts stay."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "UPDATE read.customer_profile SET name = NULL, email = NULL, "
                "position = %s WHERE customer_id = %s",
                (tracking.notification_id, customer_id),
            )
            self._insert_tracking(curs, tracking)

    def register(self, row: dict[str, Any], tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                """
                INSERT INTO read.customer_profile (customer_id, name, email, postal_code,
                    canton, language, registered_at, salesperson, version, position)
                VALUES (%(customer_id)s, %(name)s, %(email)s, %(postal_code)s, %(canton)s,
                    %(language)s, %(registered_at)s, %(salesperson)s, %(version)s,
                    %(position)s)
                ON CONFLICT (customer_id) DO NOTHING
                """,
                {**row, "position": tracking.notification_id},
            )
            self._insert_tracking(curs, tracking)


class CustomerProfileProjection(Projection[CustomerProfileView]):
    name = "customer_profile"
    # No topic filter: the position must advance on every event, so that
    # `min_position` of any write can be awaited on this read model.

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register(PersonalDataErased)
    def _erased(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.erase(domain_event.originator_id, tracking)

    @process_event.register
    def _(self, domain_event: Customer.Registered, tracking: Tracking) -> None:
        self.view.register(
            {
                "customer_id": domain_event.originator_id,
                "name": domain_event.name.shown(),
                "email": domain_event.email.shown(),
                "postal_code": str(domain_event.postal_code),
                "canton": str(domain_event.canton),
                "language": str(domain_event.language),
                "registered_at": domain_event.timestamp,
                "salesperson": domain_event.salesperson,
                "version": domain_event.originator_version,
            },
            tracking,
        )
