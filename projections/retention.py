"""The facts retention and erasure decide on, read from the journeys and dashboards
read models: each customer's last activity (journeys) and latest signed contract (the
dashboards' sale facts), with the legal hold of an erased one (`cis_legal_holds`,
written in the erasure's transaction).

One indexed query over these tables answers for 100,000 customers; no aggregate is
replayed. A read model lags the log by a little: the erasure adds the log after the
read model's position (`Erasures._latest_contract`), so a contract signed a moment
before the request is never missed, and retention checks each customer's own latest
event before it erases (`Retention.apply`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from uuid import UUID

from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier
from psycopg_pool import ConnectionPool

from application.dsg import ErasureFacts, SalesSeen
from application.retention import CustomerFacts
from application.services import APPLICATION_NAME
from projections.base import schema_of

__all__ = ["RetentionFactsQueries"]

_READ_MODELS = ("customers", "journeys", "dashboards")
# Every customer a retention run may act on: quiet since `cutoff`, or held until before
# today. Customers without any row in journeys were never registered there.
_CANDIDATES = """
SELECT j.customer_id, j.last_activity_at, j.erased, c.signed_at, h.held_until
FROM rm_journeys.journeys j
LEFT JOIN (SELECT customer_id, max(contracted_at) AS signed_at
           FROM rm_dashboards.sale_facts WHERE contracted_at IS NOT NULL
           GROUP BY customer_id) c USING (customer_id)
LEFT JOIN cis_legal_holds h ON h.customer_id = j.customer_id AND h.ended_at IS NULL
WHERE (NOT j.erased AND j.last_activity_at < %(cutoff)s)
   OR (j.erased AND h.held_until < %(today)s)
ORDER BY j.customer_id
"""


class RetentionFactsQueries(ErasureFacts):
    """Sync reads (retention runs in the CLI and in worker threads of the command API)."""

    def __init__(self, pool: ConnectionPool[Any]) -> None:
        self._pool = pool

    def sales_of(self, customer_id: UUID) -> SalesSeen:
        """One statement, so the sales and the position are of one snapshot."""
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT t.notification_id, s.sale_id, s.contracted_at "
                "FROM rm_dashboards.dashboards_tracking t "
                "LEFT JOIN rm_dashboards.sale_facts s ON s.customer_id = %s "
                "WHERE t.application_name = %s", (customer_id, APPLICATION_NAME)).fetchall()
        if not rows:  # the read model has projected nothing yet
            return SalesSeen(0, {})
        return SalesSeen(int(rows[0][0] or 0),
                         {sale: signed for _, sale, signed in rows if sale is not None})

    def read_model_positions(self) -> dict[str, int]:
        with self._pool.connection() as conn:
            return {name: _position(conn, name) for name in _READ_MODELS}

    def candidates(self, *, cutoff: datetime, today: date) -> Iterator[CustomerFacts]:
        """Customers quiet since before `cutoff` or whose hold ended before `today`,
        streamed through a server-side cursor (never all in memory)."""
        with self._pool.connection() as conn, conn.transaction(), conn.cursor(
                name="retention_candidates", row_factory=tuple_row) as cursor:
            cursor.itersize = 2000
            cursor.execute(_CANDIDATES, {"cutoff": cutoff, "today": today})
            for customer_id, last_activity_at, erased, signed_at, held_until in cursor:
                yield CustomerFacts(customer_id, last_activity_at, signed_at, erased,
                                    held_until)


def _position(conn: Any, read_model: str) -> int:
    table = Identifier(schema_of(read_model), f"{read_model}_tracking")
    row = conn.execute(SQL("SELECT notification_id FROM {} WHERE application_name = %s")
                       .format(table), (APPLICATION_NAME,)).fetchone()
    return int(row[0]) if row and row[0] is not None else 0
