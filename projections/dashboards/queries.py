"""The dashboards' figures: SQL aggregates over the `rm_dashboards` fact tables.

Every query takes `salesperson`: None for the whole company, a subject to count only
that salesperson's customers (customer figures, test drives) and sales (contracts,
revenue). Stage lists and conditions come from `domain.journey` (via `journey_sql`).
"""

from __future__ import annotations

from domain.customer_facts import TestDriveStatus
from domain.journey import CONVERTED_STAGES, FORWARD_STAGES
from projections.base import schema_of
from projections.dashboards.facts import CONVERTED_SALE_STATUSES
from projections.journey_sql import FORWARD_STAGE_VALUES, literal, one_of
from projections.reading import Reader, Row

__all__ = ["DashboardQueries"]

_S = schema_of("dashboards")
_CONVERTED = one_of(CONVERTED_STAGES)
_CONVERTED_SALES = one_of(CONVERTED_SALE_STATUSES)
_MINE = "(%(salesperson)s::text IS NULL OR {column} = %(salesperson)s::text)"

# How a customer is grouped for the funnel, and from where its furthest stage comes.
_FUNNEL_GROUPS = {
    "canton": ("c.canton", f"{_S}.customer_facts c", "c.furthest_stage"),
    "salesperson": ("c.salesperson", f"{_S}.customer_facts c", "c.furthest_stage"),
    "period": ("to_char(c.registered_at AT TIME ZONE 'Europe/Zurich', 'YYYY-MM')",
               f"{_S}.customer_facts c", "c.furthest_stage"),
    # per model: each customer with that model, as far as they got with it
    "model": ("m.model", f"{_S}.customer_models m JOIN {_S}.customer_facts c USING (customer_id)",
              "m.furthest_stage"),
}
_TEST_DRIVE_GROUPS = {"model": "t.model", "canton": "t.canton"}
_DRIVES = {status: literal(status) for status in TestDriveStatus}


class DashboardQueries(Reader):
    """The dashboards' figures; rates are computed by the caller from these counts."""

    async def funnel(self, group_by: str, salesperson: str | None) -> list[Row]:
        """Per group: how many customers reached each forward stage (a column each)."""
        group, source, furthest = _FUNNEL_GROUPS[group_by]
        reached = ", ".join(
            f"count(*) FILTER (WHERE array_position(%(stages)s::text[], {furthest}) >= {i + 1})"
            f" AS {stage.value}" for i, stage in enumerate(FORWARD_STAGES))
        return await self.rows(
            f"SELECT {group} AS grp, {reached} FROM {source} "
            f"WHERE {_MINE.format(column='c.salesperson')} GROUP BY 1 ORDER BY 1",
            {"stages": FORWARD_STAGE_VALUES, "salesperson": salesperson})

    async def cantons(self, salesperson: str | None) -> list[Row]:
        return await self.rows(f"""
            WITH c AS (
                SELECT canton, count(*) AS customers,
                       count(*) FILTER (WHERE registered_at > now() - interval '24 hours')
                           AS new_last_24h,
                       count(*) FILTER (WHERE stage IN {_CONVERTED}) AS converted,
                       avg(extract(epoch FROM contracted_at - registered_at) / 86400)
                           FILTER (WHERE contracted_at IS NOT NULL) AS avg_days
                FROM {_S}.customer_facts
                WHERE {_MINE.format(column='salesperson')} GROUP BY canton),
            s AS (
                SELECT canton, sum(final_price) AS revenue FROM {_S}.sale_facts
                WHERE status IN {_CONVERTED_SALES} AND canton IS NOT NULL
                  AND {_MINE.format(column='salesperson')} GROUP BY canton)
            SELECT canton, coalesce(customers, 0) AS customers,
                   coalesce(new_last_24h, 0) AS new_last_24h, coalesce(converted, 0) AS converted,
                   round(avg_days::numeric, 2)::float8 AS avg_days_to_contract,
                   coalesce(revenue, 0)::bigint AS revenue
            FROM c FULL JOIN s USING (canton) ORDER BY canton""",
            {"salesperson": salesperson})

    async def test_drives(self, group_by: str, salesperson: str | None) -> list[Row]:
        group = _TEST_DRIVE_GROUPS[group_by]
        return await self.rows(f"""
            SELECT {group} AS grp, count(*) AS booked,
                   count(*) FILTER (WHERE t.status = {_DRIVES[TestDriveStatus.COMPLETED]})
                       AS completed,
                   count(*) FILTER (WHERE t.status = {_DRIVES[TestDriveStatus.CANCELLED]})
                       AS cancelled,
                   count(*) FILTER (WHERE t.status = {_DRIVES[TestDriveStatus.MISSED]}) AS missed,
                   round(avg(t.rating), 2)::float8 AS average_rating
            FROM {_S}.test_drive_facts t JOIN {_S}.customer_facts c USING (customer_id)
            WHERE {_MINE.format(column='c.salesperson')} GROUP BY 1 ORDER BY 1""",
            {"salesperson": salesperson})

    async def salespeople(self, salesperson: str | None) -> list[Row]:
        return await self.rows(f"""
            WITH s AS (
                SELECT salesperson, count(*) AS contracts, sum(final_price) AS revenue
                FROM {_S}.sale_facts WHERE status IN {_CONVERTED_SALES} GROUP BY salesperson),
            c AS (
                SELECT salesperson, count(*) AS customers_assigned,
                       count(*) FILTER (WHERE stage IN {_CONVERTED}) AS converted
                FROM {_S}.customer_facts GROUP BY salesperson)
            SELECT salesperson, coalesce(contracts, 0) AS contracts,
                   coalesce(revenue, 0)::bigint AS revenue,
                   coalesce(customers_assigned, 0) AS customers_assigned,
                   coalesce(converted, 0) AS converted
            FROM s FULL JOIN c USING (salesperson)
            WHERE {_MINE.format(column='salesperson')}
            ORDER BY revenue DESC, salesperson""",
            {"salesperson": salesperson})
