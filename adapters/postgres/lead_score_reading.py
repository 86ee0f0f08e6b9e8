"""The stored lead score of one customer, for an access report (application.dsg_access).

A connection per read: access reports are rare, and each wait for the server is bounded
(see `adapters.postgres.bounded`), so a stalled Postgres fails the report quickly.
"""

from __future__ import annotations

from uuid import UUID

from adapters.postgres.bounded import bounded_connection, server_timeouts
from application.dsg_access import StoredScore

__all__ = ["PostgresLeadScores"]


class PostgresLeadScores:
    def __init__(self, database_url: str, *, query_timeout: float = 2.0) -> None:
        self._database_url = database_url
        self._timeout = query_timeout

    def score_of(self, customer_id: UUID) -> StoredScore | None:
        connection_class = bounded_connection(self._timeout)
        with connection_class.connect(self._database_url,
                                      **server_timeouts(self._timeout)) as conn:
            row = conn.execute(
                "SELECT score, probability, contributions, updated_at FROM read.lead_scores "
                "WHERE customer_id = %s", (customer_id,)).fetchone()
        if row is None:
            return None
        score, probability, contributions, updated_at = row
        return StoredScore(score=score, probability=round(float(probability), 3),
                           contributions={str(k): int(v) for k, v in contributions.items()},
                           computed_at=updated_at)
