"""The stored lead scores of one customer, for an access report (application.dsg_access).

A connection per read: access reports are rare, and each wait for the server is bounded
(see `adapters.postgres.bounded`), so a stalled Postgres fails the report quickly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from adapters.postgres.bounded import bounded_connection, server_timeouts
from application.access_report import ScoreContribution, ScoredAt

__all__ = ["PostgresLeadScores"]

_COLUMNS = "score, probability, base, contributions, model_version, moment"


class PostgresLeadScores:
    def __init__(self, database_url: str, *, query_timeout: float = 2.0) -> None:
        self._database_url = database_url
        self._timeout = query_timeout

    def score_of(self, customer_id: UUID) -> ScoredAt | None:
        rows = self._rows(f"SELECT {_COLUMNS} FROM read.lead_scores WHERE customer_id = %s "
                          "AND model_version IS NOT NULL",  # not a row of the old model
                          customer_id)
        return _scored(rows[0]) if rows else None

    def history_of(self, customer_id: UUID) -> Sequence[ScoredAt]:
        return [_scored(row) for row in self._rows(
            f"SELECT {_COLUMNS} FROM read.lead_score_history WHERE customer_id = %s "
            "ORDER BY position", customer_id)]

    def _rows(self, query: str, customer_id: UUID) -> list[tuple[Any, ...]]:
        connection_class = bounded_connection(self._timeout)
        with connection_class.connect(self._database_url,
                                      **server_timeouts(self._timeout)) as conn:
            return conn.execute(query, (customer_id,)).fetchall()


def _scored(row: tuple[Any, ...]) -> ScoredAt:
    score, probability, base, contributions, model_version, moment = row
    return ScoredAt(score=score, probability=round(float(probability), 6), base=float(base),
                    contributions=[ScoreContribution(
                        feature=c["feature"], label=c["label"], value=float(c["value"]),
                        contribution=float(c["contribution"])) for c in contributions],
                    model_version=model_version, computed_at=moment)
