"""A customers table of a version that kept personal columns in clear (all of them, or the
company name) is replaced on migrate, and the projector fills the new one (sealed) from
the log."""

from __future__ import annotations

import threading

import psycopg

from adapters.settings import Settings
from application.sealed_values import SealedValues
from domain.values import CompanyUID
from entrypoints.bootstrap import build_application, build_projector
from entrypoints.migrate import migrate
from projections.registry import read_model
from tests.databases import own_store
from tests.factories import registration


def test_migrate_drops_a_table_with_personal_columns_in_clear_and_projects_again(
    settings: Settings,
) -> None:
    own = own_store(settings)
    assert own.database_url
    app = build_application(own, pool_size=2)
    try:
        customer = app.register_customer(**registration()).id
        with psycopg.connect(own.database_url) as conn:  # as the earlier version left it
            conn.execute("DROP TABLE rm_customers.customers CASCADE")
            conn.execute("CREATE TABLE rm_customers.customers (customer_id uuid PRIMARY KEY, "
                         "name text, email text, phone text)")
            conn.execute("INSERT INTO rm_customers.customers VALUES (%s, 'Anna Muster', "
                         "'anna.muster@example.ch', NULL)", (customer,))
            conn.execute("UPDATE rm_customers.customers_tracking SET notification_id = 1 "
                         "WHERE application_name = 'cis'")

        migrate(own)

        with psycopg.connect(own.database_url) as conn:
            assert conn.execute("SELECT count(*) FROM rm_customers.customers"
                                ).fetchone() == (0,)
            assert conn.execute("SELECT notification_id FROM rm_customers.customers_tracking "
                                "WHERE application_name = 'cis'").fetchone() == (0,)
        projector = build_projector(own, read_model("customers"), app)
        projector.run(threading.Event(), until=app.recorder.max_notification_id())
        projector.tracking.datastore.close()
        with psycopg.connect(own.database_url) as conn:
            row = conn.execute("SELECT name FROM rm_customers.customers WHERE customer_id = %s",
                               (customer,)).fetchone()
        assert row is not None and b"Anna" not in row[0]
        assert str(SealedValues(app.cipher).open(customer, row[0])) == "Anna Muster"
    finally:
        app.close()


def test_migrate_drops_a_table_with_the_company_name_in_clear_and_projects_again(
    settings: Settings,
) -> None:
    own = own_store(settings)
    assert own.database_url
    app = build_application(own, pool_size=2)
    try:
        customer = app.register_customer(**registration(
            company_name="Anna Muster Elektro", company_uid=CompanyUID.parse("CHE-109.322.551"))).id
        with psycopg.connect(own.database_url) as conn:  # as the version before left it
            conn.execute("DROP TABLE rm_customers.customers CASCADE")
            conn.execute("CREATE TABLE rm_customers.customers (customer_id uuid PRIMARY KEY, "
                         "name bytea, email bytea, phone bytea, company_name text, "
                         "name_terms bytea[] NOT NULL, email_terms bytea[] NOT NULL, "
                         "company_terms text[] NOT NULL)")
            conn.execute("INSERT INTO rm_customers.customers VALUES (%s, NULL, NULL, NULL, "
                         "'Anna Muster Elektro', '{}', '{}', '{anna,muster,elektro}')",
                         (customer,))
            conn.execute("UPDATE rm_customers.customers_tracking SET notification_id = 1 "
                         "WHERE application_name = 'cis'")

        migrate(own)

        with psycopg.connect(own.database_url) as conn:
            assert conn.execute("SELECT count(*) FROM rm_customers.customers"
                                ).fetchone() == (0,)
            assert conn.execute("SELECT notification_id FROM rm_customers.customers_tracking "
                                "WHERE application_name = 'cis'").fetchone() == (0,)
        projector = build_projector(own, read_model("customers"), app)
        projector.run(threading.Event(), until=app.recorder.max_notification_id())
        projector.tracking.datastore.close()
        with psycopg.connect(own.database_url) as conn:
            row = conn.execute("SELECT company_name, company_terms FROM rm_customers.customers "
                               "WHERE customer_id = %s", (customer,)).fetchone()
        assert row is not None and b"Muster" not in row[0]
        assert b"muster" not in b"".join(row[1])
        assert str(SealedValues(app.cipher).open(customer, row[0])) == "Anna Muster Elektro"
    finally:
        app.close()
