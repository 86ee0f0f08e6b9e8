"""Customers read model: profile, search and current stage, one row per customer.

Personal columns (name, e-mail, phone, company name) hold the events' ciphertext as it
is, under the customer's data key: the query side opens them on read, and erasing the
key shreds them here and in every backup of this table. Search goes through a blind
index (`application/blind_index.py`): keyed terms of the name's, the e-mail's and the
company name's words. `PersonalDataErased` sets the personal columns to NULL and
empties their terms; canton, stage and dates stay for the dashboards.
`CustomerQueries` reads it (and each lead score with the customer's salesperson).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

import msgspec
from psycopg import Cursor

from application.blind_index import BlindIndex
from application.sealed_values import SealedValues
from application.services import APPLICATION_NAME
from domain import events as e
from domain.journey import Stage
from domain.retention import HELD_FIELDS
from projections.base import Positioned, ReadModel
from projections.journey_state import JOURNEY_TABLES, JourneyStates, stage_now_view
from projections.reading import ConnectionSource, Reader, Row
from projections.rows import load_rows, upsert_rows

__all__ = ["CustomerProfile", "CustomerQueries", "CustomersReadModel", "LegalHoldMarker"]

_SHOWN = ("customer_id", "kind", "name", "email", "phone", "company_name", "postal_code",
          "canton", "language", "salesperson", "stage", "consents", "erased",
          "registered_at", "last_activity_at", "version", "position")
_COLUMNS = (*_SHOWN, "name_terms", "email_terms", "company_terms")
# A customer erased under the books' hold: its running hold, from the table written in
# the erasure's own transaction (so never behind the read model).
_FROM = ("rm_customers.customers_now c LEFT JOIN cis_legal_holds h "
         "ON h.customer_id = c.customer_id AND h.ended_at IS NULL")
_SELECTED = ", ".join(f"c.{column}" for column in _SHOWN) + ", h.held_until, h.basis"
_SEALED = ("name", "email", "phone", "company_name")


class CustomersReadModel(ReadModel):
    name: ClassVar[str] = "customers"
    partitioned_by_customer: ClassVar[bool] = True
    stores_personal_data: ClassVar[bool] = True
    tables: ClassVar[Sequence[str]] = [
        # A table of a version that held personal columns in clear (all of them, or
        # the company name and its terms): dropped with the journey state and the
        # position, so the projector fills it again from 0.
        f"""DO $$ BEGIN
            IF EXISTS (SELECT FROM information_schema.columns WHERE table_schema = '{{schema}}'
                       AND table_name = 'customers'
                       AND column_name IN ('name', 'company_name')
                       AND data_type = 'text') THEN
                DROP TABLE {{schema}}.customers CASCADE;
                DROP TABLE IF EXISTS {{schema}}.journey_state, {{schema}}.sale_owner;
                UPDATE {{schema}}.customers_tracking SET notification_id = 0
                 WHERE application_name = '{APPLICATION_NAME}';
            END IF;
        END $$""",
        *JOURNEY_TABLES,
        """CREATE TABLE IF NOT EXISTS {schema}.customers (
            customer_id uuid PRIMARY KEY,
            kind text NOT NULL,
            name bytea, email bytea, phone bytea,
            company_name bytea,
            postal_code text NOT NULL,
            canton text NOT NULL,
            language text NOT NULL,
            salesperson text NOT NULL,
            stage text NOT NULL,
            consents text[] NOT NULL,
            erased boolean NOT NULL,
            registered_at timestamptz NOT NULL,
            last_activity_at timestamptz NOT NULL,
            version integer NOT NULL,
            position bigint NOT NULL,
            name_terms bytea[] NOT NULL,
            email_terms bytea[] NOT NULL,
            company_terms bytea[] NOT NULL)""",
        ("CREATE INDEX IF NOT EXISTS customers_by_registration ON {schema}.customers "
        "(registered_at DESC, customer_id DESC)"),
        ("CREATE INDEX IF NOT EXISTS customers_by_salesperson ON {schema}.customers "
        "(salesperson, registered_at DESC)"),
        *(f"CREATE INDEX IF NOT EXISTS customers_by_{terms} ON {{schema}}.customers "
          f"USING gin ({terms})" for terms in ("name_terms", "email_terms", "company_terms")),
        # The stage as of now: 90 quiet days make a customer dormant (before contract).
        stage_now_view("customers", _COLUMNS),
    ]

    def apply(self, curs: Cursor[Any], schema: str, events: Sequence[Positioned]) -> None:
        journeys = JourneyStates(curs, schema, events)
        rows = load_rows(curs, schema, "customers", _COLUMNS, "customer_id", journeys.customers)
        for event, position in events:
            customer = journeys.fold(event)
            if customer is None:
                continue
            row = _changed(rows.get(customer), event)
            if row is None:
                continue  # an event of a customer we never saw registered: nothing to show
            row.update(stage=journeys.stage(customer).value, position=position,
                       last_activity_at=max(row["last_activity_at"], event.timestamp))
            if type(event) in e.CUSTOMER_EVENT_TYPES:
                row["version"] = event.originator_version
            rows[customer] = row
        journeys.save()
        upsert_rows(curs, schema, "customers", _COLUMNS, ["customer_id"],
                    [rows[c] for c in journeys.changed if c in rows])


def _changed(row: dict[str, Any] | None, event: Any) -> dict[str, Any] | None:
    if type(event) is e.CustomerRegistered:
        return _registered(event)
    if row is None:
        return None
    row = dict(row)
    # By type, not by class pattern: `domain.events` types each class as a bare
    # AggregateEvent, so a class pattern would hide the event's fields from mypy.
    match type(event):
        case e.ContactChanged:
            row.update(email=_ciphertext(event.email), phone=_ciphertext(event.phone),
                       email_terms=_terms(event.email))
        case e.AddressChanged:
            row.update(postal_code=str(event.postal_code), canton=str(event.canton))
        case e.PreferencesChanged:
            row.update(language=str(event.language))
        case e.ConsentGranted:
            row.update(consents=sorted({*row["consents"], str(event.purpose)}))
        case e.ConsentWithdrawn:
            row.update(consents=[c for c in row["consents"] if c != str(event.purpose)])
        case e.SalespersonAssigned:
            row.update(salesperson=event.salesperson)
        case e.PersonalDataErased:
            row.update(name=None, email=None, phone=None, company_name=None, name_terms=[],
                       email_terms=[], company_terms=[], erased=True)
    return row


def _registered(event: Any) -> dict[str, Any]:
    return {
        "customer_id": event.originator_id,
        "kind": str(event.kind),
        "name": _ciphertext(event.name),
        "email": _ciphertext(event.email),
        "phone": _ciphertext(event.phone),
        "company_name": _ciphertext(event.company.name) if event.company else None,
        "postal_code": str(event.postal_code),
        "canton": str(event.canton),
        "language": str(event.language),
        "salesperson": event.salesperson,
        "stage": Stage.LEAD.value,
        "consents": [],
        "erased": False,
        "registered_at": event.timestamp,
        "last_activity_at": event.timestamp,
        "version": event.originator_version,
        "position": 0,
        "name_terms": _terms(event.name),
        "email_terms": _terms(event.email),
        "company_terms": _terms(event.company.name) if event.company else [],
    }


def _ciphertext(value: Any) -> bytes | None:
    """A `Sealed` field's ciphertext as the event holds it (None when absent)."""
    return None if value is None else value.ciphertext


