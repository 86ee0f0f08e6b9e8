"""Dashboards computed with SQL aggregates over the `rm_dashboards` fact tables
(and, next to them, the journey timeline of `rm_journeys`).

Every query takes `salesperson`: None for the whole company, a subject to count only
that salesperson's customers (customer figures, test drives) and sales (contracts,
revenue). Rates are fractions rounded to 3 decimals, null when the base is 0.
"""

from __future__ import annotations

from typing import Any

from psycopg.rows import dict_row

from adapters.postgres.read_models import ReadModels

__all__ = ["FUNNEL_STAGES", "DashboardQueries", "JourneyQueries"]

FUNNEL_STAGES = ("lead", "engaged", "test_drive", "negotiation", "reserved", "contracted",
                 "delivered")
_S = "rm_dashboards"
_CONVERTED = "('contracted', 'delivered')"
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


class DashboardQueries(ReadModels):
    """The dashboards' figures; shares the query API's connection pool."""

    @classmethod
    def sharing(cls, reads: ReadModels) -> DashboardQueries:
        return cls(reads._pool)  # a ReadModels reading the same pool

    async def rows(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        async with self._pool.connection() as conn:
            cursor = conn.cursor(row_factory=dict_row)
            await cursor.execute(query, params)
            return await cursor.fetchall()

    async def funnel(self, group_by: str, salesperson: str | None) -> list[dict[str, Any]]:
        """Per group: how many customers reached each stage (`reached_<stage>`)."""
        group, source, furthest = _FUNNEL_GROUPS[group_by]
        reached = ", ".join(
            f"count(*) FILTER (WHERE array_position(%(stages)s::text[], {furthest}) >= {i + 1})"
            f" AS {stage}" for i, stage in enumerate(FUNNEL_STAGES))
        return await self.rows(
            f"SELECT {group} AS grp, {reached} FROM {source} "
            f"WHERE {_MINE.format(column='c.salesperson')} GROUP BY 1 ORDER BY 1",
            {"stages": list(FUNNEL_STAGES), "salesperson": salesperson})

    async def cantons(self, salesperson: str | None) -> list[dict[str, Any]]:
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
                WHERE status IN {_CONVERTED} AND canton IS NOT NULL
                  AND {_MINE.format(column='salesperson')} GROUP BY canton)
            SELECT canton, coalesce(customers, 0) AS customers,
                   coalesce(new_last_24h, 0) AS new_last_24h, coalesce(converted, 0) AS converted,
                   round(avg_days::numeric, 2)::float8 AS avg_days_to_contract,
                   coalesce(revenue, 0)::bigint AS revenue
            FROM c FULL JOIN s USING (canton) ORDER BY canton""",
            {"salesperson": salesperson})

    async def test_drives(self, group_by: str, salesperson: str | None) -> list[dict[str, Any]]:
        group = _TEST_DRIVE_GROUPS[group_by]
        return await self.rows(f"""
            SELECT {group} AS grp, count(*) AS booked,
                   count(*) FILTER (WHERE t.status = 'completed') AS completed,
                   count(*) FILTER (WHERE t.status = 'cancelled') AS cancelled,
                   count(*) FILTER (WHERE t.status = 'missed') AS missed,
                   round(avg(t.rating), 2)::float8 AS average_rating
            FROM {_S}.test_drive_facts t JOIN {_S}.customer_facts c USING (customer_id)
            WHERE {_MINE.format(column='c.salesperson')} GROUP BY 1 ORDER BY 1""",
            {"salesperson": salesperson})

    async def salespeople(self, salesperson: str | None) -> list[dict[str, Any]]:
        return await self.rows(f"""
            WITH s AS (
                SELECT salesperson, count(*) AS contracts, sum(final_price) AS revenue
                FROM {_S}.sale_facts WHERE status IN {_CONVERTED} GROUP BY salesperson),
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


class JourneyQueries(ReadModels):
    """A customer's journey from `rm_journeys` (kept next to the dashboards' queries)."""

    @classmethod
    def sharing(cls, reads: ReadModels) -> JourneyQueries:
        return cls(reads._pool)  # a ReadModels reading the same pool

    async def journey(self, customer_id: Any) -> dict[str, Any] | None:
        """The customer's row (stage as of now) with `steps`, oldest first; None if unknown."""
        async with self._pool.connection() as conn:
            cursor = conn.cursor(row_factory=dict_row)
            await cursor.execute(
                "SELECT customer_id, salesperson, canton, stage, erased, registered_at, "
                "last_activity_at, position FROM rm_journeys.journeys_now "
                "WHERE customer_id = %s", (customer_id,))
            row = await cursor.fetchone()
            if row is None:
                return None
            await cursor.execute(
                "SELECT step, occurred_at, position, sale_id, test_drive_id, details "
                "FROM rm_journeys.timeline WHERE customer_id = %s ORDER BY position",
                (customer_id,))
            return {**row, "steps": await cursor.fetchall()}
