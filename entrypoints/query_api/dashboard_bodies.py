"""Response bodies of the dashboards (no personal data in any)."""

from __future__ import annotations

from enum import StrEnum
from itertools import pairwise

import msgspec

__all__ = [
    "CantonFigures", "CantonsDashboard", "FunnelDashboard", "FunnelGroup", "FunnelGrouping",
    "SalespeopleDashboard", "SalespersonFigures",
    "StageConversions", "StageCounts", "TestDriveFigures", "TestDriveGrouping",
    "TestDrivesDashboard", "rate",
]


def rate(part: int, whole: int) -> float | None:
    """`part / whole` rounded to 3 decimals; None when `whole` is 0."""
    return round(part / whole, 3) if whole else None


class FunnelGrouping(StrEnum):
    CANTON = "canton"
    MODEL = "model"
    SALESPERSON = "salesperson"
    PERIOD = "period"  # registration month, YYYY-MM (Europe/Zurich)


class TestDriveGrouping(StrEnum):
    MODEL = "model"
    CANTON = "canton"


class StageCounts(msgspec.Struct, frozen=True):
    """How many customers reached each stage (or went further)."""

    lead: int
    engaged: int
    test_drive: int
    negotiation: int
    reserved: int
    contracted: int
    delivered: int


class StageConversions(msgspec.Struct, frozen=True):
    """The share of one stage's customers who reached the next; null when none reached it."""

    lead_to_engaged: float | None
    engaged_to_test_drive: float | None
    test_drive_to_negotiation: float | None
    negotiation_to_reserved: float | None
    reserved_to_contracted: float | None
    contracted_to_delivered: float | None

    @classmethod
    def of(cls, counts: StageCounts) -> StageConversions:
        values = msgspec.structs.astuple(counts)
        names = StageCounts.__struct_fields__
        return cls(**{f"{a}_to_{b}": rate(values[i + 1], values[i])
                      for i, (a, b) in enumerate(pairwise(names))})


class FunnelGroup(msgspec.Struct, frozen=True):
    group: str
    counts: StageCounts
    conversion: StageConversions


class FunnelDashboard(msgspec.Struct, frozen=True):
    group_by: FunnelGrouping
    groups: list[FunnelGroup]


class CantonFigures(msgspec.Struct, frozen=True):
    canton: str
    customers: int
    new_last_24h: int
    conversion_rate: float | None  # customers contracted or delivered / customers
    avg_days_to_contract: float | None  # registration → contract, over contracted customers
    revenue: int  # Rappen: final prices of contracted and delivered sales


class CantonsDashboard(msgspec.Struct, frozen=True):
    cantons: list[CantonFigures]


class TestDriveFigures(msgspec.Struct, frozen=True):
    group: str
    booked: int  # every test drive booked, whatever became of it
    completed: int
    cancelled: int
    missed: int
    no_show_rate: float | None  # missed / (completed + missed)
    average_rating: float | None  # over completed test drives


class TestDrivesDashboard(msgspec.Struct, frozen=True):
    group_by: TestDriveGrouping
    groups: list[TestDriveFigures]


class SalespersonFigures(msgspec.Struct, frozen=True):
    salesperson: str
    contracts: int  # sales contracted or delivered
    revenue: int  # Rappen
    customers_assigned: int
    conversion_rate: float | None  # customers contracted or delivered / customers assigned


class SalespeopleDashboard(msgspec.Struct, frozen=True):
    """Ordered by revenue, highest first."""

    salespeople: list[SalespersonFigures]
