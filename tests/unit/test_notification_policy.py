"""Which mail an integration event asks for, and the send-time rules (no I/O)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from application import integration_events as i
from application.notifications import (
    REMINDER_AHEAD,
    Recipient,
    SaleFacts,
    Template,
    message_id,
    outbox_id,
    plan,
    refusal,
)
from domain.customer_facts import TestDriveStatus
from domain.values import Language

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
COMMON = {"event_id": uuid.uuid4(), "position": 7, "occurred_at": NOW, "correlation_id": "r"}
CUSTOMER = uuid.uuid4()
DRIVE = uuid.uuid4()


def booked(ahead: timedelta) -> i.TestDriveBooked:
    return i.TestDriveBooked(**COMMON, customer_id=CUSTOMER, test_drive_id=DRIVE,
                             model="EV-ONE", scheduled_at=NOW + ahead)


def recipient(**changes: object) -> Recipient:
    values: dict[str, object] = {
        "erased": False, "name": "Anna", "email": "anna@example.ch", "language": Language.DE,
        "marketing_consent": False,
        "test_drives": {DRIVE: (TestDriveStatus.BOOKED, NOW + timedelta(days=2))}}
    values.update(changes)
    return Recipient(**values)  # type: ignore[arg-type]


def test_a_booking_asks_for_a_confirmation_now_and_a_reminder_a_day_before() -> None:
    change = plan(booked(timedelta(days=3)))
    assert [(m.template, m.due_at) for m in change.messages] == [
        (Template.TEST_DRIVE_CONFIRMATION, NOW),
        (Template.TEST_DRIVE_REMINDER, NOW + timedelta(days=3) - REMINDER_AHEAD)]
    assert all(m.test_drive_id == DRIVE for m in change.messages)


def test_a_booking_less_than_a_day_ahead_gets_no_reminder() -> None:
    change = plan(booked(timedelta(hours=23, minutes=59)))
    assert [m.template for m in change.messages] == [Template.TEST_DRIVE_CONFIRMATION]


def test_a_cancelled_missed_or_completed_drive_cancels_its_reminder() -> None:
    for event in (i.TestDriveCancelled(**COMMON, customer_id=CUSTOMER, test_drive_id=DRIVE),
                  i.TestDriveMissed(**COMMON, customer_id=CUSTOMER, test_drive_id=DRIVE),
                  i.TestDriveCompleted(**COMMON, customer_id=CUSTOMER, test_drive_id=DRIVE,
                                       rating=4)):
        assert plan(event).cancel_reminder_of == DRIVE


def test_a_quote_carries_its_amounts_and_a_contract_leaves_the_marketing_audience() -> None:
    sale = SaleFacts(customer_id=CUSTOMER, model="EV-ONE", list_price=5_000_000)
    quoted = plan(i.SaleQuoted(**COMMON, sale_id=uuid.uuid4(), price=4_800_000,
                               discount=200_000, incentives=100_000), sale=sale)
    (message,) = quoted.messages
    assert (message.template, message.customer_id) == (Template.QUOTE, CUSTOMER)
    assert message.details["price"] == 4_800_000 and message.details["list_price"] == 5_000_000
    signed = plan(i.SaleContractSigned(**COMMON, sale_id=uuid.uuid4(), final_price=1), sale=sale)
    assert signed.audience is not None and signed.audience.contracted is True


def test_an_incentive_is_a_campaign_to_its_canton_and_other_events_ask_for_nothing() -> None:
    declared = plan(i.IncentiveDeclared(**COMMON, incentive_id=uuid.uuid4(), canton="ZH",
                                        amount=100, description="d"), canton="ZH")
    assert declared.campaign is not None and declared.campaign.canton == "ZH"
    assert plan(i.TouchpointRecorded(**COMMON, customer_id=CUSTOMER, kind="call",
                                     channel="phone")).changes_nothing
    profiling = i.ConsentGranted(**COMMON, customer_id=CUSTOMER, purpose="profiling")
    assert plan(profiling).changes_nothing


def test_service_mail_needs_no_marketing_consent_and_marketing_mail_does() -> None:
    assert refusal(Template.TEST_DRIVE_CONFIRMATION, recipient(), now=NOW,
                   test_drive_id=DRIVE, contracted=False) is None
    assert refusal(Template.INCENTIVE, recipient(), now=NOW, test_drive_id=None,
                   contracted=False) == "no marketing consent"
    assert refusal(Template.INCENTIVE, recipient(marketing_consent=True), now=NOW,
                   test_drive_id=None, contracted=False) is None
    assert refusal(Template.INCENTIVE, recipient(marketing_consent=True), now=NOW,
                   test_drive_id=None, contracted=True) == "has a contract"


def test_nothing_goes_to_an_erased_customer_or_about_a_drive_that_is_off() -> None:
    assert refusal(Template.CONTRACT, recipient(erased=True, email=None, name=None), now=NOW,
                   test_drive_id=None, contracted=True) == "erased"
    cancelled = recipient(test_drives={DRIVE: (TestDriveStatus.CANCELLED, NOW)})
    assert refusal(Template.TEST_DRIVE_REMINDER, cancelled, now=NOW, test_drive_id=DRIVE,
                   contracted=False) == "test drive cancelled"
    assert refusal(Template.TEST_DRIVE_REMINDER, recipient(), now=NOW + timedelta(days=3),
                   test_drive_id=DRIVE, contracted=False) == "test drive already begun"


def test_the_message_id_is_the_same_for_the_same_event_template_and_customer() -> None:
    row = outbox_id(COMMON["event_id"], Template.QUOTE, CUSTOMER)  # type: ignore[arg-type]
    assert row == outbox_id(COMMON["event_id"], Template.QUOTE, CUSTOMER)  # type: ignore[arg-type]
    assert row != outbox_id(uuid.uuid4(), Template.QUOTE, CUSTOMER)
    assert message_id(row, "cis.example") == f"<{row}@cis.example>"


def test_a_cancelled_sale_ends_its_contract_for_the_marketing_audience() -> None:
    sale = SaleFacts(customer_id=CUSTOMER, model="EV-ONE", list_price=5_000_000)
    sale_id = uuid.uuid4()
    signed = plan(i.SaleContractSigned(**COMMON, sale_id=sale_id, final_price=1), sale=sale)
    assert signed.audience is not None and signed.audience.signed_sale == sale_id
    cancelled = plan(i.SaleCancelled(**COMMON, sale_id=sale_id, reason="customer_withdrew"),
                     sale=sale)
    assert cancelled.audience is not None
    assert (cancelled.audience.customer_id, cancelled.audience.cancelled_sale) == (CUSTOMER,
                                                                                   sale_id)
    assert not cancelled.messages
