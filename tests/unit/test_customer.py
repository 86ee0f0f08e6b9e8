"""Customer aggregate rules, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from domain.customer import Customer
from domain.customer_facts import (
    Budget,
    Channel,
    ConsentPurpose,
    CustomerKind,
    TestDriveStatus,
    TouchpointKind,
)
from domain.errors import CustomerErased, InvalidTransition, InvalidValue, UnknownTestDrive
from domain.ids import CustomerID
from domain.personal import Personal
from domain.values import (
    Canton,
    CompanyName,
    CompanyUID,
    Email,
    Language,
    ModelCode,
    Money,
    PersonName,
    PostalCode,
)
from tests.factories import META, registration

MODEL = ModelCode.parse("EV-ONE")
WHEN = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def new_customer(**overrides: object) -> Customer:
    return Customer.register(customer_id=CustomerID(uuid4()), **registration(**overrides))


def booked(customer: Customer) -> UUID:
    drive = uuid4()
    customer.book_test_drive(test_drive_id=drive, model=MODEL, scheduled_at=WHEN, now=WHEN,
                             meta=META)
    return drive


def test_registering_records_one_event_with_personal_fields_marked() -> None:
    customer = new_customer()

    events = customer.collect_events()
    assert [type(e).__name__ for e in events] == ["Registered"]
    assert customer.kind is CustomerKind.PRIVATE
    assert customer.name.subject == customer.id and customer.name.shown() == "Anna Muster"
    assert (str(customer.canton), str(customer.postal_code)) == ("ZH", "8001")
    assert events[0].meta == META  # type: ignore[attr-defined]


def test_postal_code_of_another_canton_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidValue) as refused:
        new_customer(canton=Canton.parse("GE"))
    assert refused.value.field == "postal_code"


def test_business_customer_needs_name_and_uid() -> None:
    uid = CompanyUID.parse("CHE-109.322.551")
    business = new_customer(company_name="Muster AG", company_uid=uid,
                            company_contact=PersonName.parse("Hans Muster"))
    assert business.kind is CustomerKind.BUSINESS
    assert business.company is not None and business.company.contact is not None
    assert business.company.name == Personal(business.id, CompanyName("Muster AG"))  # sealed

    with pytest.raises(InvalidValue) as no_uid:
        new_customer(company_name="Muster AG")
    assert no_uid.value.field == "company_uid"
    with pytest.raises(InvalidValue) as no_name:
        new_customer(company_uid=uid)
    assert no_name.value.field == "company_name"


def test_address_and_contact_changes() -> None:
    customer = new_customer()
    customer.change_address(street="Rue du Rhône 1", postal_code=PostalCode.parse("1204"),
                            canton=Canton.parse("GE"), meta=META)
    customer.change_contact(email=Email.parse("anna@example.org"), phone=None, meta=META)

    assert str(customer.canton) == "GE"
    assert customer.street is not None and customer.street.shown() == "Rue du Rhône 1"
    assert customer.email.shown() == "anna@example.org"
    with pytest.raises(InvalidValue):
        customer.change_address(street=None, postal_code=PostalCode.parse("8001"),
                                canton=Canton.parse("GE"), meta=META)


def test_preferences_with_a_budget_range() -> None:
    customer = new_customer()
    customer.change_preferences(language=Language.FR,
                                budget=Budget(Money.chf(40_000), Money.chf(60_000)), meta=META)
    assert customer.language is Language.FR
    with pytest.raises(InvalidValue):
        Budget(Money.chf(60_000), Money.chf(40_000))


def test_test_drive_lifecycle() -> None:
    customer = new_customer()
    drive = booked(customer)

    customer.complete_test_drive(test_drive_id=drive, rating=5, notes="liked the range",
                                 meta=META)

    assert customer.test_drives[drive].status is TestDriveStatus.COMPLETED
    assert customer.test_drives[drive].rating == 5
    with pytest.raises(InvalidTransition):
        customer.cancel_test_drive(test_drive_id=drive, meta=META)
    with pytest.raises(UnknownTestDrive):
        customer.mark_test_drive_missed(test_drive_id=uuid4(), meta=META)


@pytest.mark.parametrize("rating", [0, 6, -1, True])
def test_rating_must_be_one_to_five(rating: int) -> None:
    customer = new_customer()
    drive = booked(customer)
    with pytest.raises(InvalidValue) as refused:
        customer.complete_test_drive(test_drive_id=drive, rating=rating, notes=None, meta=META)
    assert refused.value.field == "rating"


def test_cancelled_and_missed_test_drives_are_final() -> None:
    customer = new_customer()
    cancelled, missed = booked(customer), booked(customer)
    customer.cancel_test_drive(test_drive_id=cancelled, meta=META)
    customer.mark_test_drive_missed(test_drive_id=missed, meta=META)

    assert customer.test_drives[missed].status is TestDriveStatus.MISSED
    with pytest.raises(InvalidTransition):
        customer.complete_test_drive(test_drive_id=cancelled, rating=3, notes=None, meta=META)


def test_a_naive_time_is_refused() -> None:
    customer = new_customer()
    with pytest.raises(InvalidValue) as refused:
        customer.book_test_drive(test_drive_id=uuid4(), model=MODEL,
                                 scheduled_at=datetime(2026, 12, 1, 10, 0), now=WHEN,
                                 meta=META)
    assert refused.value.field == "scheduled_at"


def test_consents_are_idempotent() -> None:
    customer = new_customer()
    assert customer.grant_consent(purpose=ConsentPurpose.MARKETING, meta=META)
    assert not customer.grant_consent(purpose=ConsentPurpose.MARKETING, meta=META)
    assert customer.withdraw_consent(purpose=ConsentPurpose.MARKETING, meta=META)
    assert not customer.withdraw_consent(purpose=ConsentPurpose.MARKETING, meta=META)
    assert customer.consents == set()


def test_touchpoints_interests_and_assignment() -> None:
    customer = new_customer()
    customer.record_touchpoint(kind=TouchpointKind.SHOWROOM_VISIT, channel=Channel.SHOWROOM,
                               note="came with family", meta=META)
    customer.record_vehicle_interest(model=MODEL, meta=META)
    customer.record_vehicle_interest(model=MODEL, meta=META)
    assert customer.assign_salesperson(salesperson="otto", meta=META)

    assert customer.touchpoints == 1
    assert customer.interests == [MODEL]
    assert customer.salesperson == "otto"
    with pytest.raises(InvalidValue):
        customer.record_touchpoint(kind=TouchpointKind.CALL, channel=Channel.PHONE,
                                   note="x" * 2001, meta=META)


def test_after_erasure_every_command_is_refused_and_personal_fields_are_gone() -> None:
    customer = new_customer(company_name="Muster AG",
                            company_uid=CompanyUID.parse("CHE-109.322.551"),
                            company_contact=PersonName.parse("Hans Muster"))
    customer.erase_personal_data(meta=META)

    assert customer.erased
    assert customer.name.redacted and customer.email.redacted
    # A sole proprietorship's name holds its owner's surname: erased too; the UID stays.
    assert customer.company is not None and customer.company.name.redacted
    assert str(customer.company.uid) == "CHE-109.322.551"
    assert customer.company.contact is not None and customer.company.contact.redacted
    assert str(customer.canton) == "ZH"
    for command in (
        lambda: customer.change_contact(email=Email.parse("a@b.ch"), phone=None, meta=META),
        lambda: customer.grant_consent(purpose=ConsentPurpose.PROFILING, meta=META),
        lambda: customer.record_vehicle_interest(model=MODEL, meta=META),
        lambda: customer.erase_personal_data(meta=META),
    ):
        with pytest.raises(CustomerErased):
            command()


def test_replaying_the_events_rebuilds_an_equal_customer() -> None:
    customer = new_customer()
    drive = booked(customer)
    customer.complete_test_drive(test_drive_id=drive, rating=4, notes=None, meta=META)
    events = customer.collect_events()

    replayed = None
    for event in events:
        replayed = event.mutate(replayed)

    assert replayed is not None
    assert replayed.__dict__ == customer.__dict__