def _terms(value: Any) -> list[bytes]:
    return [] if value is None else sorted(value.terms)


class LegalHoldMarker(msgspec.Struct, frozen=True):
    """An erased buyer's fields the books keep (OR Art. 958f) until `held_until`. The
    profile serves sales, which has ended, so it shows none of them; the DPO reads
    them (the access export, the audit state), each read on the access trail."""

    held_until: date
    legal_basis: str
    fields: list[str]


class CustomerProfile(msgspec.Struct, frozen=True):
    """Personal fields are null after a DSG erasure; `stage` is as of now;
    `legal_hold` says what the books still keep of an erased buyer, and until when."""

    id: UUID
    kind: str
    name: str | None
    email: str | None
    phone: str | None
    company_name: str | None
    postal_code: str
    canton: str
    language: str
    salesperson: str
    stage: str
    consents: list[str]
    erased: bool
    registered_at: datetime
    last_activity_at: datetime
    version: int
    position: int
    legal_hold: LegalHoldMarker | None = None

    @classmethod
    def opened(cls, row: Row, sealed: SealedValues) -> CustomerProfile:
        """The profile of a row, its personal columns opened (None once erased)."""
        subject = row["customer_id"]
        shown = {k: row[k] for k in _SHOWN if k != "customer_id"}
        for column in _SEALED:
            value = sealed.open(subject, row[column])
            shown[column] = None if value is None else str(value)
        hold = None if row["held_until"] is None else LegalHoldMarker(
            held_until=row["held_until"], legal_basis=row["basis"], fields=list(HELD_FIELDS))
        return cls(id=subject, legal_hold=hold, **shown)


