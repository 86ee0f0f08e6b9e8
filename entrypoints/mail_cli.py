"""`cis mail list`: what the notification consumer sent, skipped or still has to send.

One line per message, newest first: when, status, template, language, customer id,
Message-ID and why it was skipped or failed. Never a body, an address or a name.
"""

from __future__ import annotations

import sys
from uuid import UUID

import psycopg

from adapters.settings import ResolvedSettings

__all__ = ["list_mail"]

_COLUMNS = ("when", "status", "template", "lang", "customer", "message-id", "reason")


def list_mail(settings: ResolvedSettings, *, limit: int, customer: str | None) -> int:
    try:
        subject = None if customer is None else UUID(customer)
    except ValueError:
        print(f"cis: --customer must be a customer id, not {customer!r}", file=sys.stderr)
        return 2
    with psycopg.connect(settings.database_url) as conn:
        rows = conn.execute(
            """
            SELECT to_char(coalesce(finished_at, due_at) AT TIME ZONE 'Europe/Zurich',
                           'YYYY-MM-DD HH24:MI:SS'),
                   status, template, coalesce(language, '-'), customer_id::text,
                   coalesce(message_id, '-'), coalesce(reason, '')
            FROM notify.outbox WHERE %(customer)s::uuid IS NULL OR customer_id = %(customer)s
            ORDER BY coalesce(finished_at, due_at) DESC LIMIT %(limit)s
            """, {"customer": subject, "limit": limit}).fetchall()
    widths = [max([len(_COLUMNS[n]), *(len(str(row[n])) for row in rows)])
              for n in range(len(_COLUMNS))]
    for line in [_COLUMNS, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True))
              .rstrip())
    return 0
