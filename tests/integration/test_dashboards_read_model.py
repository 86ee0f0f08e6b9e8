"""The dashboards read model and its SQL aggregates, with hand-computed figures.

Other tests share the database, so every figure here is read for this test's own
salesperson (the filter a salesperson's token applies) and model codes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from adapters.settings import Settings
from application.services import CustomerIntelligence
from domain.sale import CancelReason
from domain.values import Canton, ModelCode, Money, PostalCode
from domain.vin import VIN
from entrypoints.query_api.dashboard_bodies import StageConversions, StageCounts
from projections.dashboards import DashboardQueries
from tests.factories import META, registration, soon
from tests.readmodels import caught_up

WHEN = soon(4)


@dataclass(frozen=True)
class World:
    salesperson: str
    model: str
    customers: list[UUID]


@pytest.fixture
async def dashboards(settings: Settings) -> AsyncIterator[DashboardQueries]:
    assert settings.database_url
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(settings.database_url, min_size=1,
                                                         max_size=2, open=False)
    await pool.open()
    yield DashboardQueries(pool)
    await pool.close()


def _build_world(app: CustomerIntelligence) -> World:
    """Five customers of one salesperson in GR, as far as the comments say."""
    suffix = uuid4().hex[:6].upper()
    salesperson, code = f"dash-{suffix.lower()}", ModelCode.parse(f"EV-D{suffix}")
    app.put_model(code=code, name="Dashboard EV", list_price=Money.chf(50_000), meta=META)
    where = {"canton": Canton.parse("GR"), "postal_code": PostalCode.parse("7000"),
             "salesperson": salesperson}
    c1, c2, c3, c4, c5 = (app.register_customer(**registration(**where)).id for _ in range(5))
    for cid in (c2, c3, c4):  # c1 stays a lead
        app.record_vehicle_interest(cid, model=code, meta=META)
    drive = app.book_test_drive(c3, model=code, scheduled_at=WHEN, meta=META)
    app.cancel_test_drive(c3, drive.id, meta=META)  # c3: test drive (cancelled)
    for rating in (4, 5):  # c4: two completed test drives, then a delivered sale
        drive = app.book_test_drive(c4, model=code, scheduled_at=WHEN, meta=META)
        app.complete_test_drive(c4, drive.id, rating=rating, notes=None, meta=META)
    sale = app.open_sale(customer_id=c4, model=code, meta=META)
    app.quote_sale(sale.id, price=Money.chf(48_000), discount=Money.chf(2_000),
                   incentives=Money.zero(), meta=META)
    app.reserve_sale(sale.id, deposit=Money.chf(5_000), meta=META)
    app.sign_contract(sale.id, final_price=Money.chf(45_000), meta=META)
    app.deliver_sale(sale.id, vin=VIN.parse("WVWZZZ1KZ6W000001"), delivered_on=soon(60).date(),
                     meta=META)
    drive = app.book_test_drive(c5, model=code, scheduled_at=WHEN, meta=META)
    app.mark_test_drive_missed(c5, drive.id, meta=META)  # c5: no-show, contract cancelled
    sale = app.open_sale(customer_id=c5, model=code, meta=META)
    app.quote_sale(sale.id, price=Money.chf(30_000), discount=Money.zero(),
                   incentives=Money.zero(), meta=META)
    app.sign_contract(sale.id, final_price=Money.chf(30_000), meta=META)
    app.cancel_sale(sale.id, reason=CancelReason.FINANCING_DECLINED, meta=META)
    return World(salesperson, code.code, [c1, c2, c3, c4, c5])


async def _all(dashboards: DashboardQueries, world: World) -> dict[str, Any]:
    me = world.salesperson
    return {
        "funnel": {g: await dashboards.funnel(g, me)
                   for g in ("canton", "model", "salesperson", "period")},
        "cantons": await dashboards.cantons(me),
        "test_drives": {g: await dashboards.test_drives(g, me) for g in ("model", "canton")},
        "salespeople": await dashboards.salespeople(me),
    }


def _facts(settings: Settings, world: World) -> dict[UUID, dict[str, Any]]:
    assert settings.database_url
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        rows = conn.execute("SELECT * FROM rm_dashboards.customer_facts "
                            "WHERE customer_id = ANY(%s)", (world.customers,)).fetchall()
    return {row["customer_id"]: row for row in rows}


@pytest.fixture
def world(app: CustomerIntelligence, settings: Settings, projectors: None) -> World:
    built = _build_world(app)
    caught_up(settings, app, "dashboards")
    return built


def test_customer_facts_keep_furthest_stage_lost_and_contract_time(
    settings: Settings, world: World
) -> None:
    facts = _facts(settings, world)
    c1, c2, c3, c4, c5 = (facts[c] for c in world.customers)
    assert [f["furthest_stage"] for f in (c1, c2, c3, c4, c5)] == [
        "lead", "engaged", "test_drive", "delivered", "contracted"]
    assert [f["stage"] for f in (c1, c2, c3, c4, c5)] == [
        "lead", "engaged", "test_drive", "delivered", "lost"]
    assert (c5["lost"], c5["contracted_at"], c4["lost"]) == (True, None, False)
    assert c4["contracted_at"] > c4["registered_at"]


async def test_funnel_counts_and_conversions(
    dashboards: DashboardQueries, world: World
) -> None:
    expected = {"lead": 5, "engaged": 4, "test_drive": 3, "negotiation": 2, "reserved": 2,
                "contracted": 2, "delivered": 1}
    [by_canton] = await dashboards.funnel("canton", world.salesperson)
    assert by_canton == {"grp": "GR", **expected}
    [by_salesperson] = await dashboards.funnel("salesperson", world.salesperson)
    assert by_salesperson == {"grp": world.salesperson, **expected}
    [by_period] = await dashboards.funnel("period", world.salesperson)
    assert by_period["lead"] == 5 and len(by_period["grp"]) == 7  # YYYY-MM
    # per model: the four customers who came near the model (c1 never did)
    [by_model] = await dashboards.funnel("model", world.salesperson)
    assert by_model == {"grp": world.model, "lead": 4, "engaged": 4, "test_drive": 3,
                        "negotiation": 2, "reserved": 2, "contracted": 2, "delivered": 1}


def test_funnel_conversion_rates_are_rounded_and_null_after_zero() -> None:
    rates = StageConversions.of(StageCounts(5, 4, 3, 2, 2, 2, 1))
    assert (rates.lead_to_engaged, rates.engaged_to_test_drive,
            rates.test_drive_to_negotiation, rates.contracted_to_delivered) == (
        0.8, 0.75, 0.667, 0.5)
    assert StageConversions.of(StageCounts(1, 0, 0, 0, 0, 0, 0)).engaged_to_test_drive is None


async def test_canton_dashboard(
    dashboards: DashboardQueries, settings: Settings, world: World
) -> None:
    [gr] = await dashboards.cantons(world.salesperson)
    c4 = _facts(settings, world)[world.customers[3]]
    days = (c4["contracted_at"] - c4["registered_at"]).total_seconds() / 86400
    assert gr == {"canton": "GR", "customers": 5, "new_last_24h": 5, "converted": 1,
                  "avg_days_to_contract": round(days, 2),
                  "revenue": 4_500_000}  # c5's cancelled contract is not revenue


async def test_test_drive_statistics(dashboards: DashboardQueries, world: World) -> None:
    figures = {"booked": 4, "completed": 2, "cancelled": 1, "missed": 1, "average_rating": 4.5}
    assert await dashboards.test_drives("model", world.salesperson) == [
        {"grp": world.model, **figures}]
    assert await dashboards.test_drives("canton", world.salesperson) == [{"grp": "GR", **figures}]


async def test_salesperson_leaderboard(dashboards: DashboardQueries, world: World) -> None:
    assert await dashboards.salespeople(world.salesperson) == [
        {"salesperson": world.salesperson, "contracts": 1, "revenue": 4_500_000,
         "customers_assigned": 5, "converted": 1}]
    everyone = await dashboards.salespeople(None)
    revenues = [row["revenue"] for row in everyone]
    assert revenues == sorted(revenues, reverse=True)
    assert world.salesperson in {row["salesperson"] for row in everyone}


async def test_erasure_changes_no_figure(
    app: CustomerIntelligence, dashboards: DashboardQueries, settings: Settings, world: World
) -> None:
    before = await _all(dashboards, world)
    for customer in world.customers[1:4]:
        app.erase_customer(customer, meta=META)
    caught_up(settings, app, "dashboards")
    assert await _all(dashboards, world) == before


async def test_reassignment_moves_the_customer_not_the_sale(
    app: CustomerIntelligence, dashboards: DashboardQueries, settings: Settings, world: World
) -> None:
    other = world.salesperson + "-b"
    app.assign_salesperson(world.customers[3], salesperson=other, meta=META)
    caught_up(settings, app, "dashboards")
    [mine] = await dashboards.salespeople(world.salesperson)
    [theirs] = await dashboards.salespeople(other)
    assert (mine["customers_assigned"], mine["converted"], mine["revenue"]) == (4, 0, 4_500_000)
    assert (theirs["customers_assigned"], theirs["converted"], theirs["revenue"]) == (1, 1, 0)