class CustomerQueries(Reader):
    """Profiles and searches, the stage as of now (dormant after 90 quiet days).

    Personal columns are opened on read, a page's keys fetched in one query, in a
    worker thread (the cipher is synchronous); `text` is looked up in the blind index.
    """

    def __init__(self, pool: ConnectionSource, *,
                 sealed: SealedValues, index: BlindIndex) -> None:
        super().__init__(pool)
        self._sealed = sealed
        self._index = index

    async def profile(self, customer_id: UUID) -> CustomerProfile | None:
        row = await self.one(f"SELECT {_SELECTED} FROM {_FROM} WHERE c.customer_id = %s",
                             (customer_id,))
        return None if row is None else (await self._opened([row]))[0]

    async def search(
        self, *, canton: str | None, stage: str | None, salesperson: str | None,
        text: str | None, limit: int, after: tuple[datetime, UUID] | None,
    ) -> list[CustomerProfile]:
        """Newest registrations first; `after` is the (registered_at, id) keyset cursor.
        `text` finds whole words and word beginnings (see `BlindIndex.search`)."""
        conditions, params = ["true"], list[Any]()
        for column, value in (("canton", canton), ("stage", stage), ("salesperson", salesperson)):
            if value is not None:
                conditions.append(f"c.{column} = %s")
                params.append(value)
        if text:
            sought = self._index.search(text)
            if not sought:
                return []  # no word long enough to look up: nothing can match
            for part in sought:
                terms = sorted(part.blind)
                conditions.append("(name_terms && %s::bytea[] OR email_terms && %s::bytea[] "
                                  "OR company_terms && %s::bytea[])")
                params += [terms, terms, terms]
        if after is not None:
            conditions.append("(c.registered_at, c.customer_id) < (%s, %s)")
            params += list(after)
        rows = await self.rows(
            f"SELECT {_SELECTED} FROM {_FROM} WHERE {' AND '.join(conditions)} "
            "ORDER BY c.registered_at DESC, c.customer_id DESC LIMIT %s", [*params, limit])
        return await self._opened(rows)

    async def _opened(self, rows: list[Row]) -> list[CustomerProfile]:
        if not rows:
            return []
        return await asyncio.to_thread(self._open, rows)

    def _open(self, rows: list[Row]) -> list[CustomerProfile]:
        self._sealed.prefetch(row["customer_id"] for row in rows)
        return [CustomerProfile.opened(row, self._sealed) for row in rows]
