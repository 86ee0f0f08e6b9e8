"""`cis demo`: generated demo data, labelled as such, written through the use cases.

Nothing here is real: names are "Demo Kunde N", e-mails are at example.ch, the models are
"DEMO-*" with made-up list prices marked as demo, and no cantonal incentive is declared
(the real amounts come from the cantons, entered by an admin).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from tqdm import tqdm

from application.services import CustomerIntelligence
from domain.customer_facts import Channel, TouchpointKind
from domain.errors import DomainError
from domain.meta import EventMeta
from domain.sale import CancelReason
from domain.values import Canton, Email, Language, ModelCode, Money, PersonName, PostalCode
from domain.vin import VIN

__all__ = ["load_demo"]

META = EventMeta(actor="demo-loader", correlation_id="demo")
PLACES = [("8001", "ZH"), ("8400", "ZH"), ("3011", "BE"), ("3600", "BE"), ("1201", "GE"),
          ("1003", "VD"), ("4051", "BS"), ("6900", "TI"), ("9000", "SG"), ("6003", "LU"),
          ("5000", "AG"), ("7000", "GR"), ("1700", "FR"), ("1950", "VS"), ("2000", "NE")]
LANGUAGE = {"GE": Language.FR, "VD": Language.FR, "NE": Language.FR, "TI": Language.IT,
            "FR": Language.FR, "VS": Language.FR}
MODELS = [("DEMO-A", "Demo model A (demo data)", 39_900), ("DEMO-B", "Demo model B (demo data)",
                                                           52_500),
          ("DEMO-C", "Demo model C (demo data)", 71_000)]
SALESPEOPLE = ["sara", "otto", "lea"]


def load_demo(cis: CustomerIntelligence, customers: int = 200, seed: int = 7) -> None:
    rng = random.Random(seed)
    for code, name, price in MODELS:
        cis.put_model(code=ModelCode.parse(code), name=name, list_price=Money.chf(price),
                      meta=META)
    for number in tqdm(range(1, customers + 1), desc="demo customers", unit="customer"):
        _journey(cis, rng, number)


def _journey(cis: CustomerIntelligence, rng: random.Random, number: int) -> None:
    plz, canton = rng.choice(PLACES)
    customer = cis.register_customer(
        name=PersonName.parse(f"Demo Kunde {number:03d}"),
        email=Email.parse(f"demo.kunde{number:03d}@example.ch"),
        postal_code=PostalCode.parse(plz), canton=Canton.parse(canton),
        language=LANGUAGE.get(canton, Language.DE), salesperson=rng.choice(SALESPEOPLE),
        meta=META).id
    model = ModelCode.parse(rng.choice(MODELS)[0])
    depth = rng.choices(range(7), weights=[20, 25, 20, 12, 8, 8, 7])[0]
    steps: list[Callable[[], object]] = [
        lambda: cis.record_touchpoint(customer, kind=rng.choice(list(TouchpointKind)),
                                      channel=rng.choice(list(Channel)), note=None, meta=META),
        lambda: cis.record_vehicle_interest(customer, model=model, meta=META),
        lambda: _test_drive(cis, rng, customer, model),
    ]
    for step in steps[:depth]:
        step()
    if depth >= 4:
        _sale(cis, rng, customer, model, depth)


def _today_at_ten() -> datetime:
    # Demo dates lie around the day it runs: inside the windows the domain allows for
    # booking a test drive and recording a delivery, whenever that is.
    return datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)


def _test_drive(cis: CustomerIntelligence, rng: random.Random, customer: UUID,
                model: ModelCode) -> None:
    when = _today_at_ten() + timedelta(days=rng.randrange(-28, 32))
    drive = cis.book_test_drive(customer, model=model, scheduled_at=when, meta=META).id
    outcome = rng.random()
    if outcome < 0.7:
        cis.complete_test_drive(customer, drive, rating=rng.randint(3, 5), notes=None,
                                meta=META)
    elif outcome < 0.85:
        cis.mark_test_drive_missed(customer, drive, meta=META)


def _sale(cis: CustomerIntelligence, rng: random.Random, customer: UUID, model: ModelCode,
          depth: int) -> None:
    sale = cis.open_sale(customer_id=customer, model=model, meta=META).id
    listed = cis.get_model(model).list_price
    discount = Money.chf(rng.randrange(0, 3_000, 100))
    try:
        cis.quote_sale(sale, price=listed - discount, discount=discount, incentives=None,
                       meta=META)
        if depth >= 5:
            cis.reserve_sale(sale, deposit=Money.chf(2_000), meta=META)
            cis.sign_contract(sale, final_price=listed - discount, meta=META)
        if depth >= 6:
            delivered_on = _today_at_ten().date() + timedelta(days=rng.randint(1, 60))
            cis.deliver_sale(sale, vin=_vin(rng), delivered_on=delivered_on, meta=META)
        elif rng.random() < 0.2:
            cis.cancel_sale(sale, reason=CancelReason.LOST_TO_COMPETITOR, meta=META)
    except DomainError:
        pass  # a demo path the rules refuse is simply not taken


def _vin(rng: random.Random) -> VIN:
    # European manufacturer prefix (no check digit rule applies there); serial random.
    alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    return VIN.parse("WDM" + "".join(rng.choice(alphabet) for _ in range(14)))
