"""The customers read model, batch-projected from the real log."""

from __future__ import annotations

from uuid import uuid4

import psycopg
from eventsourcing.persistence import StoredEvent

from adapters.settings import Settings
from application.sealed_values import SealedValues
from application.services import CustomerIntelligence
from domain.customer_facts import ConsentPurpose
from domain.values import CompanyUID, Email, ModelCode, Money
from tests.factories import META, registration, soon
from tests.legacy import registered_v2
from tests.readmodels import caught_up


def _row(settings: Settings, customer_id: object) -> dict[str, object]:
    assert settings.database_url
    with psycopg.connect(settings.database_url, row_factory=psycopg.rows.dict_row) as conn:
        row = conn.execute("SELECT * FROM rm_customers.customers_now WHERE customer_id = %s",
                           (customer_id,)).fetchone()
    assert row is not None
    return row


def test_profile_follows_the_customer_through_sale_and_erasure(
    app: CustomerIntelligence, settings: Settings, projectors: None
) -> None:
    code = ModelCode.parse("EV-RM1")
    app.put_model(code=code, name="Read model EV", list_price=Money.chf(40_000), meta=META)
    customer = app.register_customer(**registration())
    app.grant_consent(customer.id, purpose=ConsentPurpose.MARKETING, meta=META)
    app.change_contact(customer.id, email=Email.parse("anna@new.example"), phone=None, meta=META)
    app.book_test_drive(customer.id, model=code,
                        scheduled_at=soon(2), meta=META)
    sale = app.open_sale(customer_id=customer.id, model=code, meta=META)
    app.quote_sale(sale.id, price=Money.chf(39_000), discount=Money.chf(1_000),
                   incentives=Money.zero(), meta=META)
    app.reserve_sale(sale.id, deposit=Money.chf(2_000), meta=META)

    caught_up(settings, app, "customers")
    row = _row(settings, customer.id)
    # Stored sealed: the event's ciphertext, opened with the customer's key on read.
    assert b"anna@new.example" not in row["email"]  # type: ignore[operator]
    opened = SealedValues(app.cipher).open(customer.id, row["email"])  # type: ignore[arg-type]
    assert (str(opened), row["stage"], row["consents"]) == ("anna@new.example", "reserved",
                                                            ["marketing"])
    assert row["version"] == 4  # registered, consent, contact, test drive

    app.erase_customer(customer.id, meta=META)
    caught_up(settings, app, "customers")
    erased = _row(settings, customer.id)
    assert erased["name"] is None and erased["email"] is None and erased["erased"] is True
    assert (erased["canton"], erased["stage"]) == ("ZH", "reserved")  # facts stay


def test_a_version_1_registration_held_in_clear_is_stored_sealed(
    app: CustomerIntelligence, settings: Settings, projectors: None
) -> None:
    # As the walking skeleton stored it: name and e-mail in clear in the event itself.
    customer_id = uuid4()
    state = (b'{"name":{"_type_":"person_name","_data_":"Old Timerbloom"},'
             b'"email":{"_type_":"email","_data_":"old.timerbloom@example.ch"},'
             b'"postal_code":{"_type_":"plz","_data_":"3011"},'
             b'"canton":{"_type_":"canton","_data_":"BE"},"language":"de",'
             b'"meta":{"_type_":"meta","_data_":{"actor":"sara","correlation_id":"r1"}},'
             b'"timestamp":{"_type_":"datetime_iso","_data_":"2026-11-01T10:00:00+00:00"},'
             b'"originator_topic":"domain.customer:Customer"}')
    app.recorder.insert_events([StoredEvent(customer_id, 1, "domain.customer:Customer.Registered",
                                            state)])

    caught_up(settings, app, "customers")
    row = _row(settings, customer_id)
    assert b"Timerbloom" not in row["name"]  # type: ignore[operator]
    opened = SealedValues(app.cipher)
    assert str(opened.open(customer_id, row["name"])) == "Old Timerbloom"  # type: ignore[arg-type]
    assert str(opened.open(customer_id, row["email"])) == "old.timerbloom@example.ch"  # type: ignore[arg-type]
    assert row["name_terms"] and row["email_terms"]


def test_a_company_name_is_stored_sealed_with_keyed_terms_and_emptied_on_erasure(
    app: CustomerIntelligence, settings: Settings, projectors: None
) -> None:
    # A sole proprietorship's name holds its owner's surname (OR Art. 945): personal.
    customer = app.register_customer(**registration(
        company_name="Vreni Zbindenwyss Elektro", company_uid=CompanyUID.parse("CHE-109.322.551")))

    caught_up(settings, app, "customers")
    row = _row(settings, customer.id)
    stored = b"".join([row["company_name"], *row["company_terms"]])  # type: ignore[list-item, misc]
    assert b"zbindenwyss" not in stored.lower() and b"elektro" not in stored.lower()
    opened = SealedValues(app.cipher).open(customer.id, row["company_name"])  # type: ignore[arg-type]
    assert str(opened) == "Vreni Zbindenwyss Elektro"
    assert len(row["company_terms"]) == 4 + 10 + 6  # type: ignore[arg-type]  # vr.., zb.., el..

    app.erase_customer(customer.id, meta=META)
    caught_up(settings, app, "customers")
    erased = _row(settings, customer.id)
    assert (erased["company_name"], erased["company_terms"]) == (None, [])


def test_a_version_2_registration_with_the_company_name_in_clear_is_stored_sealed(
    app: CustomerIntelligence, settings: Settings, projectors: None
) -> None:
    like = app.register_customer(**registration(
        company_name="Muster AG", company_uid=CompanyUID.parse("CHE-109.322.551"))).id
    customer_id = uuid4()
    app.recorder.insert_events([registered_v2(app, like, customer_id, "Ruedi Altbestand Elektro")])

    caught_up(settings, app, "customers")
    row = _row(settings, customer_id)
    assert b"Altbestand" not in row["company_name"]  # type: ignore[operator]
    opened = SealedValues(app.cipher).open(customer_id, row["company_name"])  # type: ignore[arg-type]
    assert str(opened) == "Ruedi Altbestand Elektro"
    assert row["company_terms"]
