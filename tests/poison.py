"""Poison events, written straight into the event store as something else wrote them."""

from __future__ import annotations

import base64
import re
from uuid import UUID

import psycopg

from application.services import CustomerIntelligence
from domain.customer_facts import Channel, TouchpointKind
from tests.factories import META

__all__ = ["append_damaged_copy", "write_event_with_damaged_seal"]

_EVENTS = "cis_events"
_SEALED = re.compile(rb'"sealed":"([A-Za-z0-9+/=]+)"')


def write_event_with_damaged_seal(url: str, app: CustomerIntelligence,
                                  customer_id: UUID) -> int:
    """Record a touchpoint with a note, then append a copy of it whose sealed note is
    damaged (see `append_damaged_copy`). Returns the damaged event's position."""
    written = app.record_touchpoint(customer_id, kind=TouchpointKind.SHOWROOM_VISIT,
                                    channel=Channel.SHOWROOM, note="Poison note", meta=META)
    return append_damaged_copy(url, customer_id, written.version)


def append_damaged_copy(url: str, customer_id: UUID, version: int) -> int:
    """Append a copy of the customer's event `version` (one sealing exactly one field,
    e.g. a touchpoint's note) as their next event, with that field's ciphertext damaged
    (one bit flipped, as by a fault at rest): it decodes for every reader that leaves
    personal data sealed, and fails to open (InvalidTag) for one that opens it. Wakes
    the followers as the library does. Returns the damaged event's position."""
    with psycopg.connect(url) as conn:
        topic, state = conn.execute(
            f"SELECT topic, state FROM {_EVENTS} WHERE originator_id = %s "
            "AND originator_version = %s", (customer_id, version)).fetchone()  # type: ignore[misc]

        def flip(match: re.Match[bytes]) -> bytes:
            sealed = bytearray(base64.b64decode(match.group(1)))
            sealed[-1] ^= 1
            return b'"sealed":"' + base64.b64encode(bytes(sealed)) + b'"'

        damaged, count = _SEALED.subn(flip, bytes(state))
        assert count == 1, "the event should seal exactly one field"
        position = conn.execute(
            f"INSERT INTO {_EVENTS} (originator_id, originator_version, topic, state) "
            "VALUES (%s, %s, %s, %s) RETURNING notification_id",
            (customer_id, version + 1, topic, damaged)).fetchone()[0]  # type: ignore[index]
        conn.execute(f"NOTIFY {_EVENTS}")  # the library's channel is named like the table
    return int(position)
