"""The journeys read model: a customer's timeline and stage, batch-projected from the log."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import psycopg
from psycopg.rows import dict_row

from adapters.settings import Settings
from application.services import CustomerIntelligence
from domain.customer_facts import Channel, ConsentPurpose, TouchpointKind
from domain.sale import CancelReason
from domain.values import ModelCode, Money
from domain.vin import VIN
from tests.factories import META, registration, soon
from tests.readmodels import caught_up

NOTE = "secret-note-" + uuid4().hex

DELIVERED_ON = soon(60).date()


def _journey(settings: Settings, customer_id: UUID) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    assert settings.database_url
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        row = conn.execute("SELECT * FROM rm_journeys.journeys_now WHERE customer_id = %s",
                           (customer_id,)).fetchone()
        steps = conn.execute("SELECT * FROM rm_journeys.timeline WHERE customer_id = %s "
                             "ORDER BY position", (customer_id,)).fetchall()
    assert row is not None
    return row, steps


def _walk_the_journey(app: CustomerIntelligence, code: ModelCode) -> tuple[UUID, UUID, UUID]:
    """Register → touchpoint → interest → test drive → consent → reassign → two sales."""
    app.put_model(code=code, name="Journey EV", list_price=Money.chf(50_000), meta=META)
    customer = app.register_customer(**registration(salesperson="jo-" + code.code.lower()))
    cid = customer.id
    app.record_touchpoint(cid, kind=TouchpointKind.SHOWROOM_VISIT, channel=Channel.SHOWROOM,
                          note=NOTE, meta=META)
    app.record_vehicle_interest(cid, model=code, meta=META)
    drive = app.book_test_drive(cid, model=code, scheduled_at=soon(4), meta=META)
    app.complete_test_drive(cid, drive.id, rating=4, notes=NOTE, meta=META)
    app.grant_consent(cid, purpose=ConsentPurpose.MARKETING, meta=META)
    app.assign_salesperson(cid, salesperson="jo-next-" + code.code.lower(), meta=META)
    lost = app.open_sale(customer_id=cid, model=code, meta=META)
    app.cancel_sale(lost.id, reason=CancelReason.LOST_TO_COMPETITOR, meta=META)
    sale = app.open_sale(customer_id=cid, model=code, meta=META)
    app.quote_sale(sale.id, price=Money.chf(48_000), discount=Money.chf(2_000),
                   incentives=Money.chf(500), meta=META)
    app.reserve_sale(sale.id, deposit=Money.chf(5_000), meta=META)
    app.sign_contract(sale.id, final_price=Money.chf(47_500), meta=META)
    app.deliver_sale(sale.id, vin=VIN.parse("WVWZZZ1KZ6W000001"), delivered_on=DELIVERED_ON,
                     meta=META)
    return cid, drive.id, sale.id


def test_timeline_holds_every_journey_step_in_log_order(
    app: CustomerIntelligence, settings: Settings, projectors: None
) -> None:
    code = ModelCode.parse(f"EV-J{uuid4().hex[:6].upper()}")
    cid, _, _ = _walk_the_journey(app, code)
    app.erase_customer(cid, meta=META)
    caught_up(settings, app, "journeys")

    row, steps = _journey(settings, cid)
    assert [s["step"] for s in steps] == [
        "registered", "touchpoint", "vehicle_interest", "test_drive_booked",
        "test_drive_completed", "consent_granted", "salesperson_assigned",
        "sale_opened", "sale_cancelled", "sale_opened", "sale_quoted", "sale_reserved",
        "sale_contracted", "sale_delivered", "personal_data_erased"]
    positions = [s["position"] for s in steps]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    occurred = [s["occurred_at"] for s in steps]
    assert occurred == sorted(occurred)
    assert (row["stage"], row["erased"], row["position"]) == ("delivered", True, positions[-1])
    assert row["salesperson"] == "jo-next-" + code.code.lower()


def test_timeline_details_carry_models_and_amounts_but_no_personal_data(
    app: CustomerIntelligence, settings: Settings, projectors: None
) -> None:
    code = ModelCode.parse(f"EV-K{uuid4().hex[:6].upper()}")
    cid, drive_id, sale_id = _walk_the_journey(app, code)
    caught_up(settings, app, "journeys")

    row, steps = _journey(settings, cid)
    by_step = {s["step"]: s for s in steps}  # the later of two same-named steps wins
    assert by_step["registered"]["details"] == {
        "kind": "private", "canton": "ZH", "postal_code": "8001", "language": "de",
        "salesperson": "jo-" + code.code.lower()}
    assert by_step["touchpoint"]["details"] == {"kind": "showroom_visit", "channel": "showroom"}
    assert by_step["vehicle_interest"]["details"] == {"model": code.code}
    assert by_step["test_drive_completed"]["details"] == {"model": code.code, "rating": 4}
    assert by_step["test_drive_completed"]["test_drive_id"] == drive_id
    assert by_step["consent_granted"]["details"] == {"purpose": "marketing"}
    assert by_step["sale_cancelled"]["details"] == {"model": code.code,
                                                    "reason": "lost_to_competitor"}
    assert by_step["sale_quoted"]["details"] == {"model": code.code, "price": 4_800_000,
                                                 "discount": 200_000, "incentives": 50_000}
    assert by_step["sale_quoted"]["sale_id"] == sale_id
    assert by_step["sale_reserved"]["details"] == {"model": code.code, "deposit": 500_000}
    assert by_step["sale_contracted"]["details"] == {"model": code.code, "final_price": 4_750_000}
    assert by_step["sale_delivered"]["details"] == {
        "model": code.code, "vin": "WVWZZZ1KZ6W000001", "delivered_on": DELIVERED_ON.isoformat()}
    assert by_step["sale_opened"]["details"]["list_price"] == 5_000_000
    assert NOTE not in repr(steps) and "Anna" not in repr(steps)
    assert (row["stage"], row["erased"]) == ("delivered", False)


def test_a_cancelled_only_sale_leaves_the_customer_lost(
    app: CustomerIntelligence, settings: Settings, projectors: None
) -> None:
    code = ModelCode.parse(f"EV-L{uuid4().hex[:6].upper()}")
    app.put_model(code=code, name="Lost EV", list_price=Money.chf(30_000), meta=META)
    cid = app.register_customer(**registration()).id
    sale = app.open_sale(customer_id=cid, model=code, meta=META)
    app.cancel_sale(sale.id, reason=CancelReason.NO_STOCK, meta=META)
    caught_up(settings, app, "journeys")

    row, steps = _journey(settings, cid)
    assert row["stage"] == "lost"
    assert [s["step"] for s in steps] == ["registered", "sale_opened", "sale_cancelled"]
