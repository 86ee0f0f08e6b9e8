"""Dashboards read model: fact tables (`facts`) the dashboards aggregate with SQL
(`queries`). No personal data at all."""

from projections.dashboards.facts import DashboardsReadModel
from projections.dashboards.queries import DashboardQueries

__all__ = ["DashboardQueries", "DashboardsReadModel"]
