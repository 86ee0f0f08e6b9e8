"""The notifications sent (or due) to one customer, for an access report
(application.dsg_access): the notification consumer's outbox, which stores no body.

A connection per read, each wait bounded, as for the stored lead score.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from adapters.postgres.bounded import bounded_connection, server_timeouts
from adapters.postgres.notifications import sent_notifications
from application.access_report import SentNotification

__all__ = ["PostgresSentNotifications"]


class PostgresSentNotifications:
    def __init__(self, database_url: str, *, query_timeout: float = 2.0) -> None:
        self._database_url = database_url
        self._timeout = query_timeout

    def sent_to(self, customer_id: UUID) -> Sequence[SentNotification]:
        connection_class = bounded_connection(self._timeout)
        with connection_class.connect(self._database_url,
                                      **server_timeouts(self._timeout)) as conn, \
                conn.cursor() as cursor:
            rows = sent_notifications(cursor, customer_id)
        return [SentNotification(kind=row["template"], status=row["status"],
                                 reason=row["reason"], language=row["language"],
                                 due_at=row["due_at"], finished_at=row["finished_at"],
                                 message_id=row["message_id"]) for row in rows]
