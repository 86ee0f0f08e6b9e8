"""Dashboards over HTTP: funnel, cantons, test drives, salespeople.

Every role may read them (they hold no personal data); a salesperson's figures count
their own customers and sales only. Each answers through `dashboard_answer`, so
`min_position`, the Redis cache keyed by position and visibility, and ETag/304 apply.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec

from adapters.redis.dashboard_cache import DashboardCache
from entrypoints.http.auth import Caller
from entrypoints.http.openapi import query_responses
from entrypoints.query_api.customers import MinPosition, visible_salesperson
from entrypoints.query_api.dashboard_bodies import (
    CantonFigures,
    CantonsDashboard,
    FunnelDashboard,
    FunnelGroup,
    FunnelGrouping,
    SalespeopleDashboard,
    SalespersonFigures,
    StageConversions,
    StageCounts,
    TestDriveFigures,
    TestDriveGrouping,
    TestDrivesDashboard,
    rate,
)
from entrypoints.query_api.dashboard_http import dashboard_answer
from entrypoints.query_api.positions import ReadPositions
from projections.dashboards import DashboardQueries

__all__ = ["DashboardsController"]

READ_MODEL = "dashboards"
Req = Request[Caller, Any, Any]
_CACHED = "Cached by read-model position; send `If-None-Match` with the ETag for a 304. "
_OWN = "Salespeople see figures over their own customers and sales only."


def _responses(body: type[Any], description: str) -> dict[int, ResponseSpec]:
    """The documented answers: the dashboard (200), not modified (304), the problems."""
    return {**query_responses(),
            200: ResponseSpec(data_container=body, description=description),
            304: ResponseSpec(data_container=None, description="Your copy (If-None-Match) "
                              "is current", generate_examples=False)}


class DashboardsController(Controller):
    path = "/dashboards"
    tags = ["dashboards"]

    @get("/funnel", summary="Sales funnel",
         responses=_responses(FunnelDashboard, "Per group, customers who reached each stage "
                              "and the conversion between consecutive stages"),
         description="Group by canton, model (each customer with a model, as far as they "
         "got with it), salesperson or period (registration month YYYY-MM). " + _CACHED + _OWN)
    async def funnel(self, request: Req, positions: ReadPositions, cache: DashboardCache,
                     dashboards: DashboardQueries,
                     group_by: FunnelGrouping = FunnelGrouping.CANTON,
                     min_position: MinPosition = None) -> Response[bytes]:
        async def compute() -> FunnelDashboard:
            rows = await dashboards.funnel(group_by.value, visible_salesperson(request.user))
            return FunnelDashboard(group_by=group_by, groups=[_funnel_group(r) for r in rows])

        return await dashboard_answer(request, positions, cache, READ_MODEL, min_position, compute,
                                      parameters={"group_by": group_by.value})

    @get("/cantons", summary="Canton dashboard",
         responses=_responses(CantonsDashboard, "Customers, new in 24 h, conversion, days to "
                              "contract, revenue"),
         description=_CACHED + _OWN)
    async def cantons(self, request: Req, positions: ReadPositions, cache: DashboardCache,
                      dashboards: DashboardQueries,
                      min_position: MinPosition = None) -> Response[bytes]:
        async def compute() -> CantonsDashboard:
            rows = await dashboards.cantons(visible_salesperson(request.user))
            return CantonsDashboard(cantons=[_canton(r) for r in rows])

        # "New in the last 24 h" moves with the clock too, not only with events.
        return await dashboard_answer(request, positions, cache, READ_MODEL, min_position, compute,
                                      as_of_minute=True)

    @get("/test-drives", summary="Test-drive statistics",
         responses=_responses(TestDrivesDashboard, "Booked, completed, cancelled, missed, "
                              "no-show rate, average rating"),
         description="Group by model or canton. " + _CACHED + _OWN)
    async def test_drives(self, request: Req, positions: ReadPositions, cache: DashboardCache,
                          dashboards: DashboardQueries,
                          group_by: TestDriveGrouping = TestDriveGrouping.MODEL,
                          min_position: MinPosition = None) -> Response[bytes]:
        async def compute() -> TestDrivesDashboard:
            rows = await dashboards.test_drives(group_by.value, visible_salesperson(request.user))
            return TestDrivesDashboard(group_by=group_by, groups=[_test_drives(r) for r in rows])

        return await dashboard_answer(request, positions, cache, READ_MODEL, min_position, compute,
                                      parameters={"group_by": group_by.value})

    @get("/salespeople", summary="Salesperson leaderboard",
         responses=_responses(SalespeopleDashboard, "Contracts, revenue, customers, "
                              "conversion; by revenue"),
         description=_CACHED + _OWN)
    async def salespeople(self, request: Req, positions: ReadPositions, cache: DashboardCache,
                          dashboards: DashboardQueries,
                          min_position: MinPosition = None) -> Response[bytes]:
        async def compute() -> SalespeopleDashboard:
            rows = await dashboards.salespeople(visible_salesperson(request.user))
            return SalespeopleDashboard(salespeople=[_salesperson(r) for r in rows])

        return await dashboard_answer(request, positions, cache, READ_MODEL, min_position, compute)


def _funnel_group(row: dict[str, Any]) -> FunnelGroup:
    counts = StageCounts(**{k: v for k, v in row.items() if k != "grp"})
    return FunnelGroup(group=row["grp"], counts=counts, conversion=StageConversions.of(counts))


def _canton(row: dict[str, Any]) -> CantonFigures:
    return CantonFigures(
        canton=row["canton"], customers=row["customers"], new_last_24h=row["new_last_24h"],
        conversion_rate=rate(row["converted"], row["customers"]),
        avg_days_to_contract=row["avg_days_to_contract"], revenue=row["revenue"])


def _test_drives(row: dict[str, Any]) -> TestDriveFigures:
    return TestDriveFigures(
        group=row["grp"], booked=row["booked"], completed=row["completed"],
        cancelled=row["cancelled"], missed=row["missed"],
        no_show_rate=rate(row["missed"], row["completed"] + row["missed"]),
        average_rating=row["average_rating"])


def _salesperson(row: dict[str, Any]) -> SalespersonFigures:
    return SalespersonFigures(
        salesperson=row["salesperson"], contracts=row["contracts"], revenue=row["revenue"],
        customers_assigned=row["customers_assigned"],
        conversion_rate=rate(row["converted"], row["customers_assigned"]))
