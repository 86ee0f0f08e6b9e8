"""`cis demo`: generated demo data, labelled as such, written through the use cases.

Nothing here is real: names are "Demo Kunde N", e-mails are at example.ch, the models are
"DEMO-*" with made-up list prices marked as demo, and no cantonal incentive is declared
(the real amounts come from the cantons, entered by an admin).

The outcomes depend on the journey (`_chance_to_sign`), so that `cis score fit` on demo
data has a real signal to find: a good test drive converts far more often than a missed
one or none. The demo's events all happen while it loads, so it has no long-quiet
customers: the recency features learn nothing from it.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from uuid import UUID

from tqdm import tqdm

from application.services import CustomerIntelligence
from domain.customer_facts import Channel, ConsentPurpose, TouchpointKind
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
# Scoring is profiling: most demo customers consent to it, some do not.
PROFILING_CONSENT_SHARE = 0.85


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
    if rng.random() < PROFILING_CONSENT_SHARE:
        cis.grant_consent(customer, purpose=ConsentPurpose.PROFILING, meta=META)
    touchpoints = [rng.choice(list(TouchpointKind))
                   for _ in range(rng.choices(range(5), weights=[25, 30, 20, 15, 10])[0])]
    for kind in touchpoints:
        cis.record_touchpoint(customer, kind=kind, channel=rng.choice(list(Channel)),
                              note=None, meta=META)
    models = rng.sample([code for code, _, _ in MODELS], k=rng.choice([0, 1, 1, 1, 2, 3]))
    for code in models:
        cis.record_vehicle_interest(customer, model=ModelCode.parse(code), meta=META)
    if not models:
        return
    model = ModelCode.parse(models[-1])
    rating = _test_drive(cis, rng, customer, model) if rng.random() < 0.65 else None
    if rng.random() < 0.85:
        _sale(cis, rng, customer, model, _chance_to_sign(rating, touchpoints, len(models)))


# The demo's made-up truth about touchpoints: a visit in person counts, mail does not.
_TOUCHPOINT_PULL = {TouchpointKind.SHOWROOM_VISIT: 0.9, TouchpointKind.CONFIGURATOR: 0.7,
                    TouchpointKind.CALL: 0.4, TouchpointKind.EVENT: 0.3}


def _chance_to_sign(rating: int | None, touchpoints: list[TouchpointKind], models: int) -> float:
    """The demo's made-up truth, for a fit to find: a good test drive makes a contract
    much likelier, a missed one (rating 0) or none at all much less; showroom visits and
    the configurator help, brochures and e-mails do not; comparing models helps a little."""
    logit = -2.0 + sum(_TOUCHPOINT_PULL.get(k, 0.0) for k in touchpoints) + 0.3 * (models - 1)
    if rating == 0:
        logit -= 1.5
    elif rating is not None:
        logit += 1.2 + 0.9 * (rating - 3)
    return 1 / (1 + math.exp(-logit))


def _today_at_ten() -> datetime:
    # Demo dates lie around the day it runs: inside the windows the domain allows for
    # booking a test drive and recording a delivery, whenever that is.
    return datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)


def _test_drive(cis: CustomerIntelligence, rng: random.Random, customer: UUID,
                model: ModelCode) -> int | None:
    """Book a test drive; its rating when completed, 0 when missed, None otherwise."""
    when = _today_at_ten() + timedelta(days=rng.randrange(-28, 32))
    drive = cis.book_test_drive(customer, model=model, scheduled_at=when, meta=META).id
    outcome = rng.random()
    if outcome < 0.75:
        rating = rng.choices(range(1, 6), weights=[5, 10, 25, 35, 25])[0]
        cis.complete_test_drive(customer, drive, rating=rating, notes=None, meta=META)
        return rating
    if outcome < 0.9:
        cis.mark_test_drive_missed(customer, drive, meta=META)
        return 0
    return None


def _sale(cis: CustomerIntelligence, rng: random.Random, customer: UUID, model: ModelCode,
          chance: float) -> None:
    sale = cis.open_sale(customer_id=customer, model=model, meta=META).id
    listed = cis.get_model(model).list_price
    discount = Money.chf(rng.randrange(0, 3_000, 100))
    try:
        cis.quote_sale(sale, price=listed - discount, discount=discount, incentives=None,
                       meta=META)
        if rng.random() < chance:
            cis.reserve_sale(sale, deposit=Money.chf(2_000), meta=META)
            cis.sign_contract(sale, final_price=listed - discount, meta=META)
            if rng.random() < 0.5:
                delivered_on = _today_at_ten().date() + timedelta(days=rng.randint(1, 60))
                cis.deliver_sale(sale, vin=_vin(rng), delivered_on=delivered_on, meta=META)
        elif rng.random() < 0.9:
            cis.cancel_sale(sale, reason=rng.choice(list(CancelReason)), meta=META)
    except DomainError:
        pass  # a demo path the rules refuse is simply not taken


def _vin(rng: random.Random) -> VIN:
    # European manufacturer prefix (no check digit rule applies there); serial random.
    alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    return VIN.parse("WDM" + "".join(rng.choice(alphabet) for _ in range(14)))
